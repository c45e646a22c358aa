// A value a path (or column) rule masks is masked wherever else the same message repeats it: a tool result's
// structuredContent is its content in the tool's own shape, and the SDK (as the spec asks) writes it again as JSON
// in a text item, so a policy masking `result.structuredContent.summary` left the summary in content[0].text, and
// one masking `result.content` left it in structuredContent. Each string holding a trace of such a value
// (traces.ts: as written, JSON-escaped, a line, a word or base64 of it) is masked whole; a key holding one drops
// its entry. Values of fewer than MIN_LENGTH characters are not followed (a `1` or `yes` is in every text).
import { maskJson } from '../../../engine/obligations/index.ts'
import { isExactNumber } from '../../../engine/obligations/mask/json-numbers.ts'
import { REDACTED } from '../../../engine/obligations/mask/strategy.ts'
import type { MaskObligation } from '../../../engine/types.ts'
import { MaskError } from '../../../engine/obligations/errors.ts'
import { type Traces, traces } from './traces.ts'

const MIN_LENGTH = 4
// The protocol's own names and kinds: a masked `content` holds `"type": "text"`, and a result always has a `text` key.
const PROTOCOL_FIELDS = new Set(['type', 'mimeType', 'role'])
const PROTOCOL_KEYS = new Set(['content', 'structuredContent', 'isError', '_meta', 'type', 'text', 'resource', 'uri', 'mimeType', 'blob', 'data', 'annotations', 'name', 'title', 'description', 'messages', 'role', 'contents', 'result', 'error', 'params', 'code', 'message'])
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && !isExactNumber(v)
const scalarText = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : isExactNumber(v) ? String((v as { value: string }).value) : undefined

/** The scalars of `before` that `after` (the same document, masked by path rules only) changed. */
function changed(before: unknown, after: unknown, out: Set<string>): void {
  if (Array.isArray(before)) {
    before.forEach((v, i) => changed(v, Array.isArray(after) ? after[i] : undefined, out))
    return
  }
  if (isObject(before)) {
    for (const [k, v] of Object.entries(before)) if (!PROTOCOL_FIELDS.has(k)) changed(v, isObject(after) ? after[k] : undefined, out)
    return
  }
  const text = scalarText(before)
  if (text !== undefined && text.length >= MIN_LENGTH && scalarText(after) !== text) out.add(text)
}

function scrub(value: unknown, t: Traces, count: { n: number }): unknown {
  if (typeof value === 'string') return t.holds(value) ? (count.n++, REDACTED) : value
  if (Array.isArray(value)) return value.map((v) => scrub(v, t, count))
  if (!isObject(value)) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (!PROTOCOL_KEYS.has(k) && t.holds(k)) count.n++
    else out[k] = scrub(v, t, count)
  }
  return out
}

/**
 * `masked` (`doc` masked by `masks`) with every trace of what the path and column rules masked in `doc` masked too,
 * and how many more values were. Throws MaskError when those values are too many to follow (the answer is withheld).
 */
export function followMasked(doc: unknown, masked: unknown, masks: readonly MaskObligation[], key: Uint8Array): { doc: unknown; masked: number } {
  const placed = masks.filter((m) => m.path !== undefined || m.column !== undefined)
  if (placed.length === 0) return { doc: masked, masked: 0 }
  const values = new Set<string>()
  changed(doc, maskJson(doc, placed, key).doc, values)
  if (values.size === 0) return { doc: masked, masked: 0 }
  const t = traces(values)
  if (t === undefined) throw new MaskError('what the path rules mask in it is too large to follow through the rest of it')
  const count = { n: 0 }
  return { doc: scrub(masked, t, count), masked: count.n }
}
