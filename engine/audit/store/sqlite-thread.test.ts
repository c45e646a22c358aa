import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createDurableAuditSink } from '../durable-sink.ts'
import { openSqliteAuditStore } from './sqlite.ts'
import { openSqliteAuditStoreThread } from './sqlite-thread.ts'
import { sqliteUnderTest } from '../testing/sqlite-under-test.ts'
import { auditStoreCases } from './store.case.ts'


test('an unopenable path fails the open with the store error, not later', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'warden-audit-')), 'trail.db')
  openSqliteAuditStore(file).close()
  const err = await openSqliteAuditStoreThread(join(file, 'trail.db')).catch((e: Error & { code?: string }) => e)
  assert.instance(err, Error)
  assert.is((err as { code?: string }).code, 'audit.store_open')
  assert.match((err as Error).message, /set audit\.sqlite\.path or audit\.store/)
})

test('commits run on the thread: the caller event loop turns while an append is being synced', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'warden-audit-')), 'trail.db')
  for (const [name, store] of [['thread', await openSqliteAuditStoreThread(file)], ['inline', openSqliteAuditStore(file)]] as const) {
    let done = false
    const appended = store.append([{ event: { type: 'statement', n: 1 }, time: new Date().toISOString() }]).then(() => (done = true))
    // Only microtasks run here, no turn of the event loop: an answer from the thread (a message) cannot arrive.
    for (let i = 0; i < 50; i++) await Promise.resolve()
    const beforeAnyTurn = done
    await appended
    // sqlite.ts commits (and syncs) inside append(), before the caller's loop can turn; the thread answers later.
    assert.is(beforeAnyTurn, name === 'inline', name)
    await store.close()
  }
})

test('a durable sink over the thread store: every acknowledged event is in the file', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'warden-audit-')), 'trail.db')
  const store = await openSqliteAuditStoreThread(file)
  const sink = createDurableAuditSink({ store })
  await Promise.all(Array.from({ length: 200 }, (_, n) => sink.recordDurable({ type: 'statement', time: new Date().toISOString(), n })))
  await sink.close()
  await store.close()
  const db = new Database(file, { readonly: true })
  assert.is((db.prepare('SELECT count(*) AS n FROM warden_audit_records').get() as { n: number }).n, 200)
  db.close()
})
test.run()

auditStoreCases('sqlite on its own thread', () => sqliteUnderTest(openSqliteAuditStoreThread))
