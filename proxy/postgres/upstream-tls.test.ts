// TLS to the real server as libpq's sslmode reads it, and who gets the gateway's password. A server, or a host
// in the middle, that asks for the password in clear text gets it only when the gateway has verified the
// server's certificate (verify-ca, verify-full) or talks to it over a Unix socket; `require` encrypts but
// proves nothing, so a man in the middle could terminate it and ask.
import tls from 'node:tls'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { connectBackend, type UpstreamTarget } from './backend.ts'
import { UpstreamError } from './errors.ts'
import { encodeQuery } from './messages/query.ts'
import { encodeTerminate } from './messages/terminate.ts'
import { startCluster, type TestCluster } from './testing/cluster.ts'
import { framesOf } from './testing/frames.ts'
import { askCleartext, fakeServer } from './testing/fake-upstream.ts'
import { makeSelfSignedCert } from './testing/tls.ts'

let cluster: TestCluster
const stranger = makeSelfSignedCert('stranger.example')

test.before(async () => {
  cluster = await startCluster({ logStatements: false })
})
test.after(async () => {
  await cluster?.stop()
})

const failure = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => err as UpstreamError)

async function currentUser(target: UpstreamTarget): Promise<string> {
  const b = await connectBackend(target, new Map())
  b.socket.resume()
  const got: Buffer[] = []
  b.socket.on('data', (c: Buffer) => got.push(c))
  b.socket.write(encodeQuery('SELECT current_user'))
  for (let i = 0; i < 100 && !framesOf(Buffer.concat(got)).some((f) => f.type === 'Z'); i++) await new Promise((r) => setTimeout(r, 20))
  b.socket.end(encodeTerminate())
  assert.is(b.socket instanceof tls.TLSSocket && b.socket.authorized, true, 'a verified TLS session')
  return framesOf(Buffer.concat(got)).find((f) => f.type === 'D')!.payload.subarray(6).toString()
}

test('verify-full and verify-ca connect when the trusted CA signed a certificate naming the host', async () => {
  for (const ssl of ['verify-full', 'verify-ca'] as const) {
    assert.is(await currentUser({ ...cluster.upstream({ ssl }), sslRootCert: cluster.serverCert }), 'warden', ssl)
  }
})

test('verify-full and verify-ca refuse a certificate no trusted CA signed, before any password is sent', async () => {
  for (const ssl of ['verify-full', 'verify-ca'] as const) {
    const err = await failure(connectBackend({ ...cluster.upstream({ ssl }), sslRootCert: stranger.cert }, new Map()))
    assert.instance(err, UpstreamError, ssl)
    assert.is(err!.code, 'upstream.tls')
    assert.match(err!.message, /certificate/i)
  }
  // Without ssl_root_cert only the public roots are trusted: a private CA's certificate is refused too.
  const err = await failure(connectBackend(cluster.upstream({ ssl: 'verify-full' }), new Map()))
  assert.is(err?.code, 'upstream.tls')
})

/** A server (or a man in the middle) that accepts TLS with `cert` when asked, then asks for the password in clear text. */
const cleartextAsker = (cert = stranger) => fakeServer({ answer: 'S', cert, script: askCleartext })

const password = 'the-upstream-password-7f3a'
const at = (f: { port: number }, ssl: UpstreamTarget['ssl'], sslRootCert?: string): UpstreamTarget =>
  ({ host: '127.0.0.1', port: f.port, database: 'app', user: 'warden', password, ssl, ...(sslRootCert ? { sslRootCert } : {}) })

test('a clear-text password request over plain TCP or unverified TLS is refused and the password never sent', async () => {
  for (const ssl of ['disable', 'prefer', 'require'] as const) {
    const f = await cleartextAsker()
    try {
      const err = await failure(connectBackend(at(f, ssl), new Map(), 2_000))
      assert.instance(err, UpstreamError, ssl)
      assert.is(err!.code, 'upstream.auth')
      assert.match(err!.message, 'clear text')
      assert.match(err!.message, 'verify-full')
      assert.not.match(err!.message, password)
      await new Promise((r) => setTimeout(r, 50))
      assert.not.ok(f.received().includes(password), `${ssl}: the password reached the asker`)
    } finally {
      f.close()
    }
  }
})

test('a verified server may ask for the clear-text password; verify-full checks the name, verify-ca does not', async () => {
  // The certificate names db.example only, not 127.0.0.1.
  const named = makeSelfSignedCert('db.example', { loopbackIp: false })
  const f = await cleartextAsker(named)
  try {
    const wrongName = await failure(connectBackend(at(f, 'verify-full', named.cert), new Map(), 2_000))
    assert.is(wrongName?.code, 'upstream.tls')
    assert.not.ok(f.received().includes(password))
    // verify-ca: the CA is trusted, the name is not checked; the fake server then gets the password (and
    // never answers, so the connection times out).
    await failure(connectBackend(at(f, 'verify-ca', named.cert), new Map(), 500))
    assert.ok(f.received().includes(password), 'a verified server receives the password')
  } finally {
    f.close()
  }
})

test.run()
