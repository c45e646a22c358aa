import net from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { connectBackend, type Backend } from './backend.ts'
import { UpstreamError } from './errors.ts'
import { encodeAuthentication } from './messages/authentication.ts'
import { encodeBackendKeyData } from './messages/backend-key-data.ts'
import { encodeParameterStatus } from './messages/parameter-status.ts'
import { encodeQuery } from './messages/query.ts'
import { encodeReadyForQuery } from './messages/ready-for-query.ts'
import { decodeStartupMessage } from './messages/startup-message.ts'
import { encodeTerminate } from './messages/terminate.ts'
import { startCluster, type TestCluster } from './testing/cluster.ts'
import { framesOf } from './testing/frames.ts'

let cluster: TestCluster

test.before(async () => {
  cluster = await startCluster()
})
test.after(async () => {
  await cluster?.stop()
})

async function roundTrip(b: Backend): Promise<string> {
  b.socket.resume()
  const got: Buffer[] = []
  b.socket.on('data', (c: Buffer) => got.push(c))
  b.socket.write(encodeQuery('SELECT current_user'))
  for (let i = 0; i < 100 && !Buffer.concat(got).includes(Buffer.from('Z')); i++) await new Promise((r) => setTimeout(r, 20))
  b.socket.end(encodeTerminate())
  const row = framesOf(Buffer.concat(got)).find((f) => f.type === 'D')!
  return row.payload.subarray(6).toString()
}

test('authenticates with SCRAM-SHA-256 and reports server parameters', async () => {
  const b = await connectBackend(cluster.upstream(), new Map([['application_name', 'warden-test']]))
  assert.ok(b.parameters.get('server_version')?.startsWith('1'))
  assert.is(b.parameters.get('application_name'), 'warden-test')
  assert.is(b.status, 'I')
  assert.is(b.key.secret.length, 4)
  assert.is(await roundTrip(b), 'warden')
})

test('pins client_encoding, standard_conforming_strings and backslash_quote; the configured user and database win', async () => {
  const b = await connectBackend(cluster.upstream(), new Map([['database', 'postgres'], ['user', 'postgres'], ['client_encoding', 'SJIS']]))
  assert.is(b.parameters.get('client_encoding'), 'UTF8')
  assert.is(b.parameters.get('standard_conforming_strings'), 'on')
  assert.is(await roundTrip(b), 'warden')
})

/** A server that accepts any startup and reports `reported`; returns the startup parameters it received. */
async function fakeServer(reported: Record<string, string>): Promise<{ port: number; received: Promise<Map<string, string>>; close(): void }> {
  let got!: (m: Map<string, string>) => void
  const received = new Promise<Map<string, string>>((r) => (got = r))
  const server = net.createServer((s) => {
    s.once('data', (d: Buffer) => {
      got(decodeStartupMessage(d.subarray(4)).params)
      const status = Object.entries(reported).map(([name, value]) => encodeParameterStatus({ name, value }))
      s.write(Buffer.concat([encodeAuthentication({ kind: 'ok' }), ...status, encodeBackendKeyData({ processId: 1, secret: Buffer.alloc(4) }), encodeReadyForQuery('I')]))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { port: (server.address() as net.AddressInfo).port, received, close: () => server.close() }
}

test('refuses a server that does not confirm the pinned settings or whose encoding the gateway cannot read', async () => {
  const good = { client_encoding: 'UTF8', standard_conforming_strings: 'on', server_encoding: 'UTF8' }
  const cases: [Record<string, string>, string][] = [
    [{ ...good, client_encoding: 'SJIS' }, 'client_encoding=SJIS'],
    [{ ...good, standard_conforming_strings: 'off' }, 'standard_conforming_strings=off'],
    [{ client_encoding: 'UTF8', server_encoding: 'UTF8' }, 'standard_conforming_strings=(nothing)'],
    [{ ...good, server_encoding: 'LATIN1' }, 'server_encoding LATIN1 is not supported'],
  ]
  for (const [reported, why] of cases) {
    const f = await fakeServer(reported)
    const err = await connectBackend({ host: '127.0.0.1', port: f.port, database: 'app', user: 'warden' }, new Map([['application_name', 'x']])).then(() => undefined, (e: unknown) => e)
    assert.instance(err, UpstreamError)
    assert.match((err as Error).message, why)
    const sent = await f.received
    assert.is(sent.get('client_encoding'), 'UTF8')
    assert.is(sent.get('standard_conforming_strings'), 'on')
    assert.is(sent.get('backslash_quote'), 'safe_encoding')
    assert.is(sent.get('database'), 'app')
    f.close()
  }
  const ok = await fakeServer(good)
  const b = await connectBackend({ host: '127.0.0.1', port: ok.port, database: 'app', user: 'warden' }, new Map())
  b.socket.destroy()
  ok.close()
})

test('a SQL_ASCII database is refused: the server names `<62 a>é` a table the gateway\'s parser reads as `<62 a>`', async () => {
  await cluster.query(`CREATE DATABASE bytes_db ENCODING 'SQL_ASCII' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C' OWNER ${cluster.roles.scram.user}`)
  const err = await connectBackend({ ...cluster.upstream(), database: 'bytes_db' }, new Map()).then((b) => { b.socket.destroy() }, (e: unknown) => e)
  assert.instance(err, UpstreamError)
  assert.match((err as Error).message, /server_encoding SQL_ASCII is not supported: .*ENCODING 'UTF8'/)
})

test('authenticates with md5', async () => {
  const b = await connectBackend(cluster.upstream({ role: 'md5' }), new Map())
  assert.is(await roundTrip(b), 'warden_md5')
})

test('authenticates with SCRAM over TLS (ssl: require)', async () => {
  const b = await connectBackend(cluster.upstream({ ssl: 'require' }), new Map())
  assert.is(b.socket.constructor.name, 'TLSSocket')
  assert.is(await roundTrip(b), 'warden')
})

test('a wrong password is an upstream.auth error that does not echo credentials', async () => {
  const target = { ...cluster.upstream(), password: 'not-the-password' }
  try {
    await connectBackend(target, new Map())
    assert.unreachable('should fail')
  } catch (err) {
    assert.instance(err, UpstreamError)
    assert.is((err as UpstreamError).code, 'upstream.auth')
    assert.not.match((err as Error).message, 'not-the-password')
    assert.not.match((err as Error).message, 'warden')
  }
})

test('a missing password is reported as configuration, an unknown database as startup', async () => {
  const noPassword = { ...cluster.upstream(), password: undefined }
  await connectBackend(noPassword, new Map()).then(() => assert.unreachable(), (err: UpstreamError) => {
    assert.is(err.code, 'upstream.auth')
    assert.match(err.message, 'password_env')
  })
  const noDb = { ...cluster.upstream(), database: 'nope' }
  await connectBackend(noDb, new Map()).then(() => assert.unreachable(), (err: UpstreamError) => {
    assert.is(err.code, 'upstream.startup')
    assert.match(err.message, '3D000')
  })
})

test('an unreachable server is an upstream.connect error', async () => {
  const target = { ...cluster.upstream(), port: 1 }
  await connectBackend(target, new Map()).then(() => assert.unreachable(), (err: UpstreamError) => {
    assert.is(err.code, 'upstream.connect')
  })
})

test.run()
