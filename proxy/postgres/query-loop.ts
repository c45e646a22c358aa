// The ready state of a session: read one client message at a time and hand it to its handler; wait where
// the protocol needs the server's answer first (a simple Query, a masked Execute) unless the server is asking
// for COPY data. Nothing reaches the server without passing a handler, and every handler judges or reuses a
// judgement.
import type { GatewayEngine, SessionState } from '../../engine/gateway.ts'
import { TOO_MANY_STATEMENTS } from '../../engine/normalize/sql/parse.ts'
import type { CatalogRelation, SchemaCatalog } from '../../engine/normalize/sql/index.ts'
import type { InputDocument, SqlTable } from '../../engine/types.ts'
import type { Catalog } from './catalog.ts'
import { CATALOG_AHEAD_MAX_BYTES, judgeAhead, type JudgedAhead, type Step } from './catalog-judge.ts'
import { type ErrorFields, PgError, pgErrors, ProtocolError } from './errors.ts'
import type { FrameSource } from './frame-source.ts'
import type { Frame } from './framing.ts'
import { type HoldAbort, type JudgeContext, type JudgeOptions, judgeSql, type Verdict } from './judge.ts'
import { decodeBind } from './messages/bind.ts'
import { decodeClose } from './messages/close.ts'
import { decodeDescribe } from './messages/describe.ts'
import { decodeExecute } from './messages/execute.ts'
import { decodeFunctionCall } from './messages/function-call.ts'
import { encodeFlush } from './messages/flush.ts'
import { encodeNoticeResponse } from './messages/notice-response.ts'
import { decodeParse } from './messages/parse.ts'
import { decodeQuery } from './messages/query.ts'
import { deniedEvent, releaseEvent, statementEvent } from './audit-events.ts'
import { bind, close, describe, execute, flush, parse, sync } from './extended.ts'
import { MAX_SQL_TEXT_BYTES } from './limits.ts'
import type { Outbox } from './outbox.ts'
import { firstPinnedChange } from './pinned-settings.ts'
import { catalogNamesOnly, changesSearchPath, qualifiedNamesOnly, setsEmptySearchPath } from './search-path.ts'
import { SearchPathWatch } from './search-path-watch.ts'
import type { StatementRun, Waitable } from './pending.ts'
import type { Relay } from './relay.ts'
import type { SessionStatements } from './session.ts'
import { poisonExtended } from './poison.ts'
import { functionCall, refuseQuery, simpleQuery } from './simple-query.ts'
import { hasType } from './statement-effects.ts'

/** Most extended-protocol messages waiting for the server's answer before the loop stops reading the client. */
const MAX_PENDING_MESSAGES = 1024

const MESSAGE_NAMES: Record<string, string> = { Q: 'Query', P: 'Parse', B: 'Bind', D: 'Describe', E: 'Execute', C: 'Close' }

/**
 * The text a denial is audited with. Audit redaction parses the text again, so a text refused for its size
 * or statement count is recorded by its beginning only: reparsing it would cost what the limits avoid.
 */
function auditedText(text: string, verdict: Verdict): string {
  const oversized = text.length > MAX_SQL_TEXT_BYTES / 4 && Buffer.byteLength(text) > MAX_SQL_TEXT_BYTES
  if (!oversized && !verdict.judgement.input.command?.sql?.parse_error?.includes(TOO_MANY_STATEMENTS)) return text
  return `${text.slice(0, 1024)} … [${Buffer.byteLength(text)} bytes in all; the rest is not recorded]`
}

export interface QueryLoopDeps {
  engine: GatewayEngine
  session: SessionState
  source: FrameSource
  relay: Relay
  statements: SessionStatements
  up: Outbox
  client: Outbox
  holdMs: number
  approvalHint?: (approvalId: string) => string
  /** The target's catalog cache, handed to every judgement (stars, views) and loaded ahead of it on a miss. */
  catalog?: Catalog
  /** The server's PostgreSQL major version (backend.ts serverMajorVersion). */
  serverVersion: number
}

export interface Barrier {
  wait: Waitable
  /** Runs once the awaited answer is complete, before the next client message is read. */
  then?: () => void
}

export class QueryLoop {
  readonly engine: GatewayEngine
  readonly session: SessionState
  readonly relay: Relay
  readonly statements: SessionStatements
  readonly up: Outbox
  readonly client: Outbox
  /** A gateway denial inside an extended batch: drop client messages until Sync, as the server does. */
  skipUntilSync = false
  barrier: Barrier | undefined
  statementCount = 0
  private hold: AbortController | undefined
  private readonly judgeContext: JudgeContext
  /** Checks the server's search_path after code may have moved it (search-path-watch.ts); none without a catalog. */
  private readonly watch: SearchPathWatch | undefined
  private closed = false
  private draining = false
  /** Judgements made with unqualified names resolved as the catalog resolves them (no code had run unchecked). */
  private readonly judgedWithNames = new WeakSet<object>()
  /** The catalog judged with after `SET search_path = ''` (search-path.ts), once the session set it. */
  private emptyPathCatalog: SchemaCatalog | undefined

  constructor(private readonly deps: QueryLoopDeps) {
    this.engine = deps.engine
    this.session = deps.session
    this.relay = deps.relay
    this.statements = deps.statements
    this.up = deps.up
    this.client = deps.client
    this.judgeContext = {
      engine: deps.engine,
      session: deps.session,
      prepared: deps.statements.prepared(),
      catalog: deps.catalog,
      serverVersion: deps.serverVersion,
      holdMs: deps.holdMs,
      approvalHint: deps.approvalHint,
      startHold: () => {
        this.hold = new AbortController()
        if (this.closed) this.hold.abort('disconnect')
        return this.hold.signal
      },
      notice: (fields: ErrorFields) => {
        this.client.write(encodeNoticeResponse(fields))
        this.client.flush()
      },
    }
    const catalog = deps.catalog
    this.watch = catalog && new SearchPathWatch({
      up: deps.up,
      relay: deps.relay,
      catalog,
      relation: (schema, name) => this.judgeContext.catalog?.relation(schema, name),
      closed: () => this.closed,
      moved: () => this.searchPathChanged(),
    })
  }

  /** Behind a Query or Sync just sent: the search_path probe, when code may have run (its wait, or undefined). */
  probeBehind(): Waitable | undefined {
    return this.watch?.behind()
  }

  /**
   * The context to judge in: with schema-qualified names only while code may have moved the search_path unchecked
   * (search-path-watch.ts), checked first when nothing is in flight.
   */
  private async contextNow(): Promise<JudgeContext> {
    await this.watch?.verify()
    const catalog = this.judgeContext.catalog
    if (!this.watch?.unverified || !this.deps.catalog || !this.resolvesNames(catalog)) return this.judgeContext
    return { ...this.judgeContext, catalog: qualifiedNamesOnly(this.deps.catalog) }
  }

  /**
   * Judges SQL for this session, holding for approval when required (cancel / disconnect end the hold).
   * Texts over MAX_SQL_TEXT_BYTES are refused unjudged; an allowed text that would change a pinned setting
   * is refused whatever the policy said (the gateway's own invariant, beside the policy's deny).
   */
  async judge(text: string, opts: JudgeOptions = {}, ahead?: JudgedAhead): Promise<Verdict> {
    this.up.flush()
    const bytes = Buffer.byteLength(text)
    if (bytes > MAX_SQL_TEXT_BYTES) {
      return this.protocolDenial(`SQL text of ${bytes} bytes`, 'warden.postgres.text_too_large', pgErrors.textTooLarge(bytes, MAX_SQL_TEXT_BYTES))
    }
    let verdict: Verdict
    const before = this.judgeContext.catalog
    const context = this.watch?.unverified ? await this.contextNow() : this.judgeContext
    // The judgement judgeAhead made of this very text in this same step (it has no bound values) is this one, if
    // made with the names this one resolves.
    const made = ahead && !opts.bound && context === this.judgeContext && before === context.catalog ? ahead : undefined
    const generation = made ? made.generation : this.deps.catalog?.generation
    try {
      // judgeSql judges synchronously on entry: relations it finds the catalog does not know (texts too long for
      // judgeAhead) are looked up for next time, in the background.
      const judge = () => judgeSql(text, context, opts, made?.judgement)
      const judged = this.deps.catalog && !made ? this.deps.catalog.watch(judge) : { result: judge(), misses: [] }
      if (judged.misses.length) void this.deps.catalog?.load(judged.misses).catch(() => undefined)
      verdict = await judged.result
    } finally {
      this.hold = undefined
    }
    if (generation !== undefined) this.deps.catalog?.judged(verdict.judgement, generation)
    if (this.resolvesNames(context.catalog)) this.judgedWithNames.add(verdict.judgement)
    if (!verdict.allow) return verdict
    // Statements after one that may run code in the same text were judged before it ran: with qualified names only.
    if (this.watch && context === this.judgeContext && this.deps.catalog && this.resolvesNames(context.catalog)) {
      verdict = await this.watch.afterCode(text, verdict, { ...context, catalog: qualifiedNamesOnly(this.deps.catalog) }, opts)
      if (!verdict.allow) return verdict
    }
    const statements = verdict.judgement.input.command?.sql?.statements ?? []
    if (changesSearchPath(statements)) {
      if (statements.length > 1) return this.gatewayDenial(verdict.judgement.input, 'warden.postgres.search_path', pgErrors.searchPathNotAlone())
      if (setsEmptySearchPath(statements)) this.searchPathEmptied()
      else this.searchPathChanged()
    }
    // A search_path code moved unseen may hold whatever that code read (a password as a schema name).
    if (this.watch?.movedUnseen && statements.some((s) => s.type === 'show' && s.detail.name === 'search_path')) {
      return this.gatewayDenial(verdict.judgement.input, 'warden.postgres.search_path', pgErrors.searchPathMovedShow())
    }
    const change = firstPinnedChange(statements)
    if (!change) return verdict
    return this.gatewayDenial(verdict.judgement.input, 'warden.postgres.pinned_setting', pgErrors.pinnedSetting(change.setting, change.how))
  }

  /** A statement the policy allowed, refused by the gateway's own invariant. */
  private gatewayDenial(input: InputDocument, rule: string, error: PgError): Verdict {
    const decision = { effect: 'deny' as const, reasons: [{ rule, message: error.message }], obligations: { mask: [] } }
    return { allow: false, judgement: { input, decision }, error }
  }

  /**
   * The session's search_path may now differ from the default the catalog resolves names with (search-path.ts):
   * a SET judged here, or a startup setting (`notify` false: the client is not in a session yet).
   */
  searchPathChanged(notify = true): void {
    this.watch?.stop()
    this.statements.expireJudgements()
    const catalog = this.deps.catalog
    if (!catalog || !this.resolvesNames(this.judgeContext.catalog)) return
    this.judgeContext.catalog = qualifiedNamesOnly(catalog)
    if (notify) this.judgeContext.notice({
      severity: 'NOTICE',
      code: '00000',
      message: 'warden: search_path changed: from now on this session\'s unqualified table names are not resolved, so their columns have unknown lineage (denied where results are masked)',
      hint: 'Qualify table names with their schema, e.g. reporting.profiles.',
    })
  }

  /**
   * The session set an empty search_path (pg_dump does, first): unqualified names resolve as relations of pg_catalog
   * only, while the probe checks pg_catalog stays first. After any other change, as searchPathChanged.
   */
  private searchPathEmptied(): void {
    const catalog = this.deps.catalog
    if (!catalog || (this.judgeContext.catalog !== catalog && this.judgeContext.catalog !== this.emptyPathCatalog)) return this.searchPathChanged()
    this.statements.expireJudgements()
    if (this.judgeContext.catalog === this.emptyPathCatalog) return
    this.emptyPathCatalog = catalogNamesOnly(catalog)
    this.judgeContext.catalog = this.emptyPathCatalog
    this.watch?.expectEmptyPath()
    this.judgeContext.notice({
      severity: 'NOTICE',
      code: '00000',
      message: 'warden: search_path emptied: from now on this session\'s unqualified table names resolve in pg_catalog only; other unqualified names have unknown lineage (denied where results are masked)',
      hint: 'Qualify table names with their schema, e.g. reporting.profiles.',
    })
  }

  /** Whether judging with `catalog` resolves unqualified names (the session's catalog, or pg_catalog's after an empty search_path). */
  private resolvesNames(catalog: JudgeContext['catalog']): boolean {
    return catalog !== undefined && (catalog === this.deps.catalog || catalog === this.emptyPathCatalog)
  }

  /** Sends the client a notice of the gateway's own (it may arrive between a result's rows, as PostgreSQL's may). */
  notice(fields: ErrorFields): void {
    this.judgeContext.notice(fields)
  }

  /**
   * Whether `judgement` was made before the catalog last changed (DDL passed, a relation turned out different): a
   * statement prepared then is planned again by the server with relations as they are now, so it is judged again.
   */
  judgementStale(judgement: object): boolean {
    return this.deps.catalog?.staleJudgement(judgement) === true
  }

  /**
   * Whether a statement judged as `judgement` resolved unqualified names that code run since may have moved: the
   * server plans a prepared statement again at Bind when the search_path changed, with the names it gives now.
   */
  namesMayHaveMoved(judgement: object): boolean {
    return this.watch?.unverified === true && this.judgedWithNames.has(judgement)
  }

  /** What the catalog, as this session resolves names, says `table` is; undefined when it does not know. */
  relation(table: SqlTable): CatalogRelation | undefined {
    return this.judgeContext.catalog?.relation(table.schema, table.name)
  }

  /** True when the catalog looked `table` up less than `ms` ago (and looks it up again when not). */
  relationCheckedWithin(table: SqlTable, ms: number): boolean {
    return this.relation(table) !== undefined && this.deps.catalog?.checkedWithin(table.schema, table.name, ms) === true
  }

  /**
   * Judges `text` (without bound values) with the relations it names cached first (catalog-judge.ts), then calls
   * `then` with that judgement in the same step, for judge(); without a catalog, or for a long text, at once with none.
   */
  judgeAhead(text: string, then: (ahead?: JudgedAhead) => Step): Step {
    const catalog = this.deps.catalog
    if (!catalog || Buffer.byteLength(text) > CATALOG_AHEAD_MAX_BYTES) return then()
    const request = () => ({ session: this.session, text, prepared: this.judgeContext.prepared, catalog: this.judgeContext.catalog, serverVersion: this.judgeContext.serverVersion })
    return judgeAhead(catalog, this.engine, request, then)
  }

  /** Type of the client's next message when it has already arrived whole (e.g. the Sync after an Execute). */
  nextMessageType(): string | undefined {
    return this.deps.source.nextType()
  }

  /** A statement is waiting for a reviewer. */
  get holding(): boolean {
    return this.hold !== undefined
  }

  /** True when a statement is waiting for a reviewer: a cancel request then ends the hold, not a server query. */
  abortHold(reason: HoldAbort): boolean {
    if (!this.hold) return false
    this.hold.abort(reason)
    return true
  }

  /** A refusal the gateway makes without asking the policy (no SQL text, unknown names). */
  protocolDenial(raw: string, rule: string, error: PgError): Verdict {
    const decision = { effect: 'deny' as const, reasons: [{ rule, message: error.message }], obligations: { mask: [] } }
    const input = { command: { protocol: 'postgres', raw, digest: '', fingerprint: '' } } as unknown as InputDocument
    return { allow: false, judgement: { input, decision }, error }
  }

  newRun(text: string, verdict: Verdict, protocol: StatementRun['protocol']): StatementRun {
    const masks = verdict.judgement.decision.obligations.mask
    const cursor = hasType(verdict.judgement, 'fetch') ? this.statements.cursorMaskObligations() : []
    this.statementCount++
    this.watch?.ran(verdict.judgement.input.command?.sql?.statements ?? [])
    return {
      text,
      verdict,
      protocol,
      startedAt: performance.now(),
      masks: cursor.length ? [...masks, ...cursor] : masks,
      rows: 0,
      masked: 0,
      completed: 0,
      cursor: (name) => this.statements.portal(name),
    }
  }

  recordDenied(text: string, verdict: Verdict, via: string): void {
    this.statementCount++
    this.engine.audit.record(deniedEvent(this.session, auditedText(text, verdict), verdict, via))
  }

  /**
   * On a durable audit trail, records that a judged statement is about to reach the server and waits until the
   * record is stored (one commit serves every record of the same turn): no statement runs that the trail does
   * not hold. Returns the error to refuse it with when the record cannot be stored (fail closed; with
   * `audit.on_failure: continue` the sink resolves anyway).
   */
  async release(text: string, verdict: Verdict, via: string): Promise<PgError | undefined> {
    const audit = this.engine.audit
    if (!audit.durable) return undefined
    audit.record(releaseEvent(this.session, auditedText(text, verdict), verdict, via))
    try {
      await audit.durable()
      return undefined
    } catch (err) {
      return pgErrors.auditUnavailable(err instanceof Error ? err.message : String(err))
    }
  }

  recordRun(run: StatementRun): void {
    // A dry-run policy is judged while the event is built: after the relay has written the ReadyForQuery or
    // CommandComplete that follows (same turn, before any further I/O), so the client does not wait for it.
    if (run.verdict.judgement.dryRun) queueMicrotask(() => this.engine.audit.record(statementEvent(this.session, run)))
    else this.engine.audit.record(statementEvent(this.session, run))
  }

  close(): void {
    this.closed = true
    this.abortHold('disconnect')
    this.relay.wake()
  }

  /** Runs until the client leaves (resolves) or breaks the protocol (throws ProtocolError / PgError). */
  async run(): Promise<void> {
    const source = this.deps.source
    for (;;) {
      while (!this.closed && this.barrier && !this.barrier.wait.done && !this.relay.copyIn) {
        this.up.flush()
        await this.relay.changed()
      }
      if (this.closed) return
      if (this.barrier?.wait.done) {
        const then = this.barrier.then
        this.barrier = undefined
        then?.()
      }
      if (this.relay.queue.length >= MAX_PENDING_MESSAGES && !this.relay.copyIn) await this.drainPending()
      if (this.closed) return
      if (!source.hasFrame()) {
        this.up.flush()
        if (this.up.congested) await this.up.drained()
      }
      const f = await source.next()
      if (!f || this.closed) return
      if (f.type === 'X') return
      if (this.relay.copyIn) this.copyMessage(f)
      else await this.dispatch(f)
      if (this.closed) return
    }
  }

  /**
   * A long extended pipeline waits here for the server to answer half of what is pending (a Flush makes it
   * answer without a Sync). The relay's queue is shifted once per answer, and V8 moves a large array on every
   * shift: measured, 40,000 shifts of one array take 650 ms, 1,000 well under 1 ms.
   */
  private async drainPending(): Promise<void> {
    this.up.write(encodeFlush())
    this.draining = true
    try {
      while (!this.closed && this.relay.queue.length > MAX_PENDING_MESSAGES / 2 && !this.relay.failure && !this.relay.copyIn) {
        this.up.flush()
        await this.relay.changed()
      }
    } finally {
      this.draining = false
    }
  }

  /** The connection calls this after the relay consumed server bytes: wakes drainPending when it may go on. */
  relayProgressed(): void {
    if (this.draining && this.relay.queue.length <= MAX_PENDING_MESSAGES / 2) this.relay.wake()
  }

  /** While the server is in COPY FROM STDIN: the data stream belongs to the COPY statement judged before it. */
  private copyMessage(f: Frame): void {
    switch (f.type) {
      case 'd':
        this.relay.pushed++ // the data keeps the COPY from counting as idle (connection.ts watchTime)
        return this.up.write(f.raw)
      case 'c':
      case 'f':
        this.relay.copyIn = false
        return this.up.write(f.raw)
      case 'H':
      case 'S':
        // Ignored by the server during COPY; libpq sends them without noticing the command was COPY.
        return this.up.write(f.raw)
      default:
        throw new ProtocolError(`unexpected message "${f.type}" during COPY FROM STDIN`)
    }
  }

  /**
   * Decoders refuse names and text the server would read differently (over 63 bytes, invalid UTF-8) with a
   * non-fatal PgError: it is answered like a server error, and an extended batch is skipped up to Sync.
   */
  private dispatch(f: Frame): Promise<void> | void {
    try {
      return this.handle(f)
    } catch (err) {
      if (!(err instanceof PgError) || err.fatal) throw err
      this.refuseMessage(f, err)
    }
  }

  private refuseMessage(f: Frame, error: PgError): void {
    if (this.skipUntilSync || this.relay.serverSkipping) return
    const raw = `${MESSAGE_NAMES[f.type] ?? f.type} message`
    const verdict = this.protocolDenial(raw, 'warden.postgres.message_refused', error)
    if (f.type === 'Q') return refuseQuery(this, raw, verdict, 'simple')
    this.recordDenied(raw, verdict, 'extended')
    this.up.write(poisonExtended())
    this.relay.push({ kind: 'poison', error })
    this.skipUntilSync = true
  }

  private handle(f: Frame): Promise<void> | void {
    switch (f.type) {
      case 'Q': {
        const text = decodeQuery(f.payload)
        return this.judgeAhead(text, (ahead) => simpleQuery(this, text, f.raw, ahead))
      }
      case 'P': {
        const m = decodeParse(f.payload)
        return this.judgeAhead(m.text, (ahead) => parse(this, m, f.raw, ahead))
      }
      case 'B':
        return bind(this, decodeBind(f.payload), f.raw)
      case 'D':
        return describe(this, decodeDescribe(f.payload), f.raw)
      case 'E':
        return execute(this, decodeExecute(f.payload), f.raw)
      case 'C':
        return close(this, decodeClose(f.payload), f.raw)
      case 'S':
        return sync(this, f.payload, f.raw)
      case 'H':
        return flush(this, f.payload, f.raw)
      case 'F':
        return functionCall(this, decodeFunctionCall(f.payload))
      case 'd':
      case 'c':
      case 'f':
        // Outside COPY the server drops these too (e.g. data still in flight after COPY failed).
        return
      default:
        throw new ProtocolError(`unknown or unexpected message type "${f.type}" (0x${f.raw[0]!.toString(16)})`)
    }
  }
}
