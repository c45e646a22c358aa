// The shared audit store suite on a real PostgreSQL 15 cluster; each case gets a fresh database.
import pg from 'pg'
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

// uvu runs the suite on the next tick; stop the cluster once the process is about to exit.
process.once('beforeExit', () => void cluster.stop())
