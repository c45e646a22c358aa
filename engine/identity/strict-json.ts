// A JWT's protected header and claims set must read one way to every reader, or the token is refused:
// - no member named twice (`{"sub":"a","sub":"admin"}`), at any depth: JSON.parse, and so jose and every step
//   here, reads the last value; other readers of the same token (a log pipeline, an upstream, a second verifier)
//   may read the first. RFC 7515 section 5.2 and RFC 7519 section 7.2 let a verifier refuse such a token.
// - no byte order mark: jose decodes each part as strict UTF-8 (invalid bytes are refused) but drops a BOM before
//   `{`, which RFC 8259 forbids and other readers refuse.
import { duplicateKey } from '../json-duplicate-key.ts'
import { IdentityError } from './errors.ts'

// As jose decodes (fatal UTF-8), but keeping a byte order mark to see it.
const utf8KeepingBom = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** A member name as shown in a reason: quoted, and cut short (it is the caller's text). */
const shown = (name: string | number) => (typeof name === 'number' ? `[${name}]` : JSON.stringify(name.length > 60 ? `${name.slice(0, 57)}...` : name))

function text(part: string, segment: string): string {
  const decoded = utf8KeepingBom.decode(Buffer.from(segment, 'base64url'))
  if (decoded.charCodeAt(0) === 0xfeff) throw new IdentityError('token.malformed', `token ${part} starts with a byte order mark, which JSON forbids and other readers refuse; the token is refused`)
  return decoded
}

/**
 * Throws token.malformed when the header or payload of `token` (a compact JWS whose two parts jose has already
 * decoded as JSON objects) starts with a byte order mark or names a member twice, at any depth.
 */
export function assertStrictJson(token: string): void {
  const dot = token.indexOf('.')
  const parts = [['header', token.slice(0, dot)], ['payload', token.slice(dot + 1, token.indexOf('.', dot + 1))]] as const
  for (const [part, segment] of parts) {
    const found = duplicateKey(text(part, segment))
    if (!found) continue
    const where = found.path.length ? ` inside ${found.path.map(shown).join(' ')}` : ''
    throw new IdentityError('token.malformed', `token ${part} names the member ${shown(found.key)} twice${where}; readers disagree on which value counts (JSON.parse takes the last, others the first), so the token is refused`)
  }
}
