// Gateways sharing one PostgreSQL trail: two writer processes keep one valid chain, and kill -9 of a writer
// under load loses no acknowledged record. A real PostgreSQL 15 cluster.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startCluster, type TestCluster } from '../../../proxy/postgres/testing/cluster.ts'
import { assertAckedStored, startWriter } from '../testing/crash.case.ts'
import { openPostgresAuditStore } from './postgres.ts'

let cluster: TestCluster
let n = 0
async function freshDatabase() {
  const name = `crash_${++n}`
  await cluster.query(`CREATE DATABASE ${name} OWNER ${cluster.roles.scram.user}`)
  return { host: cluster.host, port: cluster.port, database: name, user: cluster.roles.scram.user, password: cluster.roles.scram.password }
}

test.before(async () => { cluster = await startCluster({ logStatements: false }) })
test.after(async () => { await cluster?.stop() })

test('two writer processes on one PostgreSQL store keep one linear chain', async () => {
  const connection = await freshDatabase()
  // Create the schema first, so the writers do not race on the first migration.
  await (await openPostgresAuditStore({ connection })).close()
  const a = startWriter('a', { postgres: connection }, 1000)
  const b = startWriter('b', { postgres: connection }, 1000)
  assert.equal(await Promise.all([a.exited, b.exited]), [0, 0])
  const store = await openPostgresAuditStore({ connection })
  assert.is(await assertAckedStored(store, [a, b]), 2000)
  const writers = new Set<string>()
  for await (const r of store.records()) writers.add(JSON.parse(r.event).writer)
  assert.equal([...writers].sort(), ['a', 'b'])
  await store.close()
})

test('kill -9 of one writer while another keeps writing: every acknowledged record is present, the chain verifies', async () => {
  const connection = await freshDatabase()
  await (await openPostgresAuditStore({ connection })).close()
  const a = startWriter('a', { postgres: connection })
  const b = startWriter('b', { postgres: connection }, 800)
  await a.until(800)
  a.kill()
  assert.is(await a.exited, null)
  assert.is(await b.exited, 0)
  const store = await openPostgresAuditStore({ connection })
  await assertAckedStored(store, [a, b])
  await store.close()
})

test.run()
