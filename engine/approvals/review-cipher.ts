// The review text (the command with the values it will run with) is kept in the approval store encrypted:
// AES-256-GCM under a key derived (HKDF-SHA256) from the gateway's approvals key, which lives in the state
// directory, never in the store. A second derived key MACs the text so a repeat of the same command with the
// same values finds its pending request without the store ever holding the values in clear. Gateways sharing
// one PostgreSQL store need the same key file to read each other's review texts.
// A sealed text is bound to its request (the context: id and digests, authenticated with the key id): one moved
// into another request's row does not open there, so whoever can write the store cannot show a reviewer a
// harmless statement while the request's digest, and so its grant, is for another.
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto'
import { ApprovalError } from './errors.ts'

export const REVIEW_KEY_BYTES = 32
const PREFIX = 'v3'

export interface ReviewCipher {
  /** First 16 hex of sha256(key): names the key a text was sealed with. */
  readonly keyId: string
  /** Seals `text` for `context` (what it belongs to): it opens only with the same context. */
  seal(text: string, context: string): string
  /** The text, or undefined when it was sealed with another key, for another context, or does not authenticate. */
  open(sealed: string, context: string): string | undefined
  /** HMAC-SHA256 of the text (hex), stable for one key. */
  mac(text: string): string
  /** HMAC-SHA256 (hex) of a grant's canonical text, under a key of its own: what makes a grant in the store genuine. */
  grantMac(text: string): string
}

const aad = (keyId: string, context: string) => Buffer.from(JSON.stringify([keyId, context]))

const derive = (key: Uint8Array, info: string) => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `warden approvals ${info}`, 32))

export function createReviewCipher(key: Uint8Array): ReviewCipher {
  if (key.length !== REVIEW_KEY_BYTES) {
    throw new ApprovalError('approval.key', `the approvals key holds ${key.length} bytes, expected ${REVIEW_KEY_BYTES}`)
  }
  const keyId = createHash('sha256').update(key).digest('hex').slice(0, 16)
  const encKey = derive(key, 'review text')
  const macKey = derive(key, 'review mac')
  const grantKey = derive(key, 'grant seal')
  return {
    keyId,
    seal(text, context) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', encKey, iv)
      // The key id and the context are authenticated too: a text cannot be moved under another key id, nor into
      // another request.
      cipher.setAAD(aad(keyId, context))
      const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()])
      return [PREFIX, keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.')
    },
    open(sealed, context) {
      const [version, id, iv, tag, body] = sealed.split('.')
      if (version !== PREFIX || id !== keyId || iv === undefined || tag === undefined || body === undefined) return undefined
      try {
        const decipher = createDecipheriv('aes-256-gcm', encKey, Buffer.from(iv, 'base64url'))
        decipher.setAAD(aad(keyId, context))
        decipher.setAuthTag(Buffer.from(tag, 'base64url'))
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8')
      } catch {
        return undefined
      }
    },
    mac: (text) => createHmac('sha256', macKey).update(text).digest('hex'),
    grantMac: (text) => createHmac('sha256', grantKey).update(text).digest('hex'),
  }
}

/**
 * The format version a sealed text names, PREFIX now. v1 texts were not bound to their request, v2 texts only to its
 * id and digests (not to who asked, where, nor the grant it would make): neither is opened any more.
 */
export const SEALED_VERSION = PREFIX

/** The format version a sealed text names. */
export const sealedVersion = (sealed: string): string | undefined => sealed.split('.')[0]

/** The key id a sealed text names, to say which key a reviewer's gateway is missing. */
export const sealedKeyId = (sealed: string): string | undefined => sealed.split('.')[1]
