// One SQLite file of a store (audit trail, approvals), opened the same way: its directory 0700, the file 0600,
// WAL with synchronous=FULL (a write that returned survives kill -9 or a power cut), and a busy timeout so
// several processes on one file wait for each other's write lock instead of failing.
import { chmodSync, mkdirSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'

const BUSY_TIMEOUT_MS = 10_000

export function openSqliteFile(file: string): Database.Database {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const db = new Database(file)
  chmodSync(file, 0o600)
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
  whileBusy(() => db.pragma('journal_mode = WAL'))
  db.pragma('synchronous = FULL')
  return db
}

// SQLite answers SQLITE_BUSY without calling the busy handler when the journal mode changes while another
// process opens, recovers or closes (and removes) the WAL: wait for it here, within the same timeout.
export function whileBusy<T>(run: () => T, timeoutMs = BUSY_TIMEOUT_MS): T {
  const deadline = Date.now() + timeoutMs
  const pause = new Int32Array(new SharedArrayBuffer(4))
  for (;;) {
    try {
      return run()
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw err
      Atomics.wait(pause, 0, 0, 10)
    }
  }
}

/** The file a path names now (device and inode), or undefined when it names none. */
const fileIdentity = (path: string): string | undefined => {
  const s = statSync(path, { throwIfNoEntry: false, bigint: true })
  return s && `${s.dev}:${s.ino}`
}

/**
 * A check that `file`, just opened, and its write-ahead log still name the files the connection writes: says what
 * changed, or undefined. A file replaced, moved or deleted under a running process keeps taking its writes, synced
 * and durable, into a file nobody can open any more, while readers of the path see another trail or none.
 */
export function stillAtPath(file: string): () => string | undefined {
  const main = fileIdentity(file)
  let wal: string | undefined
  return () => {
    if (fileIdentity(file) !== main) return `${file} was replaced, moved or deleted: it no longer names the file this process opened`
    // The log exists from the first write on, and stays while a connection is open; the first check learns it.
    const log = fileIdentity(`${file}-wal`)
    wal ??= log
    return log === wal ? undefined : `${file}-wal, the write-ahead log holding its latest writes, was replaced or deleted`
  }
}
