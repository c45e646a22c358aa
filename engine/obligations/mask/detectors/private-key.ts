// PEM and OpenSSH private key blocks (PKCS#1 RSA, SEC1 EC, PKCS#8, encrypted, OPENSSH, PGP). A block whose
// END line is missing (truncated output) is masked to the end of the text.
import { type Detector, type Span } from './types.ts'

const BEGIN = /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----/g

function keySpans(text: string): Span[] {
  const spans: Span[] = []
  BEGIN.lastIndex = 0
  for (let m = BEGIN.exec(text); m !== null; m = BEGIN.exec(text)) {
    const endMarker = `-----END ${m[1]}-----`
    const at = text.indexOf(endMarker, m.index + m[0].length)
    const end = at === -1 ? text.length : at + endMarker.length
    spans.push({ start: m.index, end, label: 'private_key' })
    BEGIN.lastIndex = end
  }
  return spans
}

export const privateKey: Detector = { name: 'private_key', find: keySpans }
