// Text carried as base64: Kinesis records, CodeCommit files, DynamoDB binary values, user data and console
// output hold text (scripts, JSON, .env files) under an encoding no detector reads. A string that is standard
// base64 (padded, at least 16 characters) and decodes to UTF-8 text is handed back decoded, so the detectors can
// read it too; anything else (binary, random ids that happen to be base64) is not text and is left alone.
// Checked as a length and one character-class run: a repeated group (?:[…]{4})+ made the regexp engine's
// backtracking overflow the stack on a string of a few MB, which withheld the whole answer.
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/
// Control characters other than tab, newline and carriage return: binary, not text.
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/
const utf8 = new TextDecoder('utf-8', { fatal: true })

/** The text a base64 string encodes, or undefined when it is not base64 of UTF-8 text. */
export function base64Text(value: string): string | undefined {
  if (value.length < 16 || value.length % 4 !== 0 || !BASE64.test(value)) return undefined
  let text: string
  try {
    text = utf8.decode(Buffer.from(value, 'base64'))
  } catch {
    return undefined
  }
  return CONTROL.test(text) ? undefined : text
}
