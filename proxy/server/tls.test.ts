import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { X509Certificate, createPrivateKey } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { resolveTls, TlsSetupError } from './tls.ts'

const root = mkdtempSync(join(tmpdir(), 'warden-tls-'))

test('generates a self-signed localhost pair into <state>/tls once, key 0600, and reuses it', async () => {
  const first = await resolveTls(undefined, root)
  assert.is(first.source, 'generated')
  const cert = new X509Certificate(first.cert)
  assert.match(cert.subjectAltName ?? '', 'DNS:localhost')
  assert.match(cert.subjectAltName ?? '', 'IP Address:127.0.0.1')
  assert.ok(cert.checkPrivateKey(createPrivateKey(first.key)))
  assert.is(statSync(join(root, 'tls', 'key.pem')).mode & 0o077, 0)
  const second = await resolveTls({}, root)
  assert.is(second.cert, first.cert)
})

test('reads configured PEM files as they are', async () => {
  const cert = readFileSync(join(root, 'tls', 'cert.pem'), 'utf8')
  writeFileSync(join(root, 'c.pem'), cert)
  writeFileSync(join(root, 'k.pem'), readFileSync(join(root, 'tls', 'key.pem')))
  const tls = await resolveTls({ cert: join(root, 'c.pem'), key: join(root, 'k.pem') }, join(root, 'unused'))
  assert.is(tls.source, 'configured')
  assert.is(tls.cert, cert)
})

test('a half-configured pair, a missing file or a missing openssl is a coded error', async () => {
  const codes: string[] = []
  for (const attempt of [
    () => resolveTls({ cert: join(root, 'c.pem') }, root),
    () => resolveTls({ cert: join(root, 'nope.pem'), key: join(root, 'k.pem') }, root),
    () => resolveTls(undefined, join(root, 'fresh'), { openssl: join(root, 'no-openssl-here') }),
  ]) {
    await attempt().then(() => assert.unreachable('resolved'), (err) => {
      assert.instance(err, TlsSetupError)
      codes.push(err.code)
    })
  }
  assert.equal(codes, ['tls.incomplete', 'tls.read', 'tls.openssl_missing'])
})

test.after(() => rmSync(root, { recursive: true, force: true }))
test.run()
