// Certificate serials must be minimal positive DER integers: Go's x509 (kubectl) refuses any other encoding.
// The CA is made once per state directory, whoever asks first, and its key stays private.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto'
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureCa } from './ca.ts'
import { serial } from './ca.ts'

const root = mkdtempSync(join(tmpdir(), 'warden-ca-'))
const pairs = (dir: string) => {
  const cert = new X509Certificate(readFileSync(join(dir, 'ca', 'ca.pem')))
  const keyPublic = createPublicKey(createPrivateKey(readFileSync(join(dir, 'ca', 'ca-key.pem'))))
  return { fingerprint: cert.fingerprint256, matches: cert.publicKey.equals(keyPublic) }
}

test('serials are 16 bytes, positive, with no leading zero byte to drop', () => {
  for (let i = 0; i < 2000; i++) {
    const s = serial()
    assert.match(s, /^[0-9a-f]{32}$/)
    const first = parseInt(s.slice(0, 2), 16)
    assert.ok(first >= 0x40 && first < 0x80, s)
  }
})

test('concurrent first uses (a gateway starting, `warden ca` beside it) settle on one CA that each of them reads', async () => {
  const state = join(root, 'race')
  // What each caller reads right after its ensureCa resolves is what it would serve leaves from, or tell clients to trust.
  const seen = await Promise.all([1, 2, 3].map(() => ensureCa(state, {}).then(() => pairs(state).fingerprint)))
  assert.is(new Set(seen).size, 1, 'one caller overwrote the CA another was already using')
  assert.ok(pairs(state).matches)
  assert.equal(readdirSync(state).filter((n) => n.startsWith('.ca-partial-')), [], 'a partial directory was left behind')
  assert.is(statSync(join(state, 'ca')).mode & 0o777, 0o700)
  assert.is(statSync(join(state, 'ca', 'ca-key.pem')).mode & 0o777, 0o600)
})

test('a CA key left readable by others is made private again at start; an incomplete CA is set aside, not mixed', async () => {
  const state = join(root, 'modes')
  await ensureCa(state, {})
  const first = pairs(state).fingerprint
  chmodSync(join(state, 'ca', 'ca-key.pem'), 0o644)
  await ensureCa(state, {})
  assert.is(statSync(join(state, 'ca', 'ca-key.pem')).mode & 0o777, 0o600)
  assert.is(pairs(state).fingerprint, first, 'a complete CA was replaced')
  unlinkSync(join(state, 'ca', 'ca.pem'))
  await ensureCa(state, {})
  assert.ok(pairs(state).matches, 'the new certificate does not match the key beside it')
  assert.not.equal(pairs(state).fingerprint, first)
  assert.ok(readdirSync(state).some((n) => n.startsWith('ca.incomplete-')))
  assert.ok(existsSync(join(state, 'ca', 'bundle.pem')))
})

test.after(() => rmSync(root, { recursive: true, force: true }))
test.run()
