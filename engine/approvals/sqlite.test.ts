import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { alice, held, holder, manualClock } from './fixtures.ts'
import { sharedStoreCases } from './shared.case.ts'
import { openSqliteApprovalStore } from './sqlite.ts'
import { approvalStoreCases, newCipher, type StoreFactory } from './store.case.ts'
import type { ReviewCipher } from './review-cipher.ts'
import { grantTamperCases } from './tamper.case.ts'
import type { ApprovalRequest, GrantRecord } from './types.ts'

const file = () => join(mkdtempSync(join(tmpdir(), 'warden-approvals-')), 'approvals.db')

const factory = async (opts: Parameters<StoreFactory>[0]) => {
  const path = file()
  const pollMs = 20
  const edit = <T>(run: (db: Database.Database) => T): T => {
    const db = new Database(path)
    try {
      return run(db)
    } finally {
      db.close()
    }
  }
  return {
    exec: async (sql: string) => void edit((db) => db.exec(sql)),
    requestBody: async (id: string) => JSON.parse(edit((db) => (db.prepare('SELECT body FROM warden_approval_requests WHERE id = ?').get(id) as { body: string }).body)) as ApprovalRequest,
    bodies: async () => new Map(edit((db) => db.prepare('SELECT id, body FROM warden_approval_grants').all() as { id: string; body: string }[]).map((r) => [r.id, JSON.parse(r.body) as GrantRecord])),
    store: await openSqliteApprovalStore(path, { ...opts, pollMs }),
    another: (cipher?: ReviewCipher) => openSqliteApprovalStore(path, { ...opts, ...(cipher ? { cipher } : {}), pollMs }),
    async raw() {
      const db = new Database(path, { readonly: true })
      try {
        return JSON.stringify([db.prepare('SELECT * FROM warden_approval_requests').all(), db.prepare('SELECT * FROM warden_approval_grants').all()]) + readFileSync(`${path}-wal`, 'latin1')
      } finally {
        db.close()
      }
    },
  }
}

approvalStoreCases('sqlite', factory)
sharedStoreCases('sqlite', factory)
grantTamperCases('sqlite', factory)

test('one file, mode 0600, versioned schema; a newer schema is refused; an unopenable path says what to fix', async () => {
  const path = file()
  const store = await openSqliteApprovalStore(path, { cipher: newCipher() })
  await store.close()
  assert.is(statSync(path).mode & 0o777, 0o600)
  const db = new Database(path)
  assert.equal(db.prepare(`SELECT component, version FROM warden_schema_migrations`).all(), [{ component: 'approvals', version: 1 }])
  db.prepare(`INSERT INTO warden_schema_migrations VALUES ('approvals', 99, 'future', '')`).run()
  db.close()
  try {
    await openSqliteApprovalStore(path, { cipher: newCipher() })
    assert.unreachable('opened a newer schema')
  } catch (err) {
    assert.is((err as { code?: string }).code, 'approval.migration')
  }
  try {
    await openSqliteApprovalStore(join(path, 'x', 'approvals.db'), { cipher: newCipher() })
    assert.unreachable('opened under a file')
  } catch (err) {
    assert.is((err as { code?: string }).code, 'approval.store_open')
    assert.match((err as Error).message, 'set approvals.sqlite.path or approvals.store')
  }
})

test('a review text moved into another request in the store is not shown for it: the reviewer is told, not misled', async () => {
  const path = file()
  const gateway = await openSqliteApprovalStore(path, { now: manualClock().now, cipher: newCipher(), pollMs: 20 })
  const harmless = await gateway.request(held({ digest: 'd-harmless', reviewText: "UPDATE users SET plan = 'pro' WHERE id = 7" }))
  const harmful = await gateway.request(held({ digest: 'd-harmful', reviewText: 'DELETE FROM users' }))
  const db = new Database(path)
  const bodyOf = (id: string) => JSON.parse((db.prepare('SELECT body FROM warden_approval_requests WHERE id = ?').get(id) as { body: string }).body)
  const moved = bodyOf(harmful.id)
  moved.command.review_text = bodyOf(harmless.id).command.review_text
  db.prepare('UPDATE warden_approval_requests SET body = ? WHERE id = ?').run(JSON.stringify(moved), harmful.id)
  db.close()
  const shown = (await gateway.get(harmful.id))!.command.review_text
  assert.not.match(shown, "plan = 'pro'")
  assert.match(shown, /^\[not readable: the review text was not sealed for this request/)
  assert.is((await gateway.get(harmless.id))!.command.review_text, "UPDATE users SET plan = 'pro' WHERE id = 7", 'the original still opens where it belongs')
  await gateway.close()
})

test('a revoke written by another process on the same file reaches the live cache', async () => {
  const clock = manualClock()
  const path = file()
  const cipher = newCipher()
  const gateway = await openSqliteApprovalStore(path, { now: clock.now, cipher, pollMs: 20 })
  const approved = await gateway.approve((await gateway.request(held())).id, alice)
  assert.is(gateway.grantsFor(holder()).length, 1)
  const db = new Database(path)
  const body = JSON.parse((db.prepare('SELECT body FROM warden_approval_grants').get() as { body: string }).body)
  db.prepare('UPDATE warden_approval_grants SET revoked_at_ms = 1, body = ? WHERE id = ?').run(JSON.stringify({ ...body, revoked_at: new Date(1).toISOString(), revoked_by: 'cli' }), approved.grant!.id)
  db.close()
  for (let i = 0; i < 200 && gateway.grantsFor(holder()).length; i++) await new Promise((r) => setTimeout(r, 10))
  assert.equal(gateway.grantsFor(holder()), [])
  await gateway.close()
})

test.run()
