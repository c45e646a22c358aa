// Turns ajv's errors into issues a person can act on: the exact field (targets[2].upstream.port), what was
// expected, what was found, and for an unknown key the known key it probably meant.
import type { ErrorObject } from 'ajv'
import { closest } from './suggest.ts'

export interface SchemaIssue {
  /** Field path, e.g. `targets[2].upstream.port`; empty for the document itself. */
  path: string
  /** What was wrong, e.g. `must be integer, got "abc"`. */
  message: string
  /** The same path as keys and indexes, e.g. ['targets', 2, 'upstream', 'port'], to locate it in a source file. */
  segments: Array<string | number>
}

const identifier = /^[A-Za-z_$][\w$-]*$/

export function formatPath(segments: ReadonlyArray<string | number>): string {
  let out = ''
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`
    else if (identifier.test(s)) out += out ? `.${s}` : s
    else out += `[${JSON.stringify(s)}]`
  }
  return out
}

/** Splits a JSON pointer into keys, walking `root` so array positions become numbers. */
function segmentsOf(pointer: string, root: unknown): Array<string | number> {
  if (!pointer) return []
  const out: Array<string | number> = []
  let node: unknown = root
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(node) && /^\d+$/.test(key)) {
      out.push(Number(key))
      node = node[Number(key)]
    } else {
      out.push(key)
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined
    }
  }
  return out
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

const quoteList = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join(', ')
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

type Branch = { required?: unknown; type?: unknown; items?: { type?: unknown } }

function typeName(branch: Branch): string | undefined {
  if (typeof branch.type !== 'string') return undefined
  if (branch.type === 'array' && typeof branch.items?.type === 'string') return `an array of ${branch.items.type}s`
  return /^[aeiou]/.test(branch.type) ? `an ${branch.type}` : `a ${branch.type}`
}

/** oneOf/anyOf over "has key X" branches reads as "exactly one of X, Y"; over types as "a string or an array". */
function alternativesMessage(error: ErrorObject): string {
  const branches = (Array.isArray(error.schema) ? error.schema : []) as Branch[]
  const exactly = error.keyword === 'oneOf' ? 'exactly one' : 'at least one'
  const keys = branches.map((b) => (Array.isArray(b.required) && b.required.length === 1 ? String(b.required[0]) : undefined))
  if (branches.length && keys.every((k) => k !== undefined)) return `must have ${exactly} of the fields ${quoteList(keys)}`
  const types = branches.map(typeName)
  if (branches.length && types.every((t) => t !== undefined)) return `must be ${types.join(' or ')}, got ${describeValue(error.data)}`
  return `must match ${exactly} of the allowed forms, got ${describeValue(error.data)}`
}

function messageFor(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>
  const got = `got ${describeValue(error.data)}`
  switch (error.keyword) {
    case 'type': return `must be ${String(p.type).split(',').join(' or ')}, ${got}`
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]) ?? []
      const hint = typeof error.data === 'string' ? closest(error.data, allowed.filter((v): v is string => typeof v === 'string')) : undefined
      return `must be one of ${quoteList(allowed)}, ${got}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}`
    }
    case 'const': return `must be ${JSON.stringify(p.allowedValue)}, ${got}`
    case 'minItems': return `must have at least ${plural(Number(p.limit), 'item')}, got ${(error.data as unknown[]).length}`
    case 'maxItems': return `must have at most ${plural(Number(p.limit), 'item')}, got ${(error.data as unknown[]).length}`
    case 'minLength': return p.limit === 1 ? 'must not be empty' : `must be at least ${plural(Number(p.limit), 'character')}, ${got}`
    case 'maxLength': return `must be at most ${plural(Number(p.limit), 'character')}, ${got}`
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
      return `must be ${String(p.comparison)} ${String(p.limit)}, ${got}`
    case 'multipleOf': return `must be a multiple of ${String(p.multipleOf)}, ${got}`
    case 'pattern': return `must match the pattern ${String(p.pattern)}, ${got}`
    case 'format': return `must be a valid ${String(p.format)}, ${got}`
    case 'uniqueItems': return `must not repeat items (items ${String(p.j)} and ${String(p.i)} are equal)`
    case 'minProperties': return `must have at least ${plural(Number(p.limit), 'field')}`
    case 'maxProperties': return `must have at most ${plural(Number(p.limit), 'field')}`
    case 'oneOf': case 'anyOf': return alternativesMessage(error)
    case 'not': return 'has a form that is not allowed here'
    default: return error.message ?? `fails ${error.keyword}`
  }
}

/** Issues for ajv errors (collected with allErrors + verbose) about `root`, deduplicated, in document order. */
export function toIssues(errors: readonly ErrorObject[] | null | undefined, root: unknown): SchemaIssue[] {
  if (!errors?.length) return []
  // A failed oneOf/anyOf reports every branch's own errors too; its summary says it better.
  const alternatives = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => `${e.schemaPath}/`)
  const issues: SchemaIssue[] = []
  const seen = new Set<string>()
  for (const error of errors) {
    if (error.keyword === 'if') continue // the failing `then` is reported on its own
    if (alternatives.some((prefix) => error.schemaPath.startsWith(prefix))) continue
    const segments = segmentsOf(error.instancePath, root)
    let message: string
    if (error.keyword === 'additionalProperties') {
      const key = String((error.params as { additionalProperty: string }).additionalProperty)
      segments.push(key)
      const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {})
      const hint = closest(key, known)
      message = hint
        ? `unknown field ${JSON.stringify(key)} (did you mean ${JSON.stringify(hint)}?)`
        : `unknown field ${JSON.stringify(key)}; allowed fields: ${known.join(', ') || 'none'}`
    } else if (error.keyword === 'required') {
      const key = String((error.params as { missingProperty: string }).missingProperty)
      segments.push(key)
      message = `missing required field ${JSON.stringify(key)}`
    } else {
      message = messageFor(error)
    }
    const path = formatPath(segments)
    const id = `${path}\u0000${message}`
    if (seen.has(id)) continue
    seen.add(id)
    issues.push({ path, message, segments })
  }
  return issues
}
