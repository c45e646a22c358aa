// The approval store suites on a real PostgreSQL 15 cluster; each case gets a fresh database.
import pg from 'pg'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startCluster, type TestCluster } from '../../proxy/postgres/testing/cluster.ts'
import { alice, approveDecision, held, holder, manualClock } from './fixtures.ts'
import { openPostgresApprovalStore } from './postgres.ts'
import { sharedStoreCases } from './shared.case.ts'
import { approvalStoreCases, newCipher, type StoreFactory } from './store.case.ts'
import type { ReviewCipher } from './review-cipher.ts'
import { grantTamperCases } from './tamper.case.ts'
import type { ApprovalRequest, GrantRecord } from './types.ts'

const cluster: TestCluster = await startCluster({ logStatements: false })
let n = 0

async function freshDatabase(): Promise<pg.ClientConfig> {
  const name = `approvals_${++n}`
  await cluster.query(`CREATE DATABASE ${name} OWNER ${cluster.roles.scram.user}`)
  return { host: cluster.host, port: cluster.port, database: name, user: cluster.roles.scram.user, password: cluster.roles.scram.password }
}

const factory = async (opts: Parameters<StoreFactory>[0]) => {
  const connection = await freshDatabase()
  const edit = async <T>(run: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client(connection)
    await client.connect()
    try {
      return await run(client)
    } finally {
      await client.end()
    }
  }
  return {
    exec: (sql: string) => edit(async (client) => void await client.query(sql)),
    requestBody: (id: string) => edit(async (client) => JSON.parse((await client.query<{ body: string }>('SELECT body FROM warden_approval_requests WHERE id = $1', [id])).rows[0]!.body) as ApprovalRequest),
    bodies: () => edit(async (client) => new Map((await client.query<{ id: string; body: string }>('SELECT id, body FROM warden_approval_grants')).rows.map((r) => [r.id, JSON.parse(r.body) as GrantRecord]))),
    store: await openPostgresApprovalStore({ ...opts, connection, pollMs: 50 }),
    another: (cipher?: ReviewCipher) => openPostgresApprovalStore({ ...opts, ...(cipher ? { cipher } : {}), connection, pollMs: 50 }),
    async raw() {
      const client = new pg.Client(connection)
      await client.connect()
      try {
        const requests = await client.query('SELECT * FROM warden_approval_requests')
        const grants = await client.query('SELECT * FROM warden_approval_grants')
        return JSON.stringify([requests.rows, grants.rows])
      } finally {
        await client.end()
      }
    },
  }
}

approvalStoreCases('postgres', factory)
sharedStoreCases('postgres', factory)
grantTamperCases('postgres', factory)

test('while its LISTEN connection is down a store polls, so a grant made elsewhere still arrives; then it listens again', async () => {
  const connection = await freshDatabase()
  const opts = { now: manualClock().now, cipher: newCipher(), connection, pollMs: 50 }
  const [a, b] = [await openPostgresApprovalStore(opts), await openPostgresApprovalStore(opts)]
  const listeners = async () => (await cluster.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query = 'LISTEN warden_approvals'`, [connection.database])).map((r) => r.pid)
  for (let i = 0; i < 100 && (await listeners()).length < 2; i++) await new Promise((r) => setTimeout(r, 20))
  assert.is((await listeners()).length, 2)
  const request = await a.request(held({ decision: approveDecision('target') }))
  // Fill each pool (4 connections): with new connections kept out, the polls that start once LISTEN is cut and
  // the approval's transaction run side by side, each on an idle pooled connection.
  await Promise.all([a, b].flatMap((store) => Array.from({ length: 4 }, () => store.list())))
  // Cut every LISTEN connection and keep new ones out (the pools keep their idle connections) while a grant is made.
  await cluster.query(`ALTER DATABASE ${connection.database} CONNECTION LIMIT 0`)
  try {
    await cluster.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query = 'LISTEN warden_approvals'`, [connection.database])
    const approved = await a.approve(request.id, alice)
    for (let i = 0; i < 300 && !b.grantsFor(holder('b')).length; i++) await new Promise((r) => setTimeout(r, 10))
    assert.equal(b.grantsFor(holder('b')).map((g) => g.id), [approved.grant!.id])
    assert.equal(await listeners(), [], 'the grant arrived by polling: nobody was listening')
  } finally {
    // A failure above must not leave the stores unable to reconnect (their close would wait on them).
    await cluster.query(`ALTER DATABASE ${connection.database} CONNECTION LIMIT -1`)
  }
  for (let i = 0; i < 300 && (await listeners()).length < 2; i++) await new Promise((r) => setTimeout(r, 20))
  assert.is((await listeners()).length, 2, 'both stores listen again')
  await Promise.all([a.close(), b.close()])
})

test.run()

// uvu runs the suites on the next tick; stop the cluster once the process is about to exit.
process.once('beforeExit', () => void cluster.stop())
