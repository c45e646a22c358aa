// PEM and OpenSSH private key blocks (PKCS#1 RSA, SEC1 EC, PKCS#8, encrypted, OPENSSH, PGP). A block whose
// END line is missing (truncated output) is masked to the end of the text; an END line whose BEGIN is missing
// (output that starts inside the block: a log's last lines, `kubectl logs --tail`) is masked from the start of
// the text, or from the end of the block before it: what precedes it there cannot be told apart from key lines.
import { type Detector, type Span } from './types.ts'

const BEGIN = /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----/g
const END = /-----END ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----/g

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
  const headless: Span[] = []
  let from = 0
  let next = 0
  END.lastIndex = 0
  for (let m = END.exec(text); m !== null; m = END.exec(text)) {
    while (next < spans.length && spans[next]!.end <= m.index) from = spans[next++]!.end
    if (next < spans.length && spans[next]!.start <= m.index) continue
    headless.push({ start: from, end: m.index + m[0].length, label: 'private_key' })
    from = m.index + m[0].length
  }
  return headless.length ? [...spans, ...headless].sort((a, b) => a.start - b.start) : spans
}

export const privateKey: Detector = { name: 'private_key', find: keySpans }
