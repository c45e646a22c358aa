// JSON text read and written with every number kept as the upstream wrote it. JSON.parse turns a number into a
// double: an integer past 2^53 (an ID), 1e400, -0, 1.0 or 0.10 came back from the masker changed. A document
// holding such a number is read with lossless-json, which keeps that number's text (a LosslessNumber) and
// writes it back byte for byte; every other number is a plain number, as JSON.parse gives it, so the masker
// and the table checks see what they always saw. A document without such a number (most answers) keeps
// JSON.parse and JSON.stringify, after a scan for one: reading, masking (every detector) and writing a 500-pod
// list (1.1 MB) took 1.04-1.08x the time it took before (the scan alone 1.6 ms of 50-75 ms); the same list holding
// one integer past 2^53, read and written by lossless-json, 2.2-2.6x (same runs, load average 5.5-9 on 2 cores).
import { isLosslessNumber, LosslessNumber, parse, stringify } from 'lossless-json'
import { MaskError } from '../errors.ts'

export { isLosslessNumber as isExactNumber }

// A number token: after `:`, `,` or `[` and before `,`, `]` or `}` (the delimiter after it is not consumed, so
// the next token's is there to match). Text inside a string can match too; that costs only a closer look.
const NUMBER_TOKEN = /[:,[][ \t\r\n]*(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)(?=[ \t\r\n]*[,\]}])/g
// A document that is a number alone.
const BARE_NUMBER = /^[ \t\r\n]*-?[0-9]/

/** Whether JavaScript writes this number token back as it reads (String(Number(t)) === t). */
const writtenAlike = (token: string): boolean => String(Number(token)) === token

// What such a number starts with (a fraction, an exponent, 16 digits or more, -0), or text in a string that looks
// so: one pass of this finds none in most documents, and the tokens are then not read one by one.
const SUSPECT = /[:,[][ \t\r\n]*(?:-?[0-9]+[.eE]|-?[0-9]{16}|-0[ \t\r\n]*[,\]}])/

/** Whether `text` may hold a number JSON.parse and JSON.stringify would not give back as written. */
export function hasInexactNumber(text: string): boolean {
  if (BARE_NUMBER.test(text)) return true
  if (!SUSPECT.test(text)) return false
  NUMBER_TOKEN.lastIndex = 0
  for (let m = NUMBER_TOKEN.exec(text); m !== null; m = NUMBER_TOKEN.exec(text)) {
    if (!writtenAlike(m[1]!)) return true
  }
  return false
}

const parseNumber = (token: string): number | LosslessNumber => (writtenAlike(token) ? Number(token) : new LosslessNumber(token))
// As JSON.parse: the last of a repeated key wins (lossless-json refuses a key repeated with another value).
const lastWins = (info: { newValue: unknown }): unknown => info.newValue

/** The document `text` holds, its numbers that JavaScript would change kept as their text; throws as JSON.parse does. */
export function parseJsonText(text: string): { doc: unknown; exact: boolean } {
  if (!hasInexactNumber(text)) return { doc: JSON.parse(text), exact: false }
  try {
    return { doc: parse(text, null, { parseNumber, onDuplicateKey: lastWins }), exact: true }
  } catch (err) {
    // lossless-json reads by recursion: a few thousand levels overflow the stack, where JSON.parse reads on. Said
    // as what it is (the masker refuses more than 512 levels either way), not as invalid JSON.
    if (err instanceof RangeError) throw new MaskError('the document is nested too deeply to be read with its numbers as written', { cause: err })
    throw err
  }
}

/** `doc` as JSON text; `exact`: it came from parseJsonText with kept numbers, written back as they were read. */
export function writeJsonText(doc: unknown, exact: boolean): string {
  return exact ? (stringify(doc) as string) : JSON.stringify(doc)
}
