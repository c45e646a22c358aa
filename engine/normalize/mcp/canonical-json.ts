// Canonical JSON: object keys sorted by code unit, no whitespace, so equal documents give equal text (and equal
// hashes) whatever order a server or client wrote their keys in. Numbers and strings as JSON.stringify writes them;
// a number read with its text kept (json-numbers.ts: 9007199254740993, 1e400) as that text, so a change in digits
// JSON.parse would round away still changes the text.
import { isExactNumber } from '../../obligations/mask/json-numbers.ts'

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    // undefined, functions and symbols have no JSON form; they are written as null, as in arrays.
    const text = JSON.stringify(value)
    return text === undefined ? 'null' : text
  }
  if (isExactNumber(value)) return value.value
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}
