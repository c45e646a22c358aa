import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { openSqliteAuditStore } from './sqlite.ts'
import { auditStoreCases } from './store.case.ts'

const TRIGGERS = ['warden_audit_records_no_update', 'warden_audit_records_no_delete', 'warden_audit_checkpoints_no_update', 'warden_audit_checkpoints_no_delete']

auditStoreCases('sqlite', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'warden-audit-')), 'audit.db')
  return {
    store: openSqliteAuditStore(file),
    reopen: async () => openSqliteAuditStore(file),
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
})
