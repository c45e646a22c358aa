// The extended query protocol. Parse is judged; Bind, Describe and Execute reuse the judgement of the
// statement they name (named statements and portals are tracked per session) while it holds. A statement
// that needs approval is held at Bind, where its values are known and shown to the reviewer; one allowed only
// by a grant is judged again at Bind and Execute once that grant has expired or was revoked, and any once the
// catalog changed since it was judged. After a refusal, client
// messages are dropped until Sync, exactly as PostgreSQL skips them after an error. An Execute whose results
// are masked gets a gateway Describe of its portal first, to learn its columns and formats.
// @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY
import { type BoundValues, reviewText } from '../../engine/approvals/index.ts'
import { boundCarriesMaskOutput } from '../../engine/normalize/mask-output.ts'
import type { CatalogRelation } from '../../engine/normalize/sql/index.ts'
import { builtinTypeOid, onlyBuiltinTypes } from './builtin-types.ts'
import { STORED_FRESH_MS } from './catalog.ts'
import type { JudgedAhead } from './catalog-judge.ts'
import { PgError, pgErrors, ProtocolError } from './errors.ts'
import { grantDeadline, grantsStillHeld, type Verdict } from './judge.ts'
import type { Bind } from './messages/bind.ts'
import type { Close } from './messages/close.ts'
import { encodeDescribe, type Describe } from './messages/describe.ts'
import type { Execute } from './messages/execute.ts'
import { encodeFlush } from './messages/flush.ts'
import type { Parse } from './messages/parse.ts'
import { poisonExtended } from './poison.ts'
import type { QueryLoop } from './query-loop.ts'
import { type JudgedStatement, valueBytesOf } from './session.ts'

const dropping = (loop: QueryLoop) => loop.skipUntilSync || loop.relay.serverSkipping

function refuse(loop: QueryLoop, text: string, verdict: Verdict, via: string): void {
  if (verdict.allow) return
  loop.recordDenied(text, verdict, via)
  loop.up.write(poisonExtended())
  loop.relay.push({ kind: 'poison', error: verdict.error })
  loop.skipUntilSync = true
}

const quoted = (name: string) => (name === '' ? 'unnamed prepared statement' : `prepared statement "${name}"`)

function unknown(loop: QueryLoop, what: 'statement' | 'portal', name: string, via: string): void {
  const error = what === 'statement'
    ? new PgError({ severity: 'ERROR', code: '26000', message: `${quoted(name)} does not exist`, detail: 'warden: only statements prepared through the gateway can be used.' })
    : new PgError({ severity: 'ERROR', code: '34000', message: `portal "${name}" does not exist`, detail: 'warden: only portals bound through the gateway can be used.' })
  const raw = `${via} ${what} "${name}"`
  refuse(loop, raw, loop.protocolDenial(raw, `warden.postgres.unknown_${what}`, error), via)
}

/** `ahead`: the judgement of the text judgeAhead made in this same step, if any. */
export async function parse(loop: QueryLoop, m: Parse, raw: Buffer, ahead?: JudgedAhead): Promise<void> {
  if (dropping(loop)) return
  // A parameter of a type made in the database (a domain) runs that type's code on its value, unseen by the judgement.
  const userType = m.paramTypes.findIndex((oid) => !builtinTypeOid(oid))
  if (userType >= 0) {
    const error = pgErrors.parameterType(userType + 1, m.paramTypes[userType]!)
    return refuse(loop, m.text, loop.protocolDenial(m.text, 'warden.postgres.parameter_type', error), 'extended')
  }
  const full = loop.statements.overLimit({ statements: [m.name] }, m.text.length)
  if (full) return refuse(loop, m.text, loop.protocolDenial(m.text, 'warden.postgres.too_many_kept', pgErrors.tooManyKept(full)), 'extended')
  // Parse runs nothing: a statement that needs approval is held at Bind, with the values it will run with.
  const verdict = await loop.judge(m.text, { defer: true }, ahead)
  const deferred = !verdict.allow && verdict.deferred === true
  if (!verdict.allow && !deferred) return refuse(loop, m.text, verdict, 'extended')
  // One allowed by a grant is judged again at Bind too, with its values: a grant on the text alone (held
  // without values: a Bind that sent none, or the text as a simple query) covers no values the reviewer did not see.
  const grantUntil = grantDeadline(verdict.judgement)
  const needsApproval = deferred || grantUntil !== undefined
  const undo = loop.statements.setStatement(m.name, {
    text: m.text,
    judgement: verdict.judgement,
    approvalId: verdict.approvalId,
    grantUntil,
    ...(needsApproval ? { needsApproval } : {}),
    paramTypes: m.paramTypes,
  })
  loop.up.write(raw)
  loop.relay.push({ kind: 'parse', undo })
}

/** The grants this session's identity holds on its target now (revoked ones are gone at once). */
const grantsInForce = (loop: QueryLoop) =>
  loop.engine.approvals.grantsFor({ session: loop.session.id, identity: loop.session.identity, target: loop.session.target.name })

/**
 * The judgement `s` runs under now: itself while it holds; otherwise (it needs approval, a grant it depended on
 * has expired or was revoked, or the catalog changed since it was made: the server plans the statement again
 * with a view redefined, a column renamed; or, at Bind, code may have moved the search_path since) the text judged
 * again, held for a reviewer who sees `values` in place of `$n`. Undefined when refused (the refusal is already sent).
 */
async function current(loop: QueryLoop, s: JudgedStatement, values: BoundValues | undefined, via: 'bind' | 'execute'): Promise<JudgedStatement | undefined> {
  // Values that hold mask output change the statement's input document (a write of them is refused): judged with them.
  // A Bind plans the statement again with the names the session resolves now, which code run since may have moved.
  const holds = !s.needsApproval && !loop.judgementStale(s.judgement) && !(values && boundCarriesMaskOutput(values.params)) &&
    !(via === 'bind' && loop.namesMayHaveMoved(s.judgement))
  if (holds && (s.grantUntil === undefined || (Date.now() < s.grantUntil && grantsStillHeld(s.judgement, () => grantsInForce(loop))))) return s
  // The relations it names are cached first; the judgement ahead is of the text without its values, not this one.
  await loop.judgeAhead(s.text, () => undefined)
  const verdict = await loop.judge(s.text, { reviewText: reviewText(s.text, values), bound: values })
  if (!verdict.allow) {
    refuse(loop, s.text, verdict, via)
    return undefined
  }
  // Judged again alone: the statement is the whole new text, so no index into the old one applies.
  const { needsApproval: _, resultIndex: __, ...rest } = s
  return { ...rest, judgement: verdict.judgement, approvalId: verdict.approvalId ?? s.approvalId, grantUntil: grantDeadline(verdict.judgement) }
}

export async function bind(loop: QueryLoop, m: Bind, raw: Buffer): Promise<void> {
  if (dropping(loop)) return
  const s = loop.statements.statement(m.statement)
  if (!s) return unknown(loop, 'statement', m.statement, 'bind')
  const full = loop.statements.overLimit({ portals: [m.portal] }, s.text.length, valueBytesOf(m.params))
  if (full) return refuse(loop, s.text, loop.protocolDenial(s.text, 'warden.postgres.too_many_kept', pgErrors.tooManyKept(full)), 'bind')
  const values: BoundValues = { params: m.params, formats: m.paramFormats, types: s.paramTypes }
  const now = await current(loop, s, values, 'bind')
  if (!now || dropping(loop)) return
  // A judgement made with bound values holds for those values only: the statement's next Bind is judged again.
  // One made without values by an approval or a grant (a Bind that sent none, which the server refuses when the
  // text has $n) is judged again at the next Bind too, with its values, as at Parse.
  if (now !== s && !values.params.length) {
    const again = s.needsApproval === true || now.grantUntil !== undefined || now.approvalId !== undefined
    loop.statements.setStatement(m.statement, again ? { ...now, needsApproval: true } : now)
  }
  const undo = loop.statements.bindPortal(m.portal, { ...now, values })
  loop.up.write(raw)
  loop.relay.push({ kind: 'bind', undo })
}

export function describe(loop: QueryLoop, m: Describe, raw: Buffer): void {
  if (dropping(loop)) return
  if (m.kind === 'S' ? !loop.statements.statement(m.name) : !loop.statements.portal(m.name)) {
    return unknown(loop, m.kind === 'S' ? 'statement' : 'portal', m.name, 'describe')
  }
  loop.up.write(raw)
  loop.relay.push({ kind: 'describe' })
}

/**
 * A masked Execute whose masking failure the server need not see: a read-only statement that runs no code
 * of its own (read-only judges the statement, not what runs in it: pg_notify acts at commit, a user function
 * may write), so it calls no function and reads only relations the catalog knows hold rows (a view may call
 * one, and so may a table's row security policy) and names only built-in types (a domain's CHECK may call one); the first Execute of a batch that started outside a transaction block (nothing ran since the last
 * Sync, answered or not), followed by its Sync. Its implicit transaction then ends with nothing changed
 * whatever the client is told, as it would after a server error. Any other masked Execute waits for its
 * result before the Sync goes out, so a masking failure can still fail the batch.
 */
function nothingToUndo(loop: QueryLoop, s: JudgedStatement): boolean {
  const statements = s.judgement.input.command.sql?.statements
  return loop.relay.status === 'I' && !loop.relay.ranSinceSync &&
    !loop.relay.queue.some((e) => e.kind === 'sync' || e.kind === 'poison') &&
    statements !== undefined && statements.length > 0 &&
    statements.every((st) => st.read_only === true && st.functions.length === 0 && st.tables.every((t) => stored(loop.relation(t)) && loop.relationCheckedWithin(t, STORED_FRESH_MS))) &&
    onlyBuiltinTypes(s.text, s.paramTypes)
}

/**
 * A relation whose rows are read as stored, running no code of its own: a table, partitioned table or
 * materialized view without row-level security (its policies' expressions run on every read, and may call
 * a function that acts at commit). The caller also needs the catalog's word to be recent (STORED_FRESH_MS):
 * the table's owner can turn row security on, or swap the table for a view, on the server unseen.
 */
const stored = (r: CatalogRelation | undefined) => r !== undefined && STORED.has(r.kind) && r.row_security !== true
const STORED = new Set<string>(['table', 'partitioned_table', 'materialized_view'])

export async function execute(loop: QueryLoop, m: Execute, raw: Buffer): Promise<void> {
  if (dropping(loop)) return
  const bound = loop.statements.portal(m.portal)
  if (!bound) return unknown(loop, 'portal', m.portal, 'execute')
  const s = await current(loop, bound, bound.values, 'execute')
  if (!s || dropping(loop)) return
  if (s !== bound) loop.statements.setPortal(m.portal, s)
  const verdict = { allow: true as const, judgement: s.judgement, approvalId: s.approvalId }
  const unrecorded = await loop.release(s.text, verdict, 'extended')
  if (unrecorded) return refuse(loop, s.text, { allow: false, judgement: s.judgement, error: unrecorded }, 'extended')
  if (dropping(loop)) return
  // The released verdict itself: its statement record carries the release record's decision_id.
  const run = loop.newRun(s.text, verdict, 'extended')
  if (s.resultIndex !== undefined) run.resultIndex = s.resultIndex
  const wait = { done: false }
  if (!run.masks.length) {
    loop.up.write(raw)
    loop.relay.push({ kind: 'execute', run, wait })
    return
  }
  const pipelined = loop.nextMessageType() === 'S' && nothingToUndo(loop, s)
  loop.up.write(encodeDescribe({ kind: 'P', name: m.portal }))
  loop.relay.push({ kind: 'describe', forRun: run })
  loop.up.write(raw)
  loop.relay.push({ kind: 'execute', run, wait })
  if (pipelined) {
    // The Sync goes out behind it at once: a masking failure here needs nothing undone on the server.
    loop.client.hold()
    return
  }
  // Without Sync the server may hold its answer; Flush makes it send, and nothing else is sent until it is
  // complete, so a masking failure can still fail this batch on the server (as a PostgreSQL error would).
  loop.up.write(encodeFlush())
  // The client already sent the Sync that follows: it waits for ReadyForQuery, so this answer can go out with
  // it in one write (the relay releases the hold at the Sync's ReadyForQuery).
  if (loop.nextMessageType() === 'S') loop.client.hold()
  loop.barrier = {
    wait,
    then: () => {
      if (!run.maskFailed) return
      if (!run.serverError) {
        loop.up.write(poisonExtended())
        loop.relay.push({ kind: 'poison', error: null })
      }
      loop.skipUntilSync = true
    },
  }
}

export function close(loop: QueryLoop, m: Close, raw: Buffer): void {
  if (dropping(loop)) return
  if (m.kind === 'S') loop.statements.setStatement(m.name, undefined)
  else loop.statements.setPortal(m.name, undefined)
  loop.up.write(raw)
  loop.relay.push({ kind: 'close' })
}

export function sync(loop: QueryLoop, payload: Buffer, raw: Buffer): void {
  if (payload.length) throw new ProtocolError('Sync: expected an empty message')
  loop.skipUntilSync = false
  loop.up.write(raw)
  loop.relay.push({ kind: 'sync', boundary: loop.statements.boundary() })
  loop.probeBehind()
}

export function flush(loop: QueryLoop, payload: Buffer, raw: Buffer): void {
  if (payload.length) throw new ProtocolError('Flush: expected an empty message')
  loop.up.write(raw)
}
