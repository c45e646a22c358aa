// A JWT whose protected header or claims set names one member twice (`{"sub":"a","sub":"admin"}`) is refused.
// JSON.parse, and so jose and every step here, reads the last value; other readers of the same token (a log
// pipeline, an upstream or a second verifier) may read the first. RFC 7515 section 5.2 and RFC 7519 section 7.2
// let a verifier refuse such a token, and one with a single meaning is the only kind judged and recorded.
import { duplicateKey } from '../json-duplicate-key.ts'
import { IdentityError } from './errors.ts'

const decoder = new TextDecoder()

/** A member name as shown in a reason: quoted, and cut short (it is the caller's text). */
const shown = (name: string | number) => (typeof name === 'number' ? `[${name}]` : JSON.stringify(name.length > 60 ? `${name.slice(0, 57)}...` : name))

/**
 * Throws token.malformed when the header or payload of `token` (a compact JWS whose two parts jose has already
 * decoded as JSON objects) names a member twice, at any depth. The parts are decoded as jose decodes them.
 */
export function assertUniqueMembers(token: string): void {
  const dot = token.indexOf('.')
  const parts = [['header', token.slice(0, dot)], ['payload', token.slice(dot + 1, token.indexOf('.', dot + 1))]] as const
  for (const [part, segment] of parts) {
    const found = duplicateKey(decoder.decode(Buffer.from(segment, 'base64url')))
    if (!found) continue
    const where = found.path.length ? ` inside ${found.path.map(shown).join(' ')}` : ''
    throw new IdentityError('token.malformed', `token ${part} names the member ${shown(found.key)} twice${where}; readers disagree on which value counts (JSON.parse takes the last, others the first), so the token is refused`)
  }
}
