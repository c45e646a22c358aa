// The agent token in a credential header, read the same way by every HTTP listener: the reverse listener and its
// MCP routes (Authorization: Bearer), the forward proxy (Proxy-Authorization: Bearer, or Basic with the token as
// the password) and the admin API (Authorization: Bearer). A header sent twice, a comma-joined list, a scheme the
// listener does not take or a value that is not `<scheme> <credential>` is refused with a reason saying which;
// before, node kept the first of two Authorization headers on the admin API and the CONNECT (other readers keep
// the last or join them), and the reverse listener took Basic, which it neither documented nor the admin API took.
// @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.2

export type CredentialScheme = 'Bearer' | 'Basic'

export type CredentialRead =
  | { token: string }
  | { missing: true }
  | { malformed: string }

/** A scheme as a reason shows it: the caller's text, quoted and cut short. */
const shown = (scheme: string) => JSON.stringify(scheme.length > 20 ? `${scheme.slice(0, 17)}...` : scheme)

/**
 * Reads `values`, the lines of header `name` as received (node's rawHeaders; a web-standard Headers object joins
 * them with ", ", which reads the same), taking only `schemes`. The token is not checked here: the engine does.
 */
export function readCredential(name: string, values: readonly string[], schemes: readonly CredentialScheme[]): CredentialRead {
  const expected = schemes.map((s) => (s === 'Basic' ? 'Basic (the token as the password)' : `${s} <token>`)).join(' or ')
  if (values.length === 0 || values.every((v) => v.trim() === '')) return { missing: true }
  const value = values.join(', ')
  if (values.length > 1 || value.includes(',')) {
    // Said the same way for both: a web-standard Headers object (the admin API's) cannot tell them apart.
    return { malformed: `${name} holds more than one credential (the header sent more than once, or a comma-separated list); send it once, with one credential: ${expected}` }
  }
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(value)
  if (!m) return { malformed: `${name} must be one scheme and one credential separated by a space: ${expected}` }
  const scheme = schemes.find((s) => s.toLowerCase() === m[1]!.toLowerCase())
  if (!scheme) return { malformed: `${name} uses the scheme ${shown(m[1]!)}, which this listener does not take: send ${expected}` }
  if (scheme === 'Bearer') return { token: m[2]! }
  const decoded = Buffer.from(m[2]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0 || colon === decoded.length - 1) return { malformed: `${name} is Basic without a password; the agent token is the password (user:token, base64)` }
  return { token: decoded.slice(colon + 1) }
}
