import { mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { openSqliteFile, whileBusy } from './sqlite-file.ts'

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })

test('a file opens in WAL with synchronous=FULL, private to its owner', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'warden-sqlite-')), 'deep', 'store.db')
  const db = openSqliteFile(file)
  assert.is(db.pragma('journal_mode', { simple: true }), 'wal')
  assert.is(db.pragma('synchronous', { simple: true }), 2)
  assert.is(statSync(file).mode & 0o777, 0o600)
  db.close()
})

test('SQLITE_BUSY raised without the busy handler (another process changing the journal) is waited out', () => {
  let calls = 0
  const value = whileBusy(() => {
    if (++calls < 4) throw busy()
    return 'opened'
  })
  assert.is(value, 'opened')
  assert.is(calls, 4)
})

test('busy past the timeout, or any other error, is raised', () => {
  const started = Date.now()
  assert.throws(() => whileBusy(() => { throw busy() }, 50), /database is locked/)
  assert.ok(Date.now() - started >= 50)
  let calls = 0
  assert.throws(() => whileBusy(() => { calls++; throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' }) }), /disk I\/O/)
  assert.is(calls, 1)
})

test.run()
