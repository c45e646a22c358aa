// What a header value reads as once its encodings are undone: RFC 2047 encoded-words (=?utf-8?b?…?=, S3's form of
// non-ASCII object metadata, and =?…?q?…?=), percent-escapes (RFC 8187 filename*=UTF-8''…, a Location's query) and
// UTF-8 bytes that Node hands over as latin1 characters. Detectors run over this form too: an address written
// jane%40example.com or base64-encoded in an encoded-word is no less the address.

const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g
const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/g
const ROUNDS = 4

function charsetText(bytes: Buffer, label: string): string {
  try {
    return new TextDecoder(label.replace(/\*.*$/, '')).decode(bytes)
  } catch {
    return bytes.toString('latin1')
  }
}

function wordBytes(encoding: string, text: string): Buffer {
  if (encoding === 'b' || encoding === 'B') return Buffer.from(text, 'base64')
  return Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1')
}

function utf8FromLatin1(value: string): string {
  if (!/[\x80-\xff]/.test(value) || /[^\x00-\xff]/.test(value)) return value
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'latin1'))
  } catch {
    return value
  }
}

/** One round: encoded-words, then percent-escapes, then UTF-8 read as latin1; each step's text in turn. */
function decodeOnce(value: string): [string, string, string] {
  const words = value.replace(ENCODED_WORD, (_, charset: string, encoding: string, text: string) => charsetText(wordBytes(encoding, text), charset))
  const escapes = words.replace(PERCENT_RUN, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'))
  return [words, escapes, utf8FromLatin1(escapes)]
}

/**
 * Every text the value reads as while its encodings are undone, step by step (nested ones too, a few rounds deep),
 * the value itself aside: a server may stop at any step (S3 stores metadata with its encoded-words undone, and
 * percent-escapes as they are). Empty when it has no encoding.
 */
export function decodedHeaderForms(value: string): string[] {
  const forms: string[] = []
  let current = value
  for (let i = 0; i < ROUNDS; i++) {
    const steps = decodeOnce(current)
    const next = steps[2]
    if (next === current) break
    for (const step of steps) if (step !== current && step !== forms.at(-1)) forms.push(step)
    current = next
  }
  return forms
}

/** The value with its encodings undone (nested ones too, a few rounds deep); undefined when it has none. */
export function decodedHeaderValue(value: string): string | undefined {
  return decodedHeaderForms(value).at(-1)
}

