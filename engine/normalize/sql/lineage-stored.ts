// Values a statement keeps on the server (SqlStored): what it writes into columns, and the arguments of the
// calls that keep them where a later query reads them back. A policy that masks by origin needs these: once a
// masked value sits in a column with a harmless name, or in a sequence or a lock key, a plain read shows it.
import type { SqlStored } from '../../types.ts'
import type { Rel } from './lineage-scope.ts'
import { type Col, type Lin, toOutput } from './lineage-value.ts'

/**
 * Calls that keep an argument's value after the statement: setval (currval, pg_sequences.last_value), advisory
 * locks (pg_locks.classid / objid while held), pg_notify (every listening session's notification, a JSON payload
 * masked there by its keys only). Unlocks keep nothing; nextval only reads its sequence's name.
 */
const KEEPING_FUNCTIONS = new Set([
  'setval', 'pg_notify',
  'pg_advisory_lock', 'pg_advisory_lock_shared', 'pg_advisory_xact_lock', 'pg_advisory_xact_lock_shared',
  'pg_try_advisory_lock', 'pg_try_advisory_lock_shared', 'pg_try_advisory_xact_lock', 'pg_try_advisory_xact_lock_shared',
])

/** The function a call names when it keeps its arguments (`name` or `pg_catalog.name`), else undefined. */
export function keepingFunction(parts: readonly string[]): string | undefined {
  const name = parts[parts.length - 1]
  if (name === undefined || !KEEPING_FUNCTIONS.has(name)) return undefined
  return parts.length === 1 || (parts.length === 2 && parts[0] === 'pg_catalog') ? name : undefined
}

export function storedInFunction(name: string, lin: Lin): SqlStored {
  return { into: 'function', table: null, ...toOutput({ name, lin }) }
}

/** Columns of `table` given values: `*` when they cannot be placed (an INSERT of a star, or with no column list). */
export function storedInColumns(table: string | null, cols: readonly Col[]): SqlStored[] {
  return cols.map((c) => ({ into: 'column' as const, table, ...toOutput(c.lin.star === true ? { name: '*', lin: c.lin } : c) }))
}

/**
 * What a write target (INSERT, UPDATE, MERGE) was given. A column of an updatable view is stored in the base
 * column it shows (a view column named `password` over orders.status stores into status). Where the catalog
 * does not tell which base column that is (a relation or column it does not know, a view it cannot follow), the
 * column is `*`: any. `checked` tells the columns whose values the server checks first (`*`: any of them).
 */
export function storedInTarget(target: Rel, checked: (column: string) => boolean = () => false): SqlStored[] {
  const out: SqlStored[] = []
  const mark = (s: SqlStored[], column: string) => (checked(column) ? s.map((v) => ({ ...v, checked: true as const })) : s)
  for (const [name, lin] of target.assigned ?? []) {
    const shown = target.columns?.find((c) => c.name === name)?.lin
    const base = shown?.kind === 'plain' ? shown.sources[0] : undefined
    const untold = base === undefined && (target.columns !== undefined || target.missing === true)
    out.push(...mark(storedInColumns(base ? base.table : target.table, [{ name: base ? base.column : untold ? '*' : name, lin }]), name))
  }
  if (target.assignedAll) out.push(...mark(storedInColumns(target.table, [{ name: '*', lin: target.assignedAll }]), '*'))
  return out
}
