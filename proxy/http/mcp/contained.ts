// Which of many values a text holds, read in one pass over the text. Each value is filed under one GRAM-character
// piece of it (of its first OFFSETS pieces, the one fewest values are filed under yet), and each piece of the text
// looks up the values filed under it, each checked where it would start: its last piece first, then whole.
// Checking every value against every text (text.includes per value) cost values x strings: 12,000 rows whose emails
// a path rule masks took 7.6 s on the socket thread, 0.16 s so. Values alike in every piece (`aaaa…b`) still meet
// at each position: each candidate counts one, each whole comparison its length, and past MAX_WORK for one answer
// the scan stops and the answer is withheld (fail closed), never slow.
import { MaskError } from '../../../engine/obligations/errors.ts'

const GRAM = 4
const OFFSETS = 32
/** Work (candidates, and characters compared whole) one set of values does over all the texts of an answer, at most. */
export const MAX_WORK = 32_000_000

export class Contained {
  // Values shorter than a piece, by length, looked up by each of the text's runs of that length.
  private readonly short = new Set<string>()
  private readonly shortLengths = new Set<number>()
  private readonly filed = new Map<string, Array<[value: string, at: number, tail: string]>>()
  private work = 0

  add(value: string): void {
    if (value.length < GRAM) {
      this.short.add(value)
      this.shortLengths.add(value.length)
      return
    }
    let best = 0
    let fewest = Infinity
    const last = Math.min(value.length - GRAM, OFFSETS)
    for (let at = 0; at <= last && fewest > 0; at++) {
      const n = this.filed.get(value.slice(at, at + GRAM))?.length ?? 0
      if (n < fewest) [best, fewest] = [at, n]
    }
    const gram = value.slice(best, best + GRAM)
    const list = this.filed.get(gram)
    const entry: [string, number, string] = [value, best, value.slice(-GRAM)]
    if (list) list.push(entry)
    else this.filed.set(gram, [entry])
  }

  private spend(units: number): void {
    this.work += units
    if (this.work > MAX_WORK) throw new MaskError('what it withholds or masks is too much alike to follow through the rest of it')
  }

  /** Whether `text` holds one of the values; throws MaskError once the values have cost MAX_WORK. */
  in(text: string): boolean {
    for (const length of this.shortLengths) {
      for (let i = 0; i + length <= text.length; i++) if (this.short.has(text.slice(i, i + length))) return true
    }
    if (this.filed.size === 0) return false
    for (let i = 0; i + GRAM <= text.length; i++) {
      const list = this.filed.get(text.slice(i, i + GRAM))
      if (list === undefined) continue
      this.spend(list.length)
      for (const [value, at, tail] of list) {
        const start = i - at
        if (start < 0 || start + value.length > text.length || !text.startsWith(tail, start + value.length - GRAM)) continue
        this.spend(value.length)
        if (text.startsWith(value, start)) return true
      }
    }
    return false
  }
}
