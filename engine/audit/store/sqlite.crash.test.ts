// kill -9 of a writer appending to the SQLite trail under load (WAL, synchronous=FULL).
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { assertAckedStored, startWriter } from '../testing/crash.case.ts'
import { openSqliteAuditStore } from './sqlite.ts'

test('kill -9 under load: every acknowledged record is present and the chain verifies; a restart continues it', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'warden-crash-')), 'trail.db')
  const w = startWriter('a', { sqlite: file })
  await w.until(2000)
  w.kill()
  assert.is(await w.exited, null, 'killed by the signal')
  const store = openSqliteAuditStore(file)
  const stored = await assertAckedStored(store, [w])
  assert.ok(stored >= w.acked.size)
  await store.append([{ event: { type: 'statement', writer: 'after', n: 1 }, time: new Date().toISOString() }])
  await assertAckedStored(store, [w])
  await store.close()
})

test('two processes appending to one SQLite file build one chain', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'warden-crash-')), 'trail.db')
  const a = startWriter('a', { sqlite: file }, 1500)
  const b = startWriter('b', { sqlite: file }, 1500)
  assert.equal(await Promise.all([a.exited, b.exited]), [0, 0])
  const store = openSqliteAuditStore(file)
  assert.is(await assertAckedStored(store, [a, b]), 3000)
  await store.close()
})

test.run()
