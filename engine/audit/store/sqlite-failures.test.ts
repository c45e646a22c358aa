// The embedded trail failing for real, not through a stand-in: another process holding SQLite's write lock, and
// a full disk. Either way durable() rejects (so the frontends refuse the statement), nothing recorded is lost,
// and once the cause is gone the queued events are committed in order and the chain verifies.
import { execFileSync } from 'node:child_process'
import { closeSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, symlinkSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { verifyChain } from '../chain/verify.ts'
import { createDurableAuditSink } from '../durable-sink.ts'
import type { AuditError } from '../errors.ts'
import { openSqliteAuditStore } from './sqlite.ts'
import { openSqliteAuditStoreThread } from './sqlite-thread.ts'
import type { AuditStore } from './types.ts'

const ev = (n: number) => ({ type: 'statement' as const, time: new Date().toISOString(), session_id: 's1', n })

async function rowsOf(store: AuditStore): Promise<number[]> {
  const out: number[] = []
  for await (const r of store.records()) out.push(JSON.parse(r.event).n as number)
  return out
}

const intact = async (store: AuditStore) => (await verifyChain({ records: () => store.records(), has: (s) => store.has(s), checkpoints: [], keys: [] })).ok

test('another process holding the write lock: the append fails after the busy timeout, durable() rejects, and the queue commits once the lock is gone', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'warden-audit-')), 'trail.db')
  const store = await openSqliteAuditStoreThread(file)
  const errors: AuditError[] = []
  const sink = createDurableAuditSink({ store, onError: (e) => errors.push(e), retryMs: { min: 50, max: 100 } })
  await sink.recordDurable(ev(1))
  const other = new Database(file)
  other.exec('BEGIN IMMEDIATE')
  const started = Date.now()
  const refused = await sink.recordDurable(ev(2)).then(() => undefined, (e: AuditError) => e)
  assert.is(refused?.code, 'audit.store_unavailable', 'refused, so the statement waiting on it is not released')
  assert.match(refused!.message, /locked|busy/i)
  assert.ok(Date.now() - started >= 5_000, 'it waited for the lock first (busy_timeout), as another gateway process would release it')
  other.exec('ROLLBACK')
  other.close()
  await sink.flush()
  await sink.recordDurable(ev(3))
  assert.equal(await rowsOf(store), [1, 2, 3], 'nothing recorded was lost, in order')
  assert.ok(await intact(store))
  await sink.close()
  await store.close()
})

test('the trail file replaced, moved, deleted or swapped for a symlink, or its write-ahead log deleted, while the gateway runs: durable() rejects, since what it appends would be on no trail anyone reads', async () => {
  const swaps: Array<[string, (file: string, other: string) => void]> = [
    ['replaced by another trail', (file, other) => renameSync(other, file)],
    ['moved away', (file) => renameSync(file, `${file}.old`)],
    ['deleted', (file) => rmSync(file)],
    ['swapped for a symlink to another trail', (file, other) => { rmSync(file); symlinkSync(other, file) }],
    ['its write-ahead log deleted', (file) => rmSync(`${file}-wal`)],
  ]
  for (const [what, swap] of swaps) {
    const dir = mkdtempSync(join(tmpdir(), 'warden-audit-'))
    const file = join(dir, 'trail.db')
    const store = await openSqliteAuditStoreThread(file)
    const sink = createDurableAuditSink({ store, retryMs: { min: 50, max: 100 } })
    await sink.recordDurable(ev(1))
    await openSqliteAuditStore(join(dir, 'other.db')).close()
    swap(file, join(dir, 'other.db'))
    const refused = await sink.recordDurable(ev(2)).then(() => undefined, (e: AuditError) => e)
    assert.is(refused?.code, 'audit.store_unavailable', `${what}: refused, so the statement waiting on it is not released`)
    assert.match(refused!.message, /was replaced, moved or deleted|write-ahead log .* was replaced or deleted/, what)
    assert.match(refused!.message, 'restart the gateway', what)
    await sink.close().catch(() => undefined)
    await store.close()
  }
})

// A real full disk: a 1 MiB tmpfs, which only root may mount (CI runs as root; like demo-databases.test.ts, the
// case has nothing to check without it).
test('a full disk: the append fails (SQLITE_FULL), durable() rejects, and the queue commits once there is room', async () => {
  if (process.getuid?.() !== 0) return
  const dir = mkdtempSync(join(tmpdir(), 'warden-audit-full-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'pipe' })
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    assert.unreachable(`mount a 1 MiB tmpfs for the full-disk case: ${(err as Error).message}`)
  }
  const filler = join(dir, 'filler')
  try {
    mkdirSync(join(dir, 'audit'))
    const store = await openSqliteAuditStoreThread(join(dir, 'audit', 'trail.db'))
    const sink = createDurableAuditSink({ store, retryMs: { min: 50, max: 100 } })
    await sink.recordDurable(ev(1))
    // Fill what is left of the disk.
    const fd = openSync(filler, 'w')
    const chunk = Buffer.alloc(4096, 1)
    try {
      for (;;) writeSync(fd, chunk)
    } catch (err) {
      assert.is((err as { code?: string }).code, 'ENOSPC')
    } finally {
      closeSync(fd)
    }
    const big = { ...ev(2), padding: 'x'.repeat(64 * 1024) }
    const refused = await sink.recordDurable(big).then(() => undefined, (e: AuditError) => e)
    assert.is(refused?.code, 'audit.store_unavailable')
    assert.match(refused!.message, /full|disk/i)
    rmSync(filler)
    await sink.flush()
    await sink.recordDurable(ev(3))
    assert.equal(await rowsOf(store), [1, 2, 3])
    assert.ok(await intact(store))
    await sink.close()
    await store.close()
  } finally {
    rmSync(filler, { force: true })
    execFileSync('umount', [dir])
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
