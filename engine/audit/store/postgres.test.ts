// The shared audit store suite on a real PostgreSQL 15 cluster; each case gets a fresh database.
import pg from 'pg'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { verifyChain } from '../chain/verify.ts'
import { startCluster, type TestCluster } from '../../../proxy/postgres/testing/cluster.ts'
import { openPostgresAuditStore } from './postgres.ts'
import { auditStoreCases } from './store.case.ts'

const cluster: TestCluster = await startCluster({ logStatements: false })
let n = 0

async function freshDatabase(): Promise<pg.ClientConfig> {
  const name = `audit_${++n}`
  await cluster.query(`CREATE DATABASE ${name} OWNER ${cluster.roles.scram.user}`)
  return { host: cluster.host, port: cluster.port, database: name, user: cluster.roles.scram.user, password: cluster.roles.scram.password }
}

auditStoreCases('postgres', async () => {
  const connection = await freshDatabase()
  return {
    store: await openPostgresAuditStore({ connection }),
    reopen: () => openPostgresAuditStore({ connection }),
    async tamper(sql, opts) {
      const client = new pg.Client(connection)
      await client.connect()
      try {
        if (!opts?.keepGuards) {
          await client.query(`ALTER TABLE warden_audit_records DISABLE TRIGGER USER`)
          await client.query(`ALTER TABLE warden_audit_checkpoints DISABLE TRIGGER USER`)
        }
        await client.query(sql)
      } finally {
        await client.end()
      }
    },
  }
})

test('a database whose encoding is not UTF8 (SQL_ASCII stores any bytes) is refused at open, with what to do', async () => {
  await cluster.query(`CREATE DATABASE audit_ascii OWNER ${cluster.roles.scram.user} ENCODING 'SQL_ASCII' TEMPLATE template0`)
  const connection = { host: cluster.host, port: cluster.port, database: 'audit_ascii', user: cluster.roles.scram.user, password: cluster.roles.scram.password }
  const err = await openPostgresAuditStore({ connection }).then(async (s) => { await s.close(); return undefined }, (e: Error & { code?: string }) => e)
  assert.is(err?.code, 'audit.store_open')
  assert.match(err!.message, /the database's encoding is SQL_ASCII, and the audit trail needs UTF8/)
})

test('a record stored under an id no JavaScript number holds (below -2^53) is read by verify, not passed over', async () => {
  const connection = await freshDatabase()
  const store = await openPostgresAuditStore({ connection })
  for (let i = 1; i <= 3; i++) await store.append([{ event: { type: 'statement', n: i }, time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() }])
  const client = new pg.Client(connection)
  await client.connect()
  // A record only the search columns lead to: warden audit show would replay it, verify never saw it.
  await client.query(`INSERT INTO warden_audit_records (id, seq, time, prev_hash, hash, event, session_id, type) VALUES (-9223372036854775000, 99, 't', 'p', 'h', '{"type":"statement","session_id":"s1"}', 's1', 'statement')`)
  await client.end()
  const report = await verifyChain({ records: () => store.records(), has: (s) => store.has(s), checkpoints: [], keys: [] })
  assert.equal([report.ok, report.failure?.seq, report.failure?.reason], [false, 99, 'reordered'])
  await store.close()
})
test('two gateways appending at once to a database whose default isolation is REPEATABLE READ stay one chain: the head is read after the lock is taken, not as the lock statement found it', async () => {
  const connection = await freshDatabase()
  await cluster.query(`ALTER DATABASE ${connection.database} SET default_transaction_isolation = 'repeatable read'`)
  const [a, b] = [await openPostgresAuditStore({ connection }), await openPostgresAuditStore({ connection })]
  const statement = (n: number) => ({ event: { type: 'statement', n }, time: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString() })
  await a.append([statement(1)])
  // A third party holds the append lock until both appends wait on it (told by pg_locks, not by the clock).
  const holder = new pg.Client(connection)
  await holder.connect()
  await holder.query('BEGIN')
  await holder.query(`SELECT pg_advisory_xact_lock(8602282538711737460)`)
  const appends = [a.append([statement(2)]), b.append([statement(3)])].map((p) => p.then(() => 'ok', (e: Error) => e.message))
  while ((await holder.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).rows[0].n < 2) await new Promise((r) => setImmediate(r))
  await holder.query('COMMIT')
  await holder.end()
  assert.equal(await Promise.all(appends), ['ok', 'ok'])
  const report = await verifyChain({ records: () => a.records(), has: (s) => a.has(s), checkpoints: [], keys: [] })
  assert.ok(report.ok, JSON.stringify(report.failure))
  await a.close()
  await b.close()
})

test.run()

// uvu runs the suite on the next tick; stop the cluster once the process is about to exit.
process.once('beforeExit', () => void cluster.stop())
