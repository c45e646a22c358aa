// Attacks on the gateway's TLS to the real server (ssl: prefer, require, verify-ca, verify-full) and on who gets
// its password and cancel keys: a certificate expired or naming the address only as a DNS name, a CA trusted by
// Node but not named in ssl_root_cert, a server (or a host in the middle) that answers N to prefer, or asks for
// the clear-text password after starting SASL, a cancel request to a server that is not the verified one, and a
// man in the middle who terminates `require`'s TLS and relays SCRAM to the real server (channel binding).
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import net from 'node:net'
import tls from 'node:tls'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { connectBackend, openUpstreamSocket, type UpstreamTarget } from './backend.ts'
import { sendUpstreamCancel } from './cancel.ts'
import { UpstreamError } from './errors.ts'
import { encodeAuthentication } from './messages/authentication.ts'
import { startCluster, type TestCluster } from './testing/cluster.ts'
import { askCleartext, fakeServer } from './testing/fake-upstream.ts'
import { makeSelfSignedCert, type TestCert } from './testing/tls.ts'

let cluster: TestCluster
test.before(async () => {
  cluster = await startCluster({ logStatements: false })
})
test.after(async () => {
  await cluster?.stop()
})

const run = promisify(execFile)
const backendUrl = new URL('./backend.ts', import.meta.url).href
const failure = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => err as UpstreamError)
const password = 'the-upstream-password-91c4'
const key = { processId: 4242, secret: Buffer.from('cancel-secret-77') }

const at = (port: number, ssl: UpstreamTarget['ssl'], sslRootCert?: string): UpstreamTarget =>
  ({ host: '127.0.0.1', port, database: 'app', user: 'warden', password, ssl, ...(sslRootCert ? { sslRootCert } : {}) })

const settle = () => new Promise((r) => setTimeout(r, 100))

test('verify-full and verify-ca refuse an expired certificate of a trusted CA, and an address named only as a DNS name', async () => {
  const expired = makeSelfSignedCert('db.example', { validity: { start: '20200101000000Z', end: '20200102000000Z' } })
  // "DNS:127.0.0.1" is a name, not an address: a host given as an IP address must be in an IP entry.
  const dnsSpelled = makeSelfSignedCert('db.example', { subjectAltName: 'DNS:127.0.0.1' })
  const cases: Array<[TestCert, UpstreamTarget['ssl'], RegExp]> = [
    [expired, 'verify-full', /expired/i],
    [expired, 'verify-ca', /expired/i],
    [dnsSpelled, 'verify-full', /IP: 127\.0\.0\.1 is not in the cert's list/],
  ]
  for (const [cert, ssl, why] of cases) {
    const f = await fakeServer({ answer: 'S', cert, script: askCleartext })
    try {
      const err = await failure(connectBackend(at(f.port, ssl, cert.cert), new Map(), 2_000))
      assert.is(err?.code, 'upstream.tls', `${ssl}: ${err?.message}`)
      assert.match(err!.message, why)
      await settle()
      assert.is(f.received().length, 0, `${ssl}: nothing was sent over the refused TLS session`)
    } finally {
      f.close()
    }
  }
  // verify-ca does not check the name: the DNS-spelled certificate of the trusted CA passes there.
  const f = await fakeServer({ answer: 'S', cert: dnsSpelled })
  try {
    const socket = await openUpstreamSocket(at(f.port, 'verify-ca', dnsSpelled.cert), 2_000)
    assert.ok(socket instanceof tls.TLSSocket && socket.authorized)
    socket.destroy()
  } finally {
    f.close()
  }
})

test('ssl_root_cert replaces the CAs Node trusts: a certificate from a CA in Node\'s store (NODE_EXTRA_CA_CERTS) but not in ssl_root_cert is refused', async () => {
  const server = makeSelfSignedCert('db.example')
  const f = await fakeServer({ answer: 'S', cert: server })
  const dir = mkdtempSync(join(tmpdir(), 'warden-ca-'))
  try {
    // Another process, whose default store trusts the server's CA as it would a public one.
    writeFileSync(join(dir, 'extra.pem'), server.cert)
    const probe = `
      import { openUpstreamSocket } from ${JSON.stringify(backendUrl)}
      const out = {}
      for (const [name, sslRootCert] of [['default store', undefined], ['ssl_root_cert', process.env.ROOT]]) {
        try {
          const s = await openUpstreamSocket({ host: '127.0.0.1', port: Number(process.env.PORT), database: 'app', user: 'w', ssl: 'verify-full', ...(sslRootCert ? { sslRootCert } : {}) }, 5000)
          out[name] = 'verified'
          s.destroy()
        } catch (err) { out[name] = err.message }
      }
      console.log(JSON.stringify(out))`
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'extra.pem'), PORT: String(f.port), ROOT: makeSelfSignedCert('ca.example').cert },
      timeout: 60_000,
    })
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, string>
    assert.is(out['default store'], 'verified', 'without ssl_root_cert the default store (with the extra CA) is trusted')
    assert.match(out['ssl_root_cert']!, /self[- ]signed|unable to verify|certificate/i, 'with ssl_root_cert only its CAs are trusted')
    assert.is.not(out['ssl_root_cert'], 'verified')
  } finally {
    rmSync(dir, { recursive: true, force: true })
    f.close()
  }
})

test('prefer answered N (as a man in the middle may answer): a clear-text password request is refused and the password never sent', async () => {
  const f = await fakeServer({ answer: 'N', script: askCleartext })
  try {
    const err = await failure(connectBackend(at(f.port, 'prefer'), new Map(), 2_000))
    assert.is(err?.code, 'upstream.auth', err?.message)
    assert.match(err!.message, 'clear text')
    await settle()
    assert.ok(f.received().length > 0, 'the startup went out in the clear, as prefer allows')
    assert.not.ok(f.received().includes(password), 'the password did not')
  } finally {
    f.close()
  }
})

test('a server that starts SASL and then asks for the clear-text password over unverified TLS gets no password', async () => {
  const f = await fakeServer({
    answer: 'S',
    cert: makeSelfSignedCert('mitm.example'),
    script: (s) => {
      s.once('data', () => {
        s.write(encodeAuthentication({ kind: 'sasl', mechanisms: ['SCRAM-SHA-256'] }))
        // The SASLInitialResponse arrives: instead of continuing, ask for the password itself.
        s.once('data', () => s.write(encodeAuthentication({ kind: 'cleartext' })))
      })
    },
  })
  try {
    const err = await failure(connectBackend(at(f.port, 'require'), new Map(), 2_000))
    assert.is(err?.code, 'upstream.auth', err?.message)
    assert.match(err!.message, 'clear text')
    await settle()
    assert.match(f.received().toString('latin1'), 'SCRAM-SHA-256', 'the SASL exchange had started')
    assert.not.ok(f.received().includes(password))
  } finally {
    f.close()
  }
})

test('cancel requests: verify-full refuses a server whose certificate no trusted CA signed, and require one that answers N, before the key is sent', async () => {
  const stranger = makeSelfSignedCert('stranger.example')
  const tlsFake = await fakeServer({ answer: 'S', cert: stranger })
  const plainFake = await fakeServer({ answer: 'N' })
  try {
    const refused = await failure(sendUpstreamCancel(at(tlsFake.port, 'verify-full', cluster.serverCert), key))
    assert.is(refused?.code, 'upstream.tls', refused?.message)
    const plain = await failure(sendUpstreamCancel(at(plainFake.port, 'require'), key))
    assert.is(plain?.code, 'upstream.tls', plain?.message)
    await settle()
    for (const f of [tlsFake, plainFake]) assert.not.ok(f.received().includes(key.secret), 'the cancel key reached the server')
  } finally {
    tlsFake.close()
    plainFake.close()
  }
})

/**
 * A man in the middle for `require`: takes the gateway's TLS with its own certificate, opens TLS to the real
 * server, and relays the bytes between the two, SCRAM included.
 */
async function relayingMitm(real: UpstreamTarget, opts: { stripPlus?: boolean } = {}): Promise<{ port: number; close(): void }> {
  const mitmCert = makeSelfSignedCert('mitm.example')
  const sockets = new Set<net.Socket>()
  const server = net.createServer((s) => {
    sockets.add(s)
    s.on('error', () => undefined)
    s.once('data', () => {
      s.write('S')
      const fromGateway = new tls.TLSSocket(s, { isServer: true, cert: mitmCert.cert, key: mitmCert.key })
      fromGateway.on('error', () => undefined)
      void openUpstreamSocket({ ...real, ssl: 'require' }).then((toServer) => {
        sockets.add(toServer)
        toServer.on('error', () => undefined)
        fromGateway.pipe(toServer)
        toServer.on('data', (chunk: Buffer) => {
          // AuthenticationSASL (the server's only message until the client answers): offer no -PLUS.
          const sasl = chunk[0] === 0x52 && chunk.length > 9 && chunk.readInt32BE(5) === 10
          fromGateway.write(opts.stripPlus && sasl ? encodeAuthentication({ kind: 'sasl', mechanisms: ['SCRAM-SHA-256'] }) : chunk)
        })
      }, () => s.destroy())
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy()
      server.close()
    },
  }
}

test('require through a man in the middle who relays SCRAM to the real server: channel binding fails, no session is opened for him', async () => {
  const real = cluster.upstream({ ssl: 'require' })
  // Directly, require with SCRAM (channel-bound to the real server's certificate) works.
  const direct = await connectBackend(real, new Map())
  direct.socket.destroy()
  const mitm = await relayingMitm(real)
  try {
    const err = await failure(connectBackend({ ...real, port: mitm.port }, new Map(), 5_000))
    assert.instance(err, UpstreamError)
    assert.ok(err!.code === 'upstream.auth' || err!.code === 'upstream.startup', `${err!.code}: ${err!.message}`)
    assert.match(err!.message, /channel binding|SQLSTATE/)
  } finally {
    mitm.close()
  }
  // Nor when he hides SCRAM-SHA-256-PLUS from the gateway: it then says it could bind (gs2 header y), and the
  // server, which offered binding, refuses the downgrade.
  const stripping = await relayingMitm(real, { stripPlus: true })
  try {
    const err = await failure(connectBackend({ ...real, port: stripping.port }, new Map(), 5_000))
    assert.instance(err, UpstreamError)
    assert.ok(err!.code === 'upstream.auth' || err!.code === 'upstream.startup', `${err!.code}: ${err!.message}`)
  } finally {
    stripping.close()
  }
})

test.run()
