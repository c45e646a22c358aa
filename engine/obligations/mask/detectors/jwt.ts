// JSON Web Tokens (JWS compact form, three base64url parts; JWE, five) whose header decodes to a JSON
// object naming an `alg`.
import { type Detector, scan } from './types.ts'

const CANDIDATE = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)?(?![A-Za-z0-9_-])/g

export function jwtHeaderValid(encoded: string): boolean {
  try {
    const header: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'))
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string'
  } catch {
    return false
  }
}

export const jwt: Detector = {
  name: 'jwt',
  find: (text) =>
    scan(text, CANDIDATE, (m) =>
      jwtHeaderValid(m[0].slice(0, m[0].indexOf('.')))
        ? { start: m.index, end: m.index + m[0].length, label: 'jwt' }
        : undefined,
    ),
}
