// One SQLite file of a store (audit trail, approvals), opened the same way: its directory 0700, the file 0600,
// WAL with synchronous=FULL (a write that returned survives kill -9 or a power cut), and a busy timeout so
// several processes on one file wait for each other's write lock instead of failing.
import { chmodSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'

export function openSqliteFile(file: string): Database.Database {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const db = new Database(file)
  chmodSync(file, 0o600)
  db.pragma('busy_timeout = 10000')
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  return db
}
