import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { MaskObligation, MaskStrategy } from '../../types.ts'
import { jsonMasker } from './json.ts'
import { columnStrategies, NOWHERE, pathTrie, type PathState, step, strategyAt } from './path-match.ts'
import { compileRules, type MaskRules } from './rules.ts'
import { strongest } from './strategy.ts'

const KEY = new Uint8Array(32).fill(5)

/** The definition the trie must agree with: every rule's segments tested against the whole path, node by node. */
function byDefinition(rules: MaskRules, path: readonly string[], isKey: boolean): MaskStrategy | undefined {
  const found: MaskStrategy[] = []
  for (const rule of rules.paths) if (rule.segments.length === path.length && rule.segments.every((re, i) => re.test(path[i]!))) found.push(rule.strategy)
  const last = path[path.length - 1]
  if (isKey && last !== undefined) for (const rule of rules.columns) if (!rule.qualified && rule.pattern.test(last)) found.push(rule.strategy)
  return strongest(found)
}

/** Walks `doc` keeping both the path and the trie state; returns the nodes where the two disagree. */
function disagreements(doc: unknown, rules: MaskRules): string[] {
  const out: string[] = []
  const columnsOf = (k: string) => columnStrategies(rules.columns, k)
  const walk = (node: unknown, path: string[], state: PathState, isKey: boolean) => {
    if (path.length) {
      const want = byDefinition(rules, path, isKey)
      const got = strategyAt(state, path[path.length - 1], isKey, columnsOf)
      if (want !== got) out.push(`${JSON.stringify(path)}: ${got} instead of ${want}`)
    }
    if (node === null || typeof node !== 'object') return
    const entries: Array<[string, unknown, boolean]> = Array.isArray(node) ? node.map((v, i) => [String(i), v, false]) : Object.entries(node).map(([k, v]) => [k, v, true])
    for (const [k, v, childIsKey] of entries) walk(v, [...path, k], state.length ? step(state, k) : NOWHERE, childIsKey)
  }
  walk(doc, [], pathTrie(rules.paths), false)
  return out
}

// The Kubernetes rules the default policy gives an agent's reads in production (policies/kubernetes), and shapes
// that share their prefixes.
const KUBE_PATHS = [
  'items.*.spec.containers.*.env.*.value', 'items.*.spec.initContainers.*.env.*.value', 'items.*.spec.template.spec.containers.*.env.*.value',
  'items.*.spec.jobTemplate.spec.template.spec.containers.*.env.*.value', 'items.*.metadata.annotations.*last-applied-configuration',
  'metadata.annotations.*last-applied-configuration', 'object.rows.*.object.spec.containers.*.env.*.value', 'object.metadata.annotations.*last-applied-configuration',
  'spec.containers.*.env.*.value', 'data.*', 'items.*.data.*', 'items.*.stringData.*', 'object.data.*',
]
const kubeRules: MaskObligation[] = [
  ...KUBE_PATHS.map((path, i) => ({ path, strategy: (['redact', 'hash', 'partial', 'null'] as const)[i % 4] })),
  { path: 'ITEMS.*.Metadata.Name', strategy: 'partial' }, { path: '$.kind' }, { path: 'items.0.spec' }, { path: 'items.*.spec', strategy: 'hash' },
  { path: 'a*b.*x*.*' }, { path: '__proto__.*' }, { path: 'weird key.with*' },
  { column: 'token*', strategy: 'hash' }, { column: '*secret*' }, { column: 'users.email' }, { column: 'NAME', strategy: 'partial' },
]

const pod = (name: string) => ({
  metadata: { name, namespace: 'prod', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"env":"x"}', other: 'y' }, labels: { app: name } },
  spec: { containers: [{ name: 'app', env: [{ name: 'DB_PASSWORD', value: 'hunter2' }, { name: 'MODE', valueFrom: { secretKeyRef: { name: 's' } } }] }], initContainers: [] },
  status: { phase: 'Running' },
})

const documents: unknown[] = [
  { kind: 'PodList', apiVersion: 'v1', items: [{ metadata: { name: 'web-1', namespace: 'prod' }, status: { phase: 'Running' } }] },
  { kind: 'PodList', items: [pod('a'), pod('b'), pod('c')] },
  { kind: 'Secret', data: { password: 'aHVudGVyMg==', token: 'x' }, stringData: { a: 'b' }, metadata: { name: 's' } },
  { type: 'MODIFIED', object: { kind: 'Secret', data: { k: 'v' }, metadata: { annotations: { 'x-last-applied-configuration': '1' } } } },
  { kind: 'Table', object: { rows: [{ object: pod('t') }, { object: { spec: { containers: [{ env: [{ value: 1 }] }] } } }] } },
  { ITEMS: [{ METADATA: { NAME: 'upper' } }], items: { 0: { spec: 1 }, x: { spec: [1, 2] } } },
  { ab: { xx: { y: 1, z: [1] }, x: 2 }, aXYZb: { 'x.y': { '': 3 } }, 'a.b': { x: { q: 1 } } },
  JSON.parse('{"__proto__": {"polluted": 1, "x": [1]}, "constructor": {"prototype": 1}}'),
  { 'weird key': { withspace: 1, 'with*': 2, WITH: 3 }, '': { '': { '': 1 } } },
  { tokens: ['t1'], token_a: { nested: 1 }, users: [{ email: 'a@b.c', Name: 'x', mysecretfield: { deep: 's' } }] },
  [[{ items: [1] }], { kind: 'k' }],
  'a string document', 42, null,
]

// Documents and rules made up from a small alphabet of keys, so rules and paths keep meeting.
function random(seed: number) {
  let s = seed
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648)
  const keys = ['a', 'b', 'A', 'ab', 'ba', 'items', 'spec', 'env', 'value', 'x*y', '0', '1', '__proto__', '']
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!
  const doc = (depth: number): unknown => {
    if (depth > 4 || next() < 0.2) return pick(['v', 1, null, true])
    if (next() < 0.3) return Array.from({ length: Math.floor(next() * 3) }, () => doc(depth + 1))
    const out: Record<string, unknown> = {}
    for (let i = Math.floor(next() * 4); i > 0; i--) Object.defineProperty(out, pick(keys), { value: doc(depth + 1), enumerable: true, writable: true, configurable: true })
    return out
  }
  const segment = () => pick(['*', 'a*', '*b', 'a', 'A', 'items', 'spec', '*e*', '0', '1', 'x*y', '__proto__'])
  const rules: MaskObligation[] = Array.from({ length: 1 + Math.floor(next() * 8) }, () => next() < 0.8
    ? { path: Array.from({ length: 1 + Math.floor(next() * 4) }, segment).join('.'), strategy: pick(['redact', 'hash', 'partial', 'null'] as const) }
    : { column: pick(['a*', 'items', '*', 'x.a', 'spec']), strategy: pick(['redact', 'hash', 'partial', 'null'] as const) })
  return { doc: doc(0), rules }
}

test('path trie: the strategy at every node is the one the rules give its whole path (fixture documents, Kubernetes and adversarial rules)', () => {
  const rules = compileRules(kubeRules)
  for (const doc of documents) assert.equal(disagreements(doc, rules), [], JSON.stringify(doc))
})

test('path trie: agrees with the definition on 3,000 random documents and rule sets', () => {
  for (let seed = 1; seed <= 3000; seed++) {
    const { doc, rules } = random(seed)
    assert.equal(disagreements(doc, compileRules(rules)), [], `seed ${seed}: ${JSON.stringify(rules)}`)
  }
})

test('path trie: rules written alike share a node, and a path that leaves the trie stays out of it', () => {
  const trie = pathTrie(compileRules([{ path: 'items.*.a' }, { path: 'items.*.b', strategy: 'hash' }, { path: 'ITEMS.*.a', strategy: 'null' }]).paths)
  assert.is(trie[0]!.next.length, 2, 'items and ITEMS are separate patterns (each matches both spellings)')
  assert.is(trie[0]!.next[0]!.next.length, 1, 'items.* is one node for both rules')
  assert.is(step(trie, 'metadata'), NOWHERE)
  assert.is(step(NOWHERE, 'items'), NOWHERE)
  const at = step(step(step(trie, 'Items'), '3'), 'a')
  assert.is(strategyAt(at, 'a', true, () => []), 'null', 'the strongest of the rules that end here')
})

test('masking with the trie: the documents mask as the rules say, every rule still applied', () => {
  const masker = jsonMasker(kubeRules, KEY)
  const out = masker.mask({ items: [pod('a')], kind: 'PodList', data: { k: 'v' } }).doc as { items: Array<ReturnType<typeof pod>>; kind: string; data: Record<string, unknown> }
  assert.is(out.kind, '[redacted]')
  assert.match(String(out.data.k), /^h:[0-9a-f]{16}$/, 'data.* hashes')
  assert.is(out.items[0]!.spec.containers[0]!.name, '[redacted]', 'items.0.spec (redact) is stronger than items.*.spec (hash)')
  assert.match(String(out.items[0]!.metadata.name), /^\*+$/)
  assert.is(out.items[0]!.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], '[redacted]')
  assert.is(out.items[0]!.metadata.annotations.other, 'y')
})

test.run()
