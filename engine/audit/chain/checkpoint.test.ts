import { generateKeyPairSync } from 'node:crypto'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { checkpointSignatureValid, createCheckpointSigner, keyIdOf } from './checkpoint.ts'

const key = generateKeyPairSync('ed25519')
const signer = createCheckpointSigner(key.privateKey)

test('a checkpoint names its key and verifies with the public key', () => {
  const c = signer.sign({ seq: 12, hash: 'ab'.repeat(32) }, '2026-01-01T00:00:00.000Z')
  assert.equal([c.seq, c.hash, c.key_id], [12, 'ab'.repeat(32), keyIdOf(key.publicKey)])
  assert.match(c.key_id, /^[0-9a-f]{16}$/)
  assert.ok(checkpointSignatureValid(c, key.publicKey))
})

test('any changed field, another key or a garbled signature fails', () => {
  const c = signer.sign({ seq: 12, hash: 'ab'.repeat(32) }, '2026-01-01T00:00:00.000Z')
  assert.not.ok(checkpointSignatureValid({ ...c, seq: 11 }, key.publicKey))
  assert.not.ok(checkpointSignatureValid({ ...c, hash: 'cd'.repeat(32) }, key.publicKey))
  assert.not.ok(checkpointSignatureValid({ ...c, time: '2026-01-01T00:00:01.000Z' }, key.publicKey))
  assert.not.ok(checkpointSignatureValid({ ...c, signature: 'bm90IGEgc2lnbmF0dXJl' }, key.publicKey))
  assert.not.ok(checkpointSignatureValid(c, generateKeyPairSync('ed25519').publicKey))
})

test.run()
