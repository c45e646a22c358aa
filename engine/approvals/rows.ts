// How requests and grants map to the rows of the SQL stores (engine/approvals/migrations.ts).
import { expiresMs } from './grants.ts'
import type { ApprovalRequest, GrantFilter, GrantRecord } from './types.ts'

export function requestRow(r: ApprovalRequest) {
  return {
    id: r.id,
    status: r.status,
    expires_at_ms: Date.parse(r.expires_at),
    ended_at_ms: r.decided_at !== undefined ? Date.parse(r.decided_at) : null,
    body: JSON.stringify(r),
  }
}

export function grantRow(g: GrantRecord) {
  return {
    id: g.id,
    approval_id: g.approval_id,
    subject_sub: g.subject.sub,
    target: g.target,
    expires_at_ms: expiresMs(g),
    revoked_at_ms: g.revoked_at !== undefined ? Date.parse(g.revoked_at) : null,
    body: JSON.stringify(g),
  }
}

/** The WHERE clause of a grant listing, with `?` or `$n` parameter markers, and its values. */
export function grantWhere(filter: GrantFilter, nowMs: number, marker: (n: number) => string): { sql: string; values: unknown[] } {
  const parts: string[] = []
  const values: unknown[] = []
  const add = (sql: string, value: unknown) => {
    values.push(value)
    parts.push(sql.replace('?', marker(values.length)))
  }
  if (!filter.all) {
    parts.push('revoked_at_ms IS NULL')
    add('expires_at_ms > ?', nowMs)
  }
  if (filter.target) add('target = ?', filter.target)
  if (filter.sub) add('subject_sub = ?', filter.sub)
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', values }
}

export const parseBody = <T>(row: { body: string }): T => JSON.parse(row.body) as T
