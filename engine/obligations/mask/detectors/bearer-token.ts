// Credentials written after an HTTP auth scheme: `Bearer <token>`, `token <token>` (GitHub style) and
// `Basic <base64 of user:password>`. Only the credential is masked; the scheme word stays readable.
// Prose must not match ("bearer instrument", "token authentication", "basic functionality"), so a
// credential needs what random tokens have: a digit or symbol (or great length), or for Basic a
// base64 body that decodes to `user:password`.
import { type Detector, scan } from './types.ts'

const CREDENTIAL = /(?<![A-Za-z0-9_-])(bearer|token|basic)(?:\s+|\s*[:=]\s*)([A-Za-z0-9\-._~+/]{8,}=*)(?![A-Za-z0-9\-._~+/=])/gi

function isBasicCredential(credential: string): boolean {
  if (!/^[A-Za-z0-9+/]+=*$/.test(credential) || credential.length % 4 !== 0) return false
  const decoded = Buffer.from(credential, 'base64').toString('latin1')
  return /^[\x20-\x7e]+$/.test(decoded) && /^[^:]+:/.test(decoded)
}

function looksRandom(credential: string, scheme: string): boolean {
  if (scheme === 'basic') return isBasicCredential(credential)
  if (scheme === 'token') return credential.length >= 12 && /\d/.test(credential)
  return /[\d\-._~+/=]/.test(credential) || credential.length >= 24
}

export const bearerToken: Detector = {
  name: 'bearer_token',
  find: (text) =>
    scan(text, CREDENTIAL, (m) => {
      const credential = m[2]!
      if (!looksRandom(credential, m[1]!.toLowerCase())) return undefined
      const end = m.index + m[0].length
      return { start: end - credential.length, end, label: 'token' }
    }),
}
