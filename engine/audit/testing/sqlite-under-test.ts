// Test support: an SQLite trail for the shared store suite (store.case.ts), opened by `open` (on the calling
// thread, or on a thread of its own), with the attacker's direct access to the file.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { StoreUnderTest } from '../store/store.case.ts'
import type { AuditStore } from '../store/types.ts'

const TRIGGERS = ['warden_audit_records_no_update', 'warden_audit_records_no_delete', 'warden_audit_checkpoints_no_update', 'warden_audit_checkpoints_no_delete']

export async function sqliteUnderTest(open: (file: string) => AuditStore | Promise<AuditStore>): Promise<StoreUnderTest> {
  const file = join(mkdtempSync(join(tmpdir(), 'warden-audit-')), 'audit.db')
  return {
    store: await open(file),
    reopen: async () => open(file),
    async tamper(sql, opts) {
      const db = new Database(file)
      try {
        if (!opts?.keepGuards) for (const t of TRIGGERS) db.exec(`DROP TRIGGER IF EXISTS ${t}`)
        db.exec(sql)
      } finally {
        db.close()
      }
    },
  }
}
