// Server → client. Every server message is matched against the head of the pending queue, so the relay knows
// which statement it belongs to: rows are masked before they leave, errors, notices and notifications are
// screened for the statement they arrive during (message-screen.ts), gateway errors replace the server's answer
// to a poison, and after an extended-protocol error the entries the server skips are dropped as it drops them.
// @see https://www.postgresql.org/docs/current/protocol-flow.html
import { PgError, pgErrors, ProtocolError } from './errors.ts'
import { FrameReader, type Frame } from './framing.ts'
import { decodeDataRow } from './messages/data-row.ts'
import { decodeErrorResponse, encodeErrorResponse } from './messages/error-response.ts'
import { decodeParameterStatus } from './messages/parameter-status.ts'
import { decodeReadyForQuery, encodeReadyForQuery, type TransactionStatus } from './messages/ready-for-query.ts'
import { decodeRowDescription, type FieldDescription } from './messages/row-description.ts'
import type { ResultMask } from './masker.ts'
import type { MaskObligation, SqlOutput } from '../../engine/types.ts'
import type { Outbox } from './outbox.ts'
import type { Entry, StatementRun } from './pending.ts'
import { pinnedValueHolds } from './pinned-settings.ts'
import { poisonQuery } from './poison.ts'
import { ReportedSettings } from './reported-settings.ts'
import { ResultRelay } from './results.ts'

/** Result masking as the relay uses it (session-masker.ts, bound to a catalog and key); all throw on failure. */
export interface ResultMasker {
  /** `outputs`: the lineage of the statement the result belongs to; undefined when not known (fails closed under column masks). */
  plan(fields: FieldDescription[], obligations: MaskObligation[], outputs: SqlOutput[] | undefined): ResultMask | undefined | Promise<ResultMask | undefined>
  /** `frame` undefined: no value changed, the received frame is forwarded as is. */
  row(payload: Buffer, plan: ResultMask, encoding: 'utf8' | 'latin1'): { frame: Buffer | undefined; masked: number }
  /**
   * An ErrorResponse, NoticeResponse or NotificationResponse screened for the run it arrives during (none:
   * `session` holds the content masks seen in this session), and as reading the `held` columns too: those of runs of
   * the open transaction that left work for its commit (a WITH HOLD cursor's query, a write's deferred checks).
   * Undefined when it goes out as received.
   */
  screen(f: Frame, run: StatementRun | undefined, session: MaskObligation[], held?: ReadonlySet<string>): Buffer | undefined
  /** The masked columns whose values texts during `run` could carry (message-screen.ts); none without masks. */
  maskedColumns(run: StatementRun): readonly string[]
}

/** Longest the relay works through buffered server messages in one turn of the event loop. */
const SLICE_MS = 8

export interface RelayHooks {
  client: Outbox
  upstream: Outbox
  masker: ResultMasker
  /** A run ended (completed, failed or skipped): audit it. */
  finished(run: StatementRun): void
  /** The n-th top-level statement of a run completed on the server: apply its session effects. */
  statementCompleted(run: StatementRun, index: number, tag: string): void
  /** A ReadyForQuery (answering the client's Sync or Query number `through`) said no transaction is open: what
   * lives only as long as one is gone. */
  transactionEnded(through: number | undefined): void
  /** The upstream stream must stop (masking a result) or may resume. */
  pauseUpstream(paused: boolean): void
}

/** Reverts the change a Parse or Bind made to the session's names, when the server did not make it. */
function undo(entry: Entry): void {
  if (entry.kind === 'parse' || entry.kind === 'bind') entry.undo?.()
}

/**
 * Whether some of a run's work may still be done after it is answered, up to the end of its transaction: a WITH HOLD
 * cursor's query runs to the end at commit, and a write's deferred constraints and constraint triggers fire there (or
 * at SET CONSTRAINTS … IMMEDIATE), with an error such as `Key (password)=(<the old value>) is still referenced`.
 */
const runsUntilCommit = (run: StatementRun) =>
  (run.verdict.judgement.input.command?.sql?.statements ?? []).some((s) => (s.type === 'declare_cursor' && s.detail.hold === true) || !s.read_only)

export class Relay {
  readonly queue: Entry[] = []
  private readonly reader = new FrameReader({ typed: true })
  private busy = false
  private slicing = false
  private sliceStart = 0
  private listeners: (() => void)[] = []
  /** The server is skipping messages until Sync after an extended-protocol error, and no Sync is queued yet. */
  serverSkipping = false
  /** The server is in COPY FROM STDIN and waits for the client's data. */
  copyIn = false
  status: TransactionStatus = 'I'
  /**
   * A Query or Execute went upstream since the last Sync: the server's transaction may hold its effects even
   * once it is answered, while `status` still reads as at the last ReadyForQuery.
   */
  ranSinceSync = false
  /**
   * An extended-protocol message went upstream since the last Sync (or Query): Parse, Bind and Execute start an
   * implicit transaction, which holds the locks they took until the Sync, though `status` still reads idle.
   */
  openSinceSync = false
  /** ReadyForQuery messages saying idle so far: at each, no transaction was open (time-limits.ts). */
  readyIdle = 0
  encoding: 'utf8' | 'latin1' = 'utf8'
  /** Messages queued so far, and COPY data sent (the session's activity, for time-limits.ts). */
  pushed = 0
  /** Set when the relay hit something it cannot continue from; the connection closes. */
  failure: Error | undefined
  onFailure: (err: Error) => void = () => {}

  private readonly results: ResultRelay
  /**
   * Detector and column obligations of this session's statements so far: server texts outside any statement are
   * screened by them (a notification from another session is held to the column rules: message-screen.ts).
   */
  private sessionMasks: MaskObligation[] = []
  private readonly sessionMaskKeys = new Set<string>()
  /**
   * The masked columns of runs answered in the open transaction that left work for its end (runsUntilCommit): a WITH
   * HOLD cursor's query, a write's deferred checks. Whatever the server says until then may carry their values.
   * Names, not runs: a transaction of a million writes keeps a few names.
   */
  private held = new Set<string>()
  /** Where the reported settings' values came from (reported-settings.ts); set with the server's values at startup. */
  settings = new ReportedSettings(new Map())

  constructor(private readonly hooks: RelayHooks) {
    this.results = new ResultRelay(hooks, () => this.encoding)
  }

  setClientEncoding(value: string): void {
    this.encoding = /^(utf-?8|unicode)$/i.test(value) ? 'utf8' : 'latin1'
  }

  /** Resolves at the next change of interest to the client loop: an entry finished or COPY began. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.listeners.push(resolve))
  }

  /** Wakes everything waiting in changed(), e.g. because the session is closing. */
  wake(): void {
    this.notify()
  }

  private notify(): void {
    const ls = this.listeners
    this.listeners = []
    for (const l of ls) l()
  }

  /** Queues what was just sent upstream. Returns false when the server will skip it (it is dropped here too). */
  push(entry: Entry): boolean {
    this.pushed++
    if ((entry.kind === 'query' || entry.kind === 'execute') && entry.run) this.noteSessionMasks(entry.run.masks)
    if (entry.kind === 'query' || entry.kind === 'execute') this.ranSinceSync = true
    this.openSinceSync = entry.kind !== 'sync' && entry.kind !== 'query' && entry.kind !== 'probe'
    if (entry.kind === 'sync') this.serverSkipping = this.ranSinceSync = false
    else if (this.serverSkipping) {
      this.discard(entry)
      return false
    }
    this.queue.push(entry)
    return true
  }

  /** A ReadyForQuery: outside a transaction, what runs answered so far left for its end is done (or gone). */
  private transactionState(status: TransactionStatus, through?: number): void {
    if (status === 'I') this.readyIdle++
    this.status = status
    this.settings.ready()
    if (status !== 'I') return
    this.held.clear()
    this.hooks.transactionEnded(through)
  }

  receive(chunk: Buffer): void {
    this.reader.push(chunk)
    this.pump()
  }

  private pump(): void {
    if (this.busy || this.failure) return
    // One slice spans every pump of the same synchronous run: a resumed socket emits all it buffered at once.
    if (!this.slicing) {
      this.slicing = true
      this.sliceStart = performance.now()
      queueMicrotask(() => {
        this.slicing = false
      })
    }
    for (;;) {
      let f: Frame | undefined
      try {
        f = this.reader.next()
        if (!f) break
        const wait = this.handle(f)
        if (wait) return this.pause(wait)
        // Masking rows with detectors costs ~10 ms a row of large values: past a slice, let other sessions run.
        if (performance.now() - this.sliceStart > SLICE_MS) {
          return this.pause(new Promise<void>((resolve) => setImmediate(resolve)))
        }
      } catch (err) {
        this.fail(err)
        return
      }
    }
    this.hooks.client.flush()
  }

  /** Stops reading server messages until `wait` settles, with the upstream paused and the client's output sent. */
  private pause(wait: Promise<void>): void {
    this.busy = true
    this.hooks.client.flush()
    this.hooks.pauseUpstream(true)
    wait.then(() => {
      this.busy = false
      this.hooks.pauseUpstream(false)
      this.pump()
    }, (err: unknown) => this.fail(err))
  }

  private fail(err: unknown): void {
    this.failure = err instanceof Error ? err : new Error(String(err))
    this.onFailure(this.failure)
  }

  private forward(f: Frame): void {
    this.hooks.client.write(f.raw)
  }

  private sendError(e: PgError): void {
    this.hooks.client.write(encodeErrorResponse(e.fields))
  }

  private noteSessionMasks(masks: MaskObligation[]): void {
    for (const m of masks) {
      if (m.detector === undefined && m.column === undefined) continue
      const key = JSON.stringify([m.detector, m.column, m.strategy])
      if (this.sessionMaskKeys.has(key)) continue
      this.sessionMaskKeys.add(key)
      const mask = m.detector !== undefined ? { detector: m.detector } : { column: m.column }
      this.sessionMasks = [...this.sessionMasks, { ...mask, ...(m.strategy ? { strategy: m.strategy } : {}) }]
    }
  }

  /** Server texts (errors, notices, notifications) screened for the statement running now (message-screen.ts). */
  private screen(f: Frame): Frame {
    const head = this.queue[0]
    const run = head?.kind === 'query' || head?.kind === 'execute' ? head.run : head?.kind === 'describe' ? head.forRun : undefined
    const raw = this.hooks.masker.screen(f, run, this.sessionMasks, this.held)
    return raw ? { type: f.type, payload: raw.subarray(5), raw } : f
  }

  private handle(received: Frame): Promise<void> | void {
    const f = received.type === 'E' || received.type === 'N' || received.type === 'A' ? this.screen(received) : received
    switch (f.type) {
      case 'N':
        // The probe's own (client_min_messages = debug: its name and text): the client sent nothing it answers.
        if (this.queue[0]?.kind === 'probe') return
        return this.forward(f)
      case 'A':
        return this.forward(f)
      case 'S': {
        const p = decodeParameterStatus(f.payload)
        // A pinned setting changed anyway (a path the gateway did not foresee): end the session, fail closed.
        if (!pinnedValueHolds(p.name, p.value)) throw pgErrors.pinnedSettingChanged(p.name, p.value)
        // A value no judged statement set (a function or trigger did) may carry a masked one: end the session, unsent.
        if (!this.settings.known(p.name, p.value, this.running())) throw pgErrors.settingChangedUnjudged(p.name)
        this.settings.note(p.name, p.value)
        if (p.name === 'client_encoding') this.setClientEncoding(p.value)
        return this.forward(f)
      }
    }
    const head = this.queue[0]
    if (!head) {
      // The server may end the session on its own (shutdown, idle timeout): pass the FATAL on.
      if (f.type === 'E') return this.forward(f)
      throw new ProtocolError(`server sent "${f.type}" with nothing pending`)
    }
    switch (head.kind) {
      case 'query':
        return this.onQuery(head, f)
      case 'execute':
        return this.onExecute(head, f)
      case 'describe':
        return this.onDescribe(head, f)
      case 'probe':
        return this.onProbe(head, f)
      case 'poison':
        if (f.type !== 'E') throw new ProtocolError(`server accepted a poisoned message (answered "${f.type}")`)
        this.queue.shift()
        if (head.error) this.sendError(head.error)
        return this.skipUntilSync()
      case 'sync':
        if (f.type === 'E') return this.forward(f)
        if (f.type !== 'Z') throw new ProtocolError(`expected ReadyForQuery, got "${f.type}"`)
        this.queue.shift()
        this.transactionState(decodeReadyForQuery(f.payload), head.boundary)
        this.hooks.client.release()
        this.forward(f)
        return this.notify()
      default: {
        const expected = { parse: '1', bind: '2', close: '3' }[head.kind]
        if (f.type === 'E') return this.extendedError(f)
        if (f.type !== expected) throw new ProtocolError(`expected "${expected}" for ${head.kind}, got "${f.type}"`)
        this.queue.shift()
        return this.forward(f)
      }
    }
  }

  // ---- simple Query ----

  private onQuery(head: Extract<Entry, { kind: 'query' }>, f: Frame): Promise<void> | void {
    const run = head.run
    switch (f.type) {
      case 'T':
        if (run?.maskFailed) return
        return this.then(run ? this.results.startResult(run, decodeRowDescription(f.payload)) : undefined, () => {
          if (!run?.maskFailed) this.forward(f)
        })
      case 'D':
        return this.results.row(run, f)
      case 'C':
        return this.results.commandComplete(run, f)
      case 'I':
        if (!run?.maskFailed) this.forward(f)
        return
      case 'E': {
        const e = decodeErrorResponse(f.payload)
        if (run) {
          run.serverError = true
          run.error ??= e.code
        }
        this.copyIn = false
        if (e.severity === 'FATAL' || e.severity === 'PANIC') return this.forward(f)
        if (head.replace === null || run?.maskFailed) return
        if (head.replace) {
          if (run) run.error = head.replace.fields.code
          return this.sendError(head.replace)
        }
        return this.forward(f)
      }
      case 'G':
        this.copyIn = true
        this.forward(f)
        return this.notify()
      case 'H':
        return this.results.copyOut(run, f)
      case 'd':
      case 'c':
        if (!run?.maskFailed) this.forward(f)
        return
      case 'Z':
        return this.endQuery(head, decodeReadyForQuery(f.payload), f)
      default:
        throw new ProtocolError(`unexpected "${f.type}" in a simple query response`)
    }
  }

  private endQuery(head: Extract<Entry, { kind: 'query' }>, status: TransactionStatus, f: Frame): void {
    const run = head.run
    this.queue.shift()
    this.copyIn = false
    if (run) this.finish(run)
    if (run?.maskFailed && status === 'T' && !this.queue.some((e) => e.kind !== 'probe')) {
      // The client saw an error; the server's transaction must fail too, as it would have in PostgreSQL.
      this.hooks.upstream.write(poisonQuery())
      this.hooks.upstream.flush()
      this.queue.push({ kind: 'query', replace: null, wait: head.wait, boundary: head.boundary })
      return
    }
    this.transactionState(status, head.boundary)
    head.wait.done = true
    this.hooks.client.write(f.type === 'Z' ? f.raw : encodeReadyForQuery(status))
    this.notify()
  }

  /** The gateway's search_path probe (search-path-watch.ts): answered to the watch, never to the client. */
  private onProbe(head: Extract<Entry, { kind: 'probe' }>, f: Frame): void {
    switch (f.type) {
      case 'D':
        head.values = decodeDataRow(f.payload).map((v) => (v === null ? null : v.toString('utf8')))
        return
      case 'E':
        head.failed = true
        return
      case 'Z': {
        this.queue.shift()
        const before = this.status
        this.status = decodeReadyForQuery(f.payload)
        // The client was told its transaction was open and well: the probe's failure aborted it unseen.
        if (head.failed && before === 'T') throw pgErrors.searchPathCheckAborted()
        head.wait.done = true
        head.answer(head.failed ? undefined : head.values, this.queue)
        return this.notify()
      }
      case '1':
      case '2':
      case '3':
      case 'C':
        return
      default:
        throw new ProtocolError(`unexpected "${f.type}" in the gateway's search_path probe`)
    }
  }

  // ---- extended protocol ----

  private onDescribe(head: Extract<Entry, { kind: 'describe' }>, f: Frame): Promise<void> | void {
    const hidden = head.forRun
    switch (f.type) {
      case 't':
        if (!hidden) this.forward(f)
        return
      case 'T':
        this.queue.shift()
        if (!hidden) return this.forward(f)
        return this.results.startResult(hidden, decodeRowDescription(f.payload))
      case 'n':
        this.queue.shift()
        if (!hidden) return this.forward(f)
        hidden.result = undefined
        return
      case 'E':
        return this.extendedError(f)
      default:
        throw new ProtocolError(`unexpected "${f.type}" in a Describe response`)
    }
  }

  private onExecute(head: Extract<Entry, { kind: 'execute' }>, f: Frame): void {
    const run = head.run
    switch (f.type) {
      case 'D':
        return this.results.row(run, f)
      case 'C':
      case 'I':
      case 's':
        this.queue.shift()
        if (f.type === 'C') this.results.commandComplete(run, f, () => this.finish(run))
        else {
          this.finish(run)
          if (!run.maskFailed) this.forward(f)
        }
        head.wait.done = true
        return this.notify()
      case 'E':
        return this.extendedError(f)
      case 'G': {
        // During COPY FROM STDIN the server ignores Sync and Flush: the client sends another Sync after CopyDone.
        const rest = this.queue.slice(1)
        if (rest.some((e) => e.kind !== 'sync')) throw new ProtocolError('messages other than Sync were pipelined behind COPY FROM STDIN')
        this.queue.length = 1
        this.copyIn = true
        // The client must see CopyInResponse to send its data: nothing may wait for the Sync's ReadyForQuery.
        this.hooks.client.release()
        this.forward(f)
        return this.notify()
      }
      case 'H':
        return this.results.copyOut(run, f)
      case 'd':
      case 'c':
        if (!run.maskFailed) this.forward(f)
        return
      default:
        throw new ProtocolError(`unexpected "${f.type}" in an Execute response`)
    }
  }

  /** The head extended message failed on the server: pass the error on, then drop what the server skips. */
  private extendedError(f: Frame): void {
    const head = this.queue.shift()!
    const e = decodeErrorResponse(f.payload)
    const run = head.kind === 'execute' ? head.run : head.kind === 'describe' ? head.forRun : undefined
    this.copyIn = false
    if (run) {
      run.serverError = true
      run.error ??= e.code
    }
    if (!run?.maskFailed) this.forward(f)
    this.skipUntilSync(head)
  }

  /** `failed`: the message the server just refused, before everything it now skips. */
  private skipUntilSync(failed?: Entry): void {
    const skipped = failed ? [failed] : []
    while (this.queue.length && this.queue[0]!.kind !== 'sync') skipped.push(this.queue.shift()!)
    // Each undo restores what its name meant just before its message. Undone latest first, every name ends as
    // it was before the first skipped message, as on the server (in message order, two Binds of one portal
    // name left it bound to the first one's statement).
    for (let i = skipped.length - 1; i >= 0; i--) undo(skipped[i]!)
    for (const entry of skipped) this.settle(entry)
    if (!this.queue.length) this.serverSkipping = true
    this.notify()
  }

  /** An entry the server will never answer. */
  private discard(entry: Entry): void {
    undo(entry)
    this.settle(entry)
  }

  /** Ends the bookkeeping of an entry the server will never answer (its undo done). */
  private settle(entry: Entry): void {
    if (entry.kind === 'execute' || entry.kind === 'query') {
      entry.wait.done = true
      if (entry.run && !entry.run.finished) {
        if (!entry.run.error) entry.run.skipped = true
        this.finish(entry.run)
      }
    }
    if (entry.kind === 'describe' && entry.forRun && !entry.forRun.finished) {
      entry.forRun.skipped = !entry.forRun.error
    }
    this.notify()
  }

  /** The run the server is answering now (a simple Query's ends only at its ReadyForQuery). */
  private running(): StatementRun | undefined {
    const head = this.queue[0]
    return head?.kind === 'query' || head?.kind === 'execute' ? head.run : undefined
  }

  private finish(run: StatementRun): void {
    if (run.finished) return
    run.finished = true
    this.settings.answered(run)
    if (runsUntilCommit(run)) for (const c of this.hooks.masker.maskedColumns(run)) this.held.add(c)
    this.hooks.finished(run)
  }

  private then(p: Promise<void> | void, next: () => void): Promise<void> | void {
    if (p) return p.then(next)
    next()
  }
}
