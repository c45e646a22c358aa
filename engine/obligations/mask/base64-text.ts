// Text carried as base64: Kinesis records, CodeCommit files, DynamoDB binary values, user data and console
// output hold text (scripts, JSON, .env files) under an encoding no detector reads. A string that is base64 (at
// least 16 characters) and decodes to UTF-8 text is handed back decoded, so the detectors can read it too;
// anything else (binary, random ids that happen to be base64) is not text and is left alone. Base64 is read in
// the standard alphabet, padded or not, and in the URL alphabet (`-`, `_`; JWT parts, Go's RawURLEncoding),
// padded or not: a secret encoded without padding or for a URL is as readable to the client as one with it.
// Checked as a length and one character-class run: a repeated group (?:[…]{4})+ made the regexp engine's
// backtracking overflow the stack on a string of a few MB, which withheld the whole answer.
import { isUtf8 } from 'node:buffer'

const STANDARD = /^[A-Za-z0-9+/]+={0,2}$/
const URL_SAFE = /^[A-Za-z0-9_-]+={0,2}$/
// Control characters other than tab, newline and carriage return: binary, not text.
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/

/** Whether the length fits the padding: padded to a multiple of 4, or unpadded with no lone last character. */
function lengthFits(value: string): boolean {
  if (value.endsWith('=')) return value.length % 4 === 0
  return value.length % 4 !== 1
}

/** The text a base64 string encodes, or undefined when it is not base64 of UTF-8 text. */
export function base64Text(value: string): string | undefined {
  if (value.length < 16 || !lengthFits(value)) return undefined
  const alphabet = STANDARD.test(value) ? 'base64' : URL_SAFE.test(value) ? 'base64url' : undefined
  if (alphabet === undefined) return undefined
  // Checked before decoding, not by a decoder that throws: most strings tried (names, ids) are not base64 of text,
  // and a thrown error cost some 15 µs each (25,000 Kubernetes names and ids: 400 ms; checked first, about 40 ms).
  return utf8Text(Buffer.from(value, alphabet))
}

/** The text bytes hold, or undefined when they are not UTF-8 text (binary, control characters). */
export function utf8Text(bytes: Buffer): string | undefined {
  if (!isUtf8(bytes)) return undefined
  const text = bytes.toString('utf8')
  return CONTROL.test(text) ? undefined : text
}
