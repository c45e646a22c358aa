// Masks a JSON document (an HTTP body): a node matched by a path rule, or an object key matched by a
// column rule, is masked whole (every scalar leaf under it; `null` replaces the node); detectors then
// scan the remaining string leaves and long numbers. The input is never modified.
import type { MaskObligation, MaskStrategy } from '../../types.ts'
import { failClosed, MaskError } from '../errors.ts'
import { compileRules, type MaskRules } from './rules.ts'
import { maskWhole, strongest } from './strategy.ts'
import { maskDetected } from './text-spans.ts'

const MAX_DEPTH = 512

interface Walk {
  rules: MaskRules
  key: Uint8Array
  masked: number
  stack: Set<object>
}

function pathMatches(segments: readonly RegExp[], path: readonly string[]): boolean {
  return segments.length === path.length && segments.every((re, i) => re.test(path[i]!))
}

function wholeStrategy(walk: Walk, path: readonly string[], isKey: boolean): MaskStrategy | undefined {
  const found: MaskStrategy[] = []
  for (const rule of walk.rules.paths) if (pathMatches(rule.segments, path)) found.push(rule.strategy)
  const last = path[path.length - 1]
  if (isKey && last !== undefined) {
    for (const rule of walk.rules.columns) if (!rule.qualified && rule.pattern.test(last)) found.push(rule.strategy)
  }
  return strongest(found)
}

function isScalar(node: unknown): node is string | number | boolean | bigint {
  return ['string', 'number', 'boolean', 'bigint'].includes(typeof node)
}

function enter<T>(walk: Walk, node: object, depth: number, fn: () => T): T {
  if (walk.stack.has(node)) throw new MaskError('the document contains a cycle; it cannot be masked')
  if (depth > MAX_DEPTH) throw new MaskError(`the document is nested deeper than ${MAX_DEPTH} levels`)
  walk.stack.add(node)
  try {
    return fn()
  } finally {
    walk.stack.delete(node)
  }
}

function children(walk: Walk, node: object, depth: number, map: (child: unknown, key: string, isKey: boolean) => unknown): unknown {
  return enter(walk, node, depth, () =>
    Array.isArray(node)
      ? node.map((child, i) => map(child, String(i), false))
      : Object.fromEntries(Object.entries(node).map(([k, child]) => [k, map(child, k, true)])),
  )
}

function maskWholeNode(walk: Walk, node: unknown, strategy: MaskStrategy, depth: number): unknown {
  if (strategy === 'null') {
    walk.masked++
    return null
  }
  if (isScalar(node)) {
    walk.masked++
    return maskWhole(String(node), strategy, walk.key)
  }
  if (node !== null && typeof node === 'object') return children(walk, node, depth, (child) => maskWholeNode(walk, child, strategy, depth + 1))
  return node
}

function visit(walk: Walk, node: unknown, path: string[], isKey: boolean, depth: number): unknown {
  const strategy = path.length > 0 ? wholeStrategy(walk, path, isKey) : undefined
  if (strategy) return maskWholeNode(walk, node, strategy, depth)
  if (node !== null && typeof node === 'object') {
    return children(walk, node, depth, (child, key, childIsKey) => visit(walk, child, [...path, key], childIsKey, depth + 1))
  }
  const { detectors, detectorStrategies } = walk.rules
  if (detectors.length === 0) return node
  if (typeof node === 'string' || ((typeof node === 'number' || typeof node === 'bigint') && String(node).length >= 7)) {
    const result = maskDetected(String(node), detectors, detectorStrategies, walk.key)
    if (!result.masked) return node
    walk.masked++
    return result.value
  }
  return node
}

export function maskJson(doc: unknown, obligations: MaskObligation[], key: Uint8Array): { doc: unknown; masked: number } {
  return failClosed('mask JSON body', () => {
    const walk: Walk = { rules: compileRules(obligations), key, masked: 0, stack: new Set() }
    const out = visit(walk, doc, [], false, 0)
    return { doc: out, masked: walk.masked }
  })
}
