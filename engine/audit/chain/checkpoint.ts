// Signed checkpoints: {seq, hash, time, key_id, signature}. The gateway signs the canonical JSON of
// {hash, key_id, seq, time} with its Ed25519 key; exported copies (a file the gateway cannot rewrite, a
// webhook) let `warden audit verify` prove that records up to `seq` existed with exactly that hash.
import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto'
import { canonicalJson, type ChainHead } from './record.ts'

export interface Checkpoint {
  seq: number
  hash: string
  time: string
  key_id: string
  /** base64 Ed25519 signature over canonicalJson({seq, hash, time, key_id}). */
  signature: string
}

export interface CheckpointSigner {
  keyId: string
  sign(head: ChainHead, time: string): Checkpoint
}

/** The first 16 hex digits of SHA-256 over the public key's SPKI DER: names the key in every checkpoint. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16)
}

const signedBytes = (c: Omit<Checkpoint, 'signature'>) =>
  Buffer.from(canonicalJson({ seq: c.seq, hash: c.hash, time: c.time, key_id: c.key_id }))

export function createCheckpointSigner(privateKey: KeyObject): CheckpointSigner {
  const keyId = keyIdOf(createPublicKey(privateKey))
  return {
    keyId,
    sign(head, time) {
      const body = { seq: head.seq, hash: head.hash, time, key_id: keyId }
      return { ...body, signature: sign(null, signedBytes(body), privateKey).toString('base64') }
    },
  }
}

/** True when `c` is signed by `publicKey` (whose key_id it names). */
export function checkpointSignatureValid(c: Checkpoint, publicKey: KeyObject): boolean {
  if (c.key_id !== keyIdOf(publicKey)) return false
  try {
    return verify(null, signedBytes(c), publicKey, Buffer.from(c.signature, 'base64'))
  } catch {
    return false
  }
}
