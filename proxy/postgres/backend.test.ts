import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { connectBackend, type Backend } from './backend.ts'
import { UpstreamError } from './errors.ts'
import { encodeQuery } from './messages/query.ts'
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
