import net from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { connectBackend } from './backend.ts'
import { Catalog } from './catalog.ts'
import { encodeAuthentication } from './messages/authentication.ts'
import { encodeBackendKeyData } from './messages/backend-key-data.ts'
import { encodeParameterStatus } from './messages/parameter-status.ts'
import { encodeReadyForQuery } from './messages/ready-for-query.ts'
import type { FieldDescription } from './messages/row-description.ts'
import { startCluster, type TestCluster } from './testing/cluster.ts'

let cluster: TestCluster
let usersOid: number

test.before(async () => {
  cluster = await startCluster()
  usersOid = Number((await cluster.query<{ oid: string }>("SELECT 'users'::regclass::oid AS oid"))[0]!.oid)
})
test.after(async () => {
  await cluster?.stop()
})

const field = (name: string, tableOid: number, attnum: number): FieldDescription => ({ name, tableOid, attnum, typeOid: 25, typeSize: -1, typeModifier: -1, format: 0 })
const connector = () => connectBackend(cluster.upstream(), new Map([['application_name', 'warden-catalog']]))

test('resolves table columns on a side session, leaves computed and unknown ones unresolved', async () => {
  const catalog = new Catalog(connector)
  const fields = [field('contact', usersOid, 3), field('x', 0, 0), field('y', 424242, 1)]
  assert.is(catalog.cachedSources(fields), undefined)
  assert.equal(await catalog.sources(fields), [{ schema: 'public', table: 'users', column: 'email' }, undefined, undefined])
  const apps = await cluster.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'warden-catalog'")
  assert.is(apps[0]!.n, 1)
  catalog.close()
})

test('caches what it looked up until invalidated', async () => {
  const catalog = new Catalog(connector)
  const fields = [field('email', usersOid, 3)]
  await catalog.sources(fields)
  assert.equal(catalog.cachedSources(fields), [{ schema: 'public', table: 'users', column: 'email' }])
  catalog.invalidate()
  assert.is(catalog.cachedSources(fields), undefined)
  catalog.close()
})

test('a failed connection fails the lookup; the next lookup connects again', async () => {
  let attempts = 0
  const catalog = new Catalog(() => (++attempts === 1 ? Promise.reject(new Error('server down')) : connector()))
  const fields = [field('email', usersOid, 3)]
  await catalog.sources(fields).then(() => assert.unreachable(), (err: Error) => assert.match(err.message, 'server down'))
  assert.equal(await catalog.sources(fields), [{ schema: 'public', table: 'users', column: 'email' }])
  assert.is(attempts, 2)
  catalog.close()
})

test('warm() loads every user table up front, so results need no lookup', async () => {
  const catalog = new Catalog(connector)
  const ordersOid = Number((await cluster.query<{ oid: string }>("SELECT 'orders'::regclass::oid AS oid"))[0]!.oid)
  await catalog.warm()
  assert.equal(catalog.cachedSources([field('email', usersOid, 3), field('status', ordersOid, 4)]), [
    { schema: 'public', table: 'users', column: 'email' },
    { schema: 'public', table: 'orders', column: 'status' },
  ])
  catalog.close()
})

test('a lookup the server does not answer in time fails instead of stalling', async () => {
  // A server that completes startup, then never answers a query (like a lookup queued behind a transaction).
  const silent = net.createServer((s) => {
    const reported = [['client_encoding', 'UTF8'], ['standard_conforming_strings', 'on'], ['server_encoding', 'UTF8']].map(([name, value]) => encodeParameterStatus({ name: name!, value: value! }))
    s.once('data', () => s.write(Buffer.concat([encodeAuthentication({ kind: 'ok' }), ...reported, encodeBackendKeyData({ processId: 1, secret: Buffer.alloc(4) }), encodeReadyForQuery('I')])))
  })
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
  const port = (silent.address() as net.AddressInfo).port
  const catalog = new Catalog(() => connectBackend({ host: '127.0.0.1', port, database: 'x', user: 'x' }, new Map()), 100)
  await catalog.sources([field('email', 12345, 1)]).then(() => assert.unreachable(), (err: Error) => assert.match(err.message, 'took longer than 100 ms'))
  catalog.close()
  silent.close()
})

test.run()
