import { mkdtempSync, statSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { openSqliteAuditStore } from './sqlite.ts'
import { sqliteUnderTest } from '../testing/sqlite-under-test.ts'
import { auditStoreCases } from './store.case.ts'
import { verifyChain } from '../chain/verify.ts'


test('one file, mode 0600, in WAL mode; an unopenable path says what to fix', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'warden-audit-')), 'audit', 'trail.db')
  const store = openSqliteAuditStore(file)
  assert.is(statSync(file).mode & 0o777, 0o600)
  const db = new Database(file)
  assert.is(db.pragma('journal_mode', { simple: true }), 'wal')
  db.close()
  void store.close()
  const notADir = join(dirname(file), 'trail.db')
  assert.throws(() => openSqliteAuditStore(join(notADir, 'trail.db')), (e: Error & { code?: string }) => e.code === 'audit.store_open' && /set audit\.sqlite\.path or audit\.store/.test(e.message))
})
test('an event whose bytes were changed to bytes that are not UTF-8 (which read back as the same U+FFFD text, and hash alike) ⇒ edited', async () => {
  const { store, tamper } = await sqliteUnderTest(openSqliteAuditStore)
  for (let i = 1; i <= 4; i++) await store.append([{ event: { type: 'statement', statement: `SELECT 'a\uFFFDb', ${i}` }, time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() }])
  const verify = async () => verifyChain({ records: () => store.records(), has: (s) => store.has(s), checkpoints: [], keys: [] })
  assert.ok((await verify()).ok, 'the control')
  // U+FFFD is EF BF BD; F0 90 80 (a 4-byte sequence cut short) reads back as one U+FFFD too.
  await tamper(`UPDATE warden_audit_records SET event = CAST(replace(CAST(event AS BLOB), X'EFBFBD', X'F09080') AS TEXT) WHERE seq = 2`)
  const report = await verify()
  assert.equal([report.ok, report.failure?.seq, report.failure?.reason], [false, 2, 'edited'])
  assert.match(report.failure!.message, 'record 2 holds an event whose bytes are not UTF-8 text')
  await store.close()
})

test('an event stored as a BLOB of its own bytes still verifies; a leading BOM added to it does not', async () => {
  const { store, tamper } = await sqliteUnderTest(openSqliteAuditStore)
  for (let i = 1; i <= 3; i++) await store.append([{ event: { type: 'statement', n: i }, time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() }])
  const verify = async () => verifyChain({ records: () => store.records(), has: (s) => store.has(s), checkpoints: [], keys: [] })
  await tamper(`UPDATE warden_audit_records SET event = CAST(event AS BLOB) WHERE seq = 2`)
  assert.ok((await verify()).ok, 'the same bytes')
  await tamper(`UPDATE warden_audit_records SET event = CAST(X'EFBBBF' || CAST(event AS BLOB) AS TEXT) WHERE seq = 3`)
  assert.equal([(await verify()).failure?.seq, (await verify()).failure?.reason], [3, 'edited'])
  await store.close()
})
test('the table rebuilt without its constraints: a NULL, or a value of another type, in any chain column fails verify, never passes it', async () => {
  const loosen = `CREATE TABLE x AS SELECT * FROM warden_audit_records; DROP TABLE warden_audit_records;
    CREATE TABLE warden_audit_records (id INTEGER PRIMARY KEY, seq, time, prev_hash, hash, event, session_id, type, sub, target, effect);
    INSERT INTO warden_audit_records SELECT * FROM x; DROP TABLE x;`
  const edits = ['seq = NULL', "seq = '3'", 'time = NULL', 'prev_hash = NULL', 'hash = NULL', 'hash = CAST(hash AS BLOB)', 'event = NULL', 'event = 7', "event = '[]'"]
  for (const edit of edits) {
    const { store, tamper } = await sqliteUnderTest(openSqliteAuditStore)
    for (let i = 1; i <= 4; i++) await store.append([{ event: { type: 'statement', n: i }, time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() }])
    await tamper(`${loosen} UPDATE warden_audit_records SET ${edit} WHERE id = 3`)
    const report = await verifyChain({ records: () => store.records(), has: (s) => store.has(s), checkpoints: [], keys: [] })
    assert.is(report.ok, false, edit)
    await store.close()
  }
})
test.run()

auditStoreCases('sqlite', () => sqliteUnderTest(openSqliteAuditStore))
