import { mkdtempSync, statSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { openSqliteAuditStore } from './sqlite.ts'
import { sqliteUnderTest } from '../testing/sqlite-under-test.ts'
import { auditStoreCases } from './store.case.ts'


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
test.run()

auditStoreCases('sqlite', () => sqliteUnderTest(openSqliteAuditStore))
