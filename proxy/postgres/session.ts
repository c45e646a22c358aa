// What the gateway remembers about one client session: prepared statements (protocol-level Parse and SQL
// PREPARE share one namespace in PostgreSQL) and portals / cursors, each with the judgement that let it in.
import type { Judgement } from '../../engine/gateway.ts'
import type { BoundValues } from '../../engine/approvals/index.ts'
import type { MaskObligation } from '../../engine/types.ts'
import { MAX_KEPT_STATEMENTS, MAX_KEPT_TEXT_BYTES, MAX_KEPT_VALUE_BYTES } from './limits.ts'

export interface JudgedStatement {
  text: string
  judgement: Judgement
  approvalId?: string
  /**
   * Date.now() from which this judgement no longer holds: the earliest expiry of the grants its allow
   * depended on. Bind and Execute judge the text again from then on.
   */
  grantUntil?: number
  /** The text needs approval: nothing may run until a Bind with its values is approved. */
  needsApproval?: boolean
  /** Parse's parameter type OIDs, to show binary values to a reviewer. */
  paramTypes?: number[]
  /** Portals: the values they were bound with, shown to a reviewer if Execute has to hold again. */
  values?: BoundValues
  /**
   * Made by SQL (PREPARE, DECLARE) inside `judgement`'s text, which may hold other statements: the index (in
   * its statements) of that PREPARE or DECLARE, whose outputs are the rows it returns. Undefined for a protocol
   * Parse, whose text is that one statement.
   */
  resultIndex?: number
}

/** Undoes one change when the server turns out to have refused the message that made it. */
export type Undo = () => void

function setWithUndo<V>(map: Map<string, V>, key: string, value: V | undefined): Undo {
  const had = map.has(key)
  const prev = map.get(key)
  if (value === undefined) map.delete(key)
  else map.set(key, value)
  return () => {
    if (had) map.set(key, prev as V)
    else map.delete(key)
  }
}

/** Bytes of bound values. */
export function valueBytesOf(params: readonly (Uint8Array | null)[] = []): number {
  let n = 0
  for (const p of params) n += p?.byteLength ?? 0
  return n
}

/** The statement names a judged text EXECUTEs. */
function executedNames(s: JudgedStatement): string[] {
  return (s.judgement.input.command?.sql?.statements ?? []).flatMap((x) => (x.type === 'execute' && typeof x.detail.name === 'string' ? [x.detail.name] : []))
}

/** Whether a judged text runs an EXECUTE (of `name`, or of any name). */
function executes(s: JudgedStatement, name?: string): boolean {
  return (s.judgement.input.command?.sql?.statements ?? []).some((x) => x.type === 'execute' && (name === undefined || x.detail.name === name))
}

export class SessionStatements {
  private readonly statements = new Map<string, JudgedStatement>()
  private readonly texts = new Map<string, string>()
  private readonly portals = new Map<string, JudgedStatement>()
  /** Cursors SQL DECLAREd and not closed since, by name: whether WITH HOLD (it outlives a committed transaction). */
  private readonly declared = new Map<string, boolean>()
  /** Cursors declared in the transaction in progress. */
  private declaredInTransaction = new Set<string>()
  /** Sync and Query messages the client sent so far: each ends an exchange the server answers with ReadyForQuery. */
  private boundaries = 0
  /** Portals made by Bind, by name: how many Syncs and Queries the client had sent before the Bind. */
  private readonly bound = new Map<string, number>()
  /** Masks of every cursor declared in this session; FETCH results carry them too. */
  private cursorMasks: MaskObligation[] = []
  /** Every name a statement or portal kept here EXECUTEs (never shrinks): others need no expiry scan. */
  private readonly executed = new Set<string>()
  /** More names were EXECUTEd than `executed` keeps: every name is scanned for. */
  private executedOverflow = false
  private readonly cursorMaskKeys = new Set<string>()

  statement(name: string): JudgedStatement | undefined {
    return this.statements.get(name)
  }

  portal(name: string): JudgedStatement | undefined {
    return this.portals.get(name)
  }

  /** name → SQL text of every prepared statement, for the engine to resolve EXECUTE. */
  prepared(): ReadonlyMap<string, string> {
    return this.texts
  }

  setStatement(name: string, s: JudgedStatement | undefined): Undo {
    this.noteExecutes(s)
    const a = setWithUndo(this.statements, name, s)
    const b = setWithUndo(this.texts, name, s?.text)
    this.expireExecutesOf(name)
    return () => {
      a()
      b()
      // Back to what it was, which judgements made meanwhile did not see.
      this.expireExecutesOf(name)
    }
  }

  setPortal(name: string, s: JudgedStatement | undefined): Undo {
    this.noteExecutes(s)
    this.declared.delete(name)
    if (s === undefined) this.bound.delete(name)
    return setWithUndo(this.portals, name, s)
  }

  /** A Bind made portal `name` (it lives until its transaction ends). */
  bindPortal(name: string, s: JudgedStatement): Undo {
    const undo = this.setPortal(name, s)
    const had = this.bound.get(name)
    this.bound.set(name, this.boundaries)
    return () => {
      undo()
      if (had === undefined) this.bound.delete(name)
      else this.bound.set(name, had)
    }
  }

  /**
   * Why keeping the named statements and portals `adding` names, judged on `textBytes` more SQL text (and `valueBytes`
   * more bound values), would pass the session's limits (limits.ts); undefined when they fit. A name already kept is
   * not one more, but its text still counts (DEALLOCATE p; PREPARE p AS … replaces it with more text); its values are
   * counted twice (fails closed). The unnamed ones replace themselves and always fit.
   */
  overLimit(adding: { statements?: string[]; portals?: string[] }, textBytes: number, valueBytes = 0): string | undefined {
    const named = [...(adding.statements ?? []), ...(adding.portals ?? [])].some((n) => n !== '')
    if (!named) return undefined
    if (valueBytes > 0) {
      let values = valueBytes
      for (const [name, s] of this.portals) if (name !== '') values += valueBytesOf(s.values?.params)
      if (values > MAX_KEPT_VALUE_BYTES) return `this session's named portals would hold ${values} bytes of bound values, and the limit is ${MAX_KEPT_VALUE_BYTES}; bind large values to the unnamed portal`
    }
    const fresh = [...new Set(adding.statements ?? [])].filter((n) => n !== '' && !this.statements.has(n)).length +
      [...new Set(adding.portals ?? [])].filter((n) => n !== '' && !this.portals.has(n)).length
    const count = this.statements.size - Number(this.statements.has('')) + this.portals.size - Number(this.portals.has(''))
    if (fresh > 0 && count + fresh > MAX_KEPT_STATEMENTS) return `this session already keeps ${count} prepared statements and portals, and the limit is ${MAX_KEPT_STATEMENTS}`
    const bytes = textBytes + this.keptTextBytes()
    if (bytes > MAX_KEPT_TEXT_BYTES) return `this session's prepared statements and portals would hold ${bytes} bytes of SQL text, and the limit is ${MAX_KEPT_TEXT_BYTES}`
    return undefined
  }

  /**
   * SQL text the kept judgements were made on: a SQL PREPARE or DECLARE keeps the judgement of the whole query
   * string it came in (up to 16 KiB), not only its own statement's text. A judgement kept by several is counted once.
   */
  private keptTextBytes(): number {
    const seen = new Set<Judgement>()
    let bytes = 0
    for (const map of [this.statements, this.portals]) {
      for (const s of map.values()) {
        if (seen.has(s.judgement)) continue
        seen.add(s.judgement)
        bytes += Math.max(s.text.length, s.judgement.input?.command?.raw?.length ?? 0)
      }
    }
    return bytes
  }

  /** The client sent a Sync or a Query: returns its number, which the ReadyForQuery answering it is told with. */
  boundary(): number {
    return this.boundaries++
  }

  private noteExecutes(s: JudgedStatement | undefined): void {
    if (!s || this.executedOverflow) return
    for (const name of executedNames(s)) this.executed.add(name)
    // A client re-preparing one name with ever new EXECUTE targets would grow the set without end: past the
    // statement limit every name is scanned for, as if each were EXECUTEd.
    if (this.executed.size > MAX_KEPT_STATEMENTS) {
      this.executedOverflow = true
      this.executed.clear()
    }
  }

  /**
   * Statement `name` now means something else: a statement or portal whose text EXECUTEs it (a Parse of
   * `EXECUTE p`; the server looks p up when it runs) was judged with the old meaning, so it is judged again
   * when next bound or executed.
   */
  private expireExecutesOf(name: string): void {
    if (!this.executedOverflow && !this.executed.has(name)) return
    for (const map of [this.statements, this.portals]) {
      for (const [key, s] of map) if (s.grantUntil !== 0 && executes(s, name)) map.set(key, { ...s, grantUntil: 0 })
    }
  }

  declareCursor(name: string, s: JudgedStatement, hold: boolean): void {
    this.portals.set(name, s)
    this.declared.set(name, hold)
    this.declaredInTransaction.add(name)
    // Each obligation once: a loop of DECLARE and CLOSE would otherwise grow (and copy) the list without end.
    const fresh = s.judgement.decision.obligations.mask.filter((m) => {
      const key = JSON.stringify(m)
      if (this.cursorMaskKeys.has(key)) return false
      this.cursorMaskKeys.add(key)
      return true
    })
    if (fresh.length) this.cursorMasks = [...this.cursorMasks, ...fresh]
  }

  cursorMaskObligations(): MaskObligation[] {
    return this.cursorMasks
  }

  /** Every prepared statement is judged again when next bound (what its names mean may have changed). */
  expireJudgements(): void {
    for (const [name, s] of this.statements) this.statements.set(name, { ...s, grantUntil: 0 })
  }

  clearStatements(): void {
    this.statements.clear()
    this.texts.clear()
    for (const [key, s] of this.portals) if (executes(s)) this.portals.set(key, { ...s, grantUntil: 0 })
  }

  clearPortals(): void {
    this.portals.clear()
    this.declared.clear()
    this.bound.clear()
  }

  /**
   * The server closes cursors the gateway must then forget: kept, a cursor of the same name opened later another
   * way (a function returning a refcursor) would be fetched with the old cursor's lineage. A ROLLBACK closes those
   * declared in its transaction; a ROLLBACK TO SAVEPOINT those declared since the savepoint, which are not told
   * apart here: all of the transaction's are forgotten (a FETCH of a forgotten cursor fails closed).
   */
  rolledBack(): void {
    for (const name of this.declaredInTransaction) this.forgetCursor(name)
    this.declaredInTransaction.clear()
  }

  /**
   * No transaction is open any more, as the ReadyForQuery answering Sync or Query number `through` says: cursors
   * without HOLD are closed, and the portals bound before that message (those bound after it, already sent by a
   * pipelining client, live on).
   */
  transactionEnded(through: number | undefined): void {
    for (const [name, hold] of this.declared) if (!hold) this.forgetCursor(name)
    this.declaredInTransaction.clear()
    if (through === undefined) return
    for (const [name, at] of this.bound) {
      if (at > through) continue
      this.bound.delete(name)
      this.portals.delete(name)
    }
  }

  private forgetCursor(name: string): void {
    if (!this.declared.delete(name)) return
    this.portals.delete(name)
  }
}
