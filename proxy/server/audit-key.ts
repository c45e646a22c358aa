// The gateway's Ed25519 key that signs audit checkpoints: <state_dir>/audit/signing-key.pem (0600, directory
// 0700), created on first start, with the public key exported beside it (signing-key.pub.pem) for
// `warden audit verify` and for auditors who keep their own copy.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { keyIdOf } from '../../engine/audit/chain/checkpoint.ts'
import { AuditError } from '../../engine/audit/errors.ts'

export interface AuditKey {
  privateKey: KeyObject
  publicKey: KeyObject
  keyId: string
}

export const auditKeyPaths = (stateDir: string) => ({
  private: join(stateDir, 'audit', 'signing-key.pem'),
  public: join(stateDir, 'audit', 'signing-key.pub.pem'),
})

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new AuditError('audit.key', `read audit signing key ${file}: ${(err as Error).message}`, { cause: err })
  }
}

function parsePrivate(pem: string, file: string): KeyObject {
  try {
    const key = createPrivateKey(pem)
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`it is a ${key.asymmetricKeyType} key`)
    return key
  } catch (err) {
    throw new AuditError('audit.key', `audit signing key ${file} is not an Ed25519 private key (${(err as Error).message}); restore it from a backup — a new key cannot sign for the old checkpoints`, { cause: err })
  }
}

export function loadOrCreateAuditKey(stateDir: string): AuditKey {
  const paths = auditKeyPaths(stateDir)
  let pem = read(paths.private)
  if (pem === undefined && existsSync(paths.public)) {
    // The key was lost, not never made: a new one would overwrite the only public key that verifies the old
    // checkpoints, and every later verify would call them forged.
    throw new AuditError('audit.key', `the audit signing key ${paths.private} is missing, but its public key ${paths.public} is there: restore the key from a backup (a new key cannot sign for the old checkpoints). To start a new key on purpose, move ${paths.public} elsewhere, keep it, and list it under audit.checkpoints.trusted_keys so that verify still checks the checkpoints it signed`)
  }
  if (pem === undefined) {
    mkdirSync(join(stateDir, 'audit'), { recursive: true, mode: 0o700 })
    const fresh = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
    // Written to a temporary name and linked into place, so two gateways starting together keep one key.
    const tmp = `${paths.private}.${process.pid}.tmp`
    writeFileSync(tmp, fresh, { mode: 0o600 })
    try {
      linkSync(tmp, paths.private)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new AuditError('audit.key', `create audit signing key ${paths.private}: ${(err as Error).message}`, { cause: err })
    } finally {
      rmSync(tmp, { force: true })
    }
    pem = readFileSync(paths.private, 'utf8')
  }
  chmodSync(paths.private, 0o600)
  const privateKey = parsePrivate(pem, paths.private)
  const publicKey = createPublicKey(privateKey)
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }) as string
  const keyId = keyIdOf(publicKey)
  const exported = read(paths.public)
  if (exported !== publicPem) {
    // Another key's public key there: the private key was replaced, and writing over it would lose the only key
    // that verifies the old checkpoints (and let this gateway start past the ones that show a cut).
    const other = exported === undefined ? undefined : keyIdOfPem(exported)
    if (exported !== undefined && other !== keyId) {
      throw new AuditError('audit.key', `the audit signing key ${paths.private} (key ${keyId}) does not match its public key ${paths.public} (${other === undefined ? 'not a public key' : `key ${other}`}): the key was replaced. Restore the key that belongs to it; to start a new key on purpose, move ${paths.public} elsewhere, keep it, and list it under audit.checkpoints.trusted_keys`)
    }
    writeFileSync(paths.public, publicPem, { mode: 0o644 })
  }
  return { privateKey, publicKey, keyId }
}

function keyIdOfPem(pem: string): string | undefined {
  try {
    return keyIdOf(createPublicKey(pem))
  } catch {
    return undefined
  }
}

/** A public key from a PEM file (the exported signing-key.pub.pem, or an auditor's copy). */
export function loadPublicKey(file: string): KeyObject {
  const pem = read(file)
  if (pem === undefined) throw new AuditError('audit.key', `no public key at ${file}: pass --public-key FILE, or --state-dir of the gateway that signed the trail`)
  try {
    const key = createPublicKey(pem)
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`it is a ${key.asymmetricKeyType} key`)
    return key
  } catch (err) {
    throw new AuditError('audit.key', `${file} is not an Ed25519 public key: ${(err as Error).message}`, { cause: err })
  }
}

export const hasAuditKey = (stateDir: string) => existsSync(auditKeyPaths(stateDir).public)
