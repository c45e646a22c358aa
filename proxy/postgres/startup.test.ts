import net from 'node:net'
import tls from 'node:tls'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { PgError, ProtocolError } from './errors.ts'
import { encodeCancelRequest } from './messages/cancel-request.ts'
import { encodeSslRequest } from './messages/ssl-request.ts'
import { encodeStartupMessage } from './messages/startup-message.ts'
import { PROTOCOL_3_0 } from './messages/startup-packet.ts'
import { isLoopback, negotiateStartup, plaintextAllowed, type StartupOptions, type StartupOutcome } from './startup.ts'
import { makeSelfSignedCert } from './testing/tls.ts'

const cert = makeSelfSignedCert()
const secureContext = tls.createSecureContext(cert)
const startup = encodeStartupMessage({ protocol: PROTOCOL_3_0, params: new Map([['user', 'u'], ['database', 'prod-db']]) })

/** Runs negotiateStartup on the server side of a real TCP pair; `client` drives the other side. */
async function negotiate(opts: Partial<StartupOptions>, client: (socket: net.Socket) => Promise<unknown> | void): Promise<StartupOutcome | Error> {
  const server = net.createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as net.AddressInfo).port
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r))
  const socket = net.connect(port, '127.0.0.1')
  socket.on('error', () => undefined)
  const serverSide = await accepted
  const outcome = negotiateStartup(serverSide, { allowPlaintext: false, remoteAddress: '127.0.0.1', ...opts }).catch((e: Error) => e)
  await client(socket)
  const result = await outcome
  socket.destroy()
  serverSide.destroy()
  server.close()
  return result
}

const readByte = (socket: net.Socket) => new Promise<string>((r) => socket.once('data', (b: Buffer) => r(b.toString('latin1', 0, 1))))

test('loopback detection', () => {
  for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopback(a), a)
  for (const a of ['10.0.0.5', '::ffff:10.0.0.5', '2001:db8::1', '', undefined]) assert.not.ok(isLoopback(a), String(a))
})

test('plaintext is allowed from loopback always, from elsewhere only when configured', () => {
  assert.ok(plaintextAllowed('127.0.0.1', false))
  assert.not.ok(plaintextAllowed('192.168.1.20', false))
  assert.ok(plaintextAllowed('192.168.1.20', true))
})

test('a non-loopback client without TLS is refused with 28000', async () => {
  const r = await negotiate({ remoteAddress: '10.1.2.3', secureContext }, (s) => void s.write(startup))
  assert.instance(r, PgError)
  assert.is((r as PgError).fields.code, '28000')
  assert.match((r as PgError).message, 'plaintext connections are refused')
})

test('a non-loopback client over TLS is accepted', async () => {
  const r = await negotiate({ remoteAddress: '10.1.2.3', secureContext }, async (s) => {
    const answer = readByte(s)
    s.write(encodeSslRequest())
    assert.is(await answer, 'S')
    const secure = tls.connect({ socket: s, rejectUnauthorized: false })
    await new Promise((r) => secure.once('secureConnect', r))
    secure.write(startup)
  })
  assert.not.instance(r, Error)
  const outcome = r as Extract<StartupOutcome, { kind: 'session' }>
  assert.is(outcome.kind, 'session')
  assert.ok(outcome.tls)
  assert.is(outcome.params.get('database'), 'prod-db')
})

test('without a certificate SSLRequest is answered N', async () => {
  const r = await negotiate({}, async (s) => {
    const answer = readByte(s)
    s.write(encodeSslRequest())
    assert.is(await answer, 'N')
    s.write(startup)
  })
  assert.is((r as StartupOutcome).kind, 'session')
})

test('plaintext bytes pipelined behind SSLRequest are refused (CVE-2021-23214)', async () => {
  const r = await negotiate({ secureContext }, (s) => void s.write(Buffer.concat([encodeSslRequest(), startup])))
  assert.instance(r, ProtocolError)
})

test('a CancelRequest is recognised; an unsupported protocol version is refused', async () => {
  const c = await negotiate({}, (s) => void s.write(encodeCancelRequest({ processId: 5, secret: Buffer.from([1, 2, 3, 4]) })))
  assert.is((c as StartupOutcome).kind, 'cancel')
  const old = encodeStartupMessage({ protocol: 2 << 16, params: new Map([['user', 'u']]) })
  const v = await negotiate({}, (s) => void s.write(old))
  assert.is((v as PgError).fields.code, '0A000')
})

test.run()
