import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { auditKeyPaths, loadOrCreateAuditKey, loadPublicKey } from './audit-key.ts'

test('the key is created once, 0600, with its public key exported beside it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-key-'))
  const a = loadOrCreateAuditKey(dir)
  const b = loadOrCreateAuditKey(dir)
  assert.is(a.keyId, b.keyId)
  assert.is(statSync(auditKeyPaths(dir).private).mode & 0o777, 0o600)
  assert.is(loadPublicKey(auditKeyPaths(dir).public).export({ format: 'jwk' }).x, a.publicKey.export({ format: 'jwk' }).x)
})

test('a damaged key file is an error that says to restore it, never a silent new key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-key-'))
  loadOrCreateAuditKey(dir)
  writeFileSync(auditKeyPaths(dir).private, 'garbage')
  assert.throws(() => loadOrCreateAuditKey(dir), (e: Error & { code?: string }) => e.code === 'audit.key' && /restore it from a backup/.test(e.message))
  assert.throws(() => loadPublicKey(join(dir, 'missing.pem')), /pass --public-key/)
})

test('a deleted key whose public key remains is an error, not a new key overwriting the only public key of the old checkpoints; moving the public key aside starts a new one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-key-'))
  const old = loadOrCreateAuditKey(dir)
  const oldPublic = readFileSync(auditKeyPaths(dir).public, 'utf8')
  rmSync(auditKeyPaths(dir).private)
  assert.throws(() => loadOrCreateAuditKey(dir), (e: Error & { code?: string }) => e.code === 'audit.key' && /is missing, but its public key .* is there: restore the key from a backup/.test(e.message) && /audit\.checkpoints\.trusted_keys/.test(e.message))
  assert.is(readFileSync(auditKeyPaths(dir).public, 'utf8'), oldPublic, 'the old public key is untouched')
  renameSync(auditKeyPaths(dir).public, join(dir, 'old-signing-key.pub.pem'))
  const rotated = loadOrCreateAuditKey(dir)
  assert.is.not(rotated.keyId, old.keyId)
})

test('a key replaced by another while its public key remains is an error, not a public key written over; the same key in another PEM spelling is rewritten', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-key-'))
  const old = loadOrCreateAuditKey(dir)
  const oldPublic = readFileSync(auditKeyPaths(dir).public, 'utf8')
  writeFileSync(auditKeyPaths(dir).public, oldPublic.replaceAll('\n', '\r\n'))
  assert.is(loadOrCreateAuditKey(dir).keyId, old.keyId, 'the same key, spelled with CRLF')
  assert.is(readFileSync(auditKeyPaths(dir).public, 'utf8'), oldPublic)
  writeFileSync(auditKeyPaths(dir).private, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)
  assert.throws(() => loadOrCreateAuditKey(dir), (e: Error & { code?: string }) => e.code === 'audit.key' && new RegExp(`does not match its public key .* \\(key ${old.keyId}\\): the key was replaced`).test(e.message))
  assert.is(readFileSync(auditKeyPaths(dir).public, 'utf8'), oldPublic, 'the old public key is untouched')
  writeFileSync(auditKeyPaths(dir).public, 'garbage')
  assert.throws(() => loadOrCreateAuditKey(dir), /\(not a public key\): the key was replaced/)
})

test.run()
