// Hides many known values in a text in one pass: the values masked by origin (a pod's Secret values in its log,
// pod-secrets.ts) can number in the thousands (a certificate bundle's lines), and searching for each in turn
// (hideCredentials: one split per value) grows with their number (measured: 4,096 values over a 1.8 MB log, 3.0 s;
// a 32 MB log would take about a minute). Here a rolling hash of every window of MIN_SECRET_LENGTH characters
// is looked up among the hashes of the values' first characters, and only a hit is compared: one pass whatever
// the number of values (the same 4,096 values: 64 ms over 1.8 MB, 0.8 s over 32 MB). At each position the longest
// value that starts there is found, and overlapping finds are hidden as one stretch.
import { MIN_SECRET_LENGTH } from './response-credential.ts'

const K = MIN_SECRET_LENGTH
const BASE = 31
// BASE^(K-1), for taking the character that leaves the window out of the hash.
const TOP = (() => {
  let p = 1
  for (let i = 1; i < K; i++) p = Math.imul(p, BASE)
  return p
})()
// Kept to 30 bits: small-integer keys, which a Map looks up fastest.
const SMALL = 0x3fffffff
// A table of the hashes' low bits, read before the Map: most windows hit no value, and an array read is cheaper
// than a Map lookup.
const FILTER_BITS = 20
const FILTER = (1 << FILTER_BITS) - 1

function hashAt(text: string, at: number): number {
  let h = 0
  for (let i = at; i < at + K; i++) h = (Math.imul(h, BASE) + text.charCodeAt(i)) | 0
  return h
}

export class ValueSearch {
  private readonly byHash = new Map<number, string[]>()
  private readonly filter = new Uint8Array(1 << FILTER_BITS)

  /** `values`: those shorter than MIN_SECRET_LENGTH are never looked for. */
  constructor(values: readonly string[]) {
    for (const value of values) {
      if (value.length < K) continue
      const key = hashAt(value, 0) & SMALL
      this.filter[key & FILTER] = 1
      const found = this.byHash.get(key)
      if (found) found.push(value)
      else this.byHash.set(key, [value])
    }
    for (const found of this.byHash.values()) found.sort((a, b) => b.length - a.length)
  }

  get empty(): boolean {
    return this.byHash.size === 0
  }

  /**
   * The text with every value found replaced by `mask`, and how many stretches were. Values that overlap or touch
   * (one value's end is another's start) are hidden as one stretch: hiding one and searching on after it would
   * leave the rest of the other in clear.
   */
  hide(text: string, mask: string): { text: string; hidden: number } {
    const end = text.length
    if (end < K || this.byHash.size === 0) return { text, hidden: 0 }
    const parts: string[] = []
    let hidden = 0
    let last = 0
    // The stretch being hidden, [from, to); from -1 while there is none.
    let from = -1
    let to = -1
    let h = hashAt(text, 0)
    for (let i = 0; i + K <= end; i++) {
      if (i > 0) h = (Math.imul(h - Math.imul(text.charCodeAt(i - 1), TOP), BASE) + text.charCodeAt(i + K - 1)) | 0
      if (this.filter[h & FILTER] !== 1) continue
      const match = this.at(text, i, h)
      if (match === undefined) continue
      if (from !== -1 && i <= to) {
        to = Math.max(to, i + match.length)
        continue
      }
      if (from !== -1) {
        parts.push(text.slice(last, from), mask)
        hidden++
        last = to
      }
      from = i
      to = i + match.length
    }
    if (from === -1) return { text, hidden: 0 }
    parts.push(text.slice(last, from), mask, text.slice(to))
    return { text: parts.join(''), hidden: hidden + 1 }
  }

  /** The longest value that starts at `i`, whose first characters hash to `h`. */
  private at(text: string, i: number, h: number): string | undefined {
    const candidates = this.byHash.get(h & SMALL)
    if (candidates) for (const value of candidates) if (text.startsWith(value, i)) return value
    return undefined
  }
}
