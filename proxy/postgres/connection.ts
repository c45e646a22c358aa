// One client connection, as a state machine: startup (TLS negotiation, StartupMessage) → authenticating (the
// password is the OIDC token) → connecting (the gateway's own upstream session) → ready (the query loop) →
// closed. Read top to bottom, it is the whole data path of a session.
import { randomUUID } from 'node:crypto'
import type net from 'node:net'
import type tls from 'node:tls'
import type { Duplex } from 'node:stream'
import type { GatewayEngine, SessionState } from '../../engine/gateway.ts'
import type { TargetConfig } from '../../engine/config/types.ts'
import { authFailureEvent, connectionEvent, deniedEvent, disconnectEvent, errorEvent, type ClientInfo } from './audit-events.ts'
import { type Backend, connectBackend, serverMajorVersion, type UpstreamTarget } from './backend.ts'
import { type CallerSessions, DEFAULT_MAX_SESSIONS_PER_CALLER } from './caller-sessions.ts'
import { type FailureTally, tallied } from '../../engine/audit/failure-tally.ts'
import { type CancelRegistry, sendUpstreamCancel } from './cancel.ts'
import { type ErrorFields, PgError, pgErrors, ProtocolError } from './errors.ts'
import type { FrameSource } from './frame-source.ts'
import type { MessageBudget } from './message-budget.ts'
import { MESSAGE_TIMEOUT_SECONDS } from './message-deadline.ts'
import { encodeAuthentication } from './messages/authentication.ts'
import { type BackendKeyData, encodeBackendKeyData } from './messages/backend-key-data.ts'
import { encodeErrorResponse } from './messages/error-response.ts'
import { encodeNegotiateProtocolVersion } from './messages/negotiate-protocol-version.ts'
import { encodeParameterStatus } from './messages/parameter-status.ts'
import { decodePasswordMessage } from './messages/password-message.ts'
import { encodeReadyForQuery } from './messages/ready-for-query.ts'
import { encodeTerminate } from './messages/terminate.ts'
import type { ResultPlanner } from './masker.ts'
import { createMasker } from './session-masker.ts'
import { Outbox } from './outbox.ts'
import type { StatementRun } from './pending.ts'
import { QueryLoop } from './query-loop.ts'
import { Relay } from './relay.ts'
import { ReportedSettings } from './reported-settings.ts'
import { SessionLocks } from './session-locks.ts'
import { SessionStatements } from './session.ts'
import { applyStatementEffect } from './statement-effects.ts'
import { negotiateStartup } from './startup.ts'
import { outputTaken } from '../socket-output.ts'
import { DEFAULT_MAX_IDLE_IN_TRANSACTION_SECONDS, DEFAULT_MAX_STATEMENT_SECONDS, DEFAULT_MAX_TRANSACTION_SECONDS, runningEntry, SpanWatch, StatementWatch, watchIntervalMs } from './time-limits.ts'
import { readStartupParams, setStatementOf, type Setting, type StartupParams } from './startup-params.ts'
import { atDeadline, MAX_TOKEN_CHARS, tokenDeadline } from '../../engine/identity/index.ts'

export type Step = 'startup' | 'authenticating' | 'connecting' | 'ready' | 'closed'

export interface ConnectionDeps {
  engine: GatewayEngine
  upstream(target: TargetConfig): UpstreamTarget
  /** The result planner (and its catalog cache) shared by every session of a target. */
  planner(target: TargetConfig, upstream: UpstreamTarget): ResultPlanner
  cancels: CancelRegistry
  /** Sessions each caller holds open, shared by every connection of the listener. */
  callers: CallerSessions
  /** Authentication failures, recorded one by one up to a rate, then counted (engine/audit/failure-tally.ts). */
  failures: FailureTally
  secureContext?: tls.SecureContext
  allowPlaintext: boolean
  holdSeconds: number
  maskKey: Uint8Array
  approvalHint?: (approvalId: string) => string
  startupTimeoutMs?: number
  /** Bytes of unread client messages, shared by every session of the listener (message-budget.ts). */
  messageBudget?: MessageBudget
  /** After startup, the base time a message may take from its first byte (message-deadline.ts; default 30 s). */
  messageTimeoutMs?: number
  /** identity.clock_skew_seconds: a session ends this long after its token's exp, when the verifier stops accepting it. */
  clockSkewSeconds?: number
  /** Called once the session is authenticated and ready (the listener counts connections still starting). */
  onReady?: () => void
}

const STARTUP_TIMEOUT_MS = 60_000
/**
 * The password message (the token): the longest token the verifier reads, with the message's length word, the
 * password's NUL and room for spaces around a pasted token. PostgreSQL's own bound (PG_MAX_AUTH_TOKEN_LENGTH,
 * 65535) refused tokens of 65531-65536 characters here that every HTTP listener and `warden eval` accepted.
 */
export const MAX_AUTH_MESSAGE_BYTES = MAX_TOKEN_CHARS + 1024
/** How long a session's start waits for the target's catalog cache to be warmed (only the first time). */
const WARM_WAIT_MS = 3_000

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err))

export class Connection {
  step: Step = 'startup'
  private stream: Duplex
  private readonly clientInfo: ClientInfo
  private session: SessionState | undefined
  /** Ends this session's count against its caller's limit (caller-sessions.ts). */
  private leaveCallerSessions: (() => void) | undefined
  private backend: Backend | undefined
  private upstreamTarget: UpstreamTarget | undefined
  private key: BackendKeyData | undefined
  /** The client's messages, once startup negotiated the stream; gives back its budget when the session ends. */
  private source: FrameSource | undefined
  private loop: QueryLoop | undefined
  /** The ready state's batched writers; whatever they hold goes out before the connection ends. */
  private outboxes: { up: Outbox; client: Outbox } | undefined
  private loopFailure: Error | undefined
  private startupParams: StartupParams | undefined
  private readonly startedAt = performance.now()
  private timeLimits: NodeJS.Timeout | undefined
  /** Stops the watch that ends the session when its token expires (token-lifetime.ts). */
  private stopTokenWatch: (() => void) | undefined
  /** The ready state's relay: what the server is running now. */
  private relay: Relay | undefined
  /** How long the running statement has run (watchTime), for the limit after the client leaves. */
  private statementWatch: StatementWatch | undefined

  constructor(private readonly socket: net.Socket, private readonly deps: ConnectionDeps) {
    this.stream = socket
    this.clientInfo = { address: socket.remoteAddress, tls: false }
    socket.setNoDelay(true)
    socket.on('error', () => this.loop?.close())
    socket.on('close', () => this.loop?.close())
  }

  /** The whole life of the connection; never throws. */
  async run(): Promise<void> {
    let reason = 'client closed the connection'
    // Like PostgreSQL's authentication_timeout: a client that never finishes starting up is dropped.
    const startupTimer = setTimeout(() => {
      this.sendFatal(new PgError({ severity: 'FATAL', code: '57014', message: 'canceling authentication due to timeout' }))
      this.stream.destroy()
      this.socket.destroy()
    }, this.deps.startupTimeoutMs ?? STARTUP_TIMEOUT_MS)
    startupTimer.unref()
    try {
      const source = await this.startup()
      if (!source) return
      this.source = source
      // Startup has its own timer; from here each message has its own deadline.
      source.limitMessageTime(this.deps.messageTimeoutMs ?? MESSAGE_TIMEOUT_SECONDS * 1000)
      const loop = await this.authenticateAndConnect(source)
      clearTimeout(startupTimer)
      this.step = 'ready'
      this.deps.onReady?.()
      await loop.run()
      if (this.loopFailure) throw this.loopFailure
    } catch (err) {
      reason = messageOf(err)
      this.sendFatal(err)
    } finally {
      clearTimeout(startupTimer)
      this.shutdown(reason)
    }
  }

  /** Ends the session from outside (gateway shutdown). */
  terminate(fields: ErrorFields = { severity: 'FATAL', code: '57P01', message: 'terminating connection due to administrator command' }): void {
    // A statement still running would go on on the server after the session ends (the server reads the
    // Terminate only once it is done): cancel it. A server with nothing running ignores the cancel.
    if (this.running()) this.cancelUpstream()
    this.sendFatal(new PgError(fields))
    this.loop?.close()
    this.source?.release()
    this.stream.destroy()
  }

  /** A CancelRequest with this session's key arrived. */
  cancel(): void {
    if (this.loop?.abortHold('cancel')) return
    // With none of the client's statements running the server would ignore it; it would cancel the gateway's own probe.
    if (this.running()) this.cancelUpstream()
  }

  /** Asks the server to cancel what this session's server process is running. */
  private cancelUpstream(): void {
    if (this.upstreamTarget && this.backend) sendUpstreamCancel(this.upstreamTarget, this.backend.key).catch(() => undefined)
  }

  /** True while the server runs a Query or Execute of this session. */
  private running(): boolean {
    return this.relay !== undefined && runningEntry(this.relay.queue) !== undefined
  }

  // ---- startup ----

  private async startup(): Promise<FrameSource | undefined> {
    const outcome = await negotiateStartup(this.socket, {
      secureContext: this.deps.secureContext,
      allowPlaintext: this.deps.allowPlaintext,
      remoteAddress: this.socket.remoteAddress,
      budget: this.deps.messageBudget,
    })
    if (outcome.kind === 'closed') return undefined
    if (outcome.kind === 'cancel') {
      this.deps.cancels.cancel(outcome.request)
      return undefined
    }
    this.stream = outcome.stream
    this.clientInfo.tls = outcome.tls
    if (outcome.stream !== this.socket) {
      outcome.stream.on('error', () => this.loop?.close())
      outcome.stream.on('close', () => this.loop?.close())
    }
    this.step = 'authenticating'
    const params = readStartupParams(outcome.params)
    this.startupParams = params
    if (params.protocolOptions.length || (outcome.protocol & 0xffff) !== 0) {
      this.stream.write(encodeNegotiateProtocolVersion({ newestMinor: 0, unrecognized: params.protocolOptions }))
    }
    return outcome.source
  }

  // ---- authenticating → connecting → ready ----

  private async authenticateAndConnect(source: FrameSource): Promise<QueryLoop> {
    const { engine } = this.deps
    const params = this.startupParams!
    this.stream.write(encodeAuthentication({ kind: 'cleartext' }))
    // Before authentication, a client may send only a message the size of a token: under the general frame limit,
    // each unauthenticated connection could make the gateway hold 64 MiB until its startup timeout.
    const limit = source.reader.maxBytes
    source.reader.maxBytes = MAX_AUTH_MESSAGE_BYTES
    const f = await source.next()
    source.reader.maxBytes = limit
    if (!f) throw new ProtocolError('connection closed during authentication')
    if (f.type !== 'p') throw new ProtocolError(`expected a password message, got "${f.type}"`)
    const token = decodePasswordMessage(f.payload)
    let identity
    try {
      identity = await engine.authenticate(token)
    } catch (err) {
      // Identity messages say why without echoing the token; strip it anyway in case one ever does.
      const why = token ? messageOf(err).split(token).join('[token]') : 'no token given'
      const code = (err as { code?: unknown }).code
      const failure = authFailureEvent(this.clientInfo, { user: params.user, database: params.database, code: typeof code === 'string' ? code : 'identity.error', message: why })
      this.deps.failures.record(`postgres:${failure.code}`, failure, tallied(failure))
      throw pgErrors.invalidPassword(why)
    }
    const target = engine.target(params.database)
    if (!target || target.kind !== 'postgres') {
      engine.audit.record(errorEvent(this.clientInfo, { code: 'target.unknown', message: `unknown PostgreSQL target "${params.database}" requested by ${identity.sub}` }))
      throw pgErrors.unknownDatabase(params.database)
    }
    const session: SessionState = { id: `ses_${randomUUID().replace(/-/g, '').slice(0, 20)}`, started_at: new Date().toISOString(), identity, target }
    const sessionLimit = target.upstream?.max_sessions_per_caller ?? DEFAULT_MAX_SESSIONS_PER_CALLER
    const caller = `${identity.issuer}\u0000${identity.sub}`
    this.leaveCallerSessions = this.deps.callers.enter(target.name, caller, sessionLimit)
    if (!this.leaveCallerSessions) {
      engine.audit.record(errorEvent(this.clientInfo, { target: target.name, code: 'postgres.too_many_sessions', message: `${identity.sub} already holds ${sessionLimit} sessions on target ${target.name}` }))
      throw pgErrors.tooManySessions(target.name, sessionLimit)
    }
    this.session = session
    // Its sessions' unread messages count in the caller's share of the listener's budget.
    source.chargeTo(caller)
    const settings = this.judgeSettings(session, params.settings)

    this.step = 'connecting'
    let backend: Backend
    try {
      this.upstreamTarget = this.deps.upstream(target)
      backend = await connectBackend(this.upstreamTarget, settings)
    } catch (err) {
      engine.audit.record(errorEvent(this.clientInfo, { session_id: session.id, target: target.name, code: (err as { code?: string }).code ?? 'upstream.error', message: messageOf(err) }))
      throw pgErrors.upstreamUnavailable(target.name, messageOf(err))
    }
    this.backend = backend
    const planner = this.deps.planner(target, this.upstreamTarget!)
    await planner.warm(WARM_WAIT_MS)
    if (this.stream.destroyed) throw new ProtocolError('client left while the gateway connected upstream')
    this.key = this.deps.cancels.issue(this)
    this.stream.write(Buffer.concat([
      encodeAuthentication({ kind: 'ok' }),
      ...[...backend.parameters].map(([name, value]) => encodeParameterStatus({ name, value })),
      encodeBackendKeyData(this.key),
      encodeReadyForQuery(backend.status),
    ]))
    engine.audit.record(connectionEvent(session, this.clientInfo, {
      application_name: backend.parameters.get('application_name') || undefined,
      server_version: backend.parameters.get('server_version'),
      settings: [...settings.keys()],
    }))
    const loop = this.startLoop(source, session, planner, backend)
    if (settings.has('search_path')) loop.searchPathChanged(false)
    this.endWithToken(token, session)
    return loop
  }

  /** Ends the session, whatever it is doing, once the token it logged in with is no longer accepted. */
  private endWithToken(token: string, session: SessionState): void {
    const deadline = tokenDeadline(token, this.deps.clockSkewSeconds ?? 0)
    this.stopTokenWatch = atDeadline(deadline, () => {
      const expired = new Date(deadline - (this.deps.clockSkewSeconds ?? 0) * 1000).toISOString()
      const message = `terminating connection: the token this session logged in with expired at ${expired} (warden)`
      this.deps.engine.audit.record(errorEvent(this.clientInfo, { session_id: session.id, target: session.target.name, code: 'token.expired', message }))
      this.terminate({ severity: 'FATAL', code: '28000', message, hint: 'Connect again with a new token (the password); a session lasts as long as the token it logged in with.' })
    })
  }

  /** Startup settings are judged as the SET statements they amount to; anything but allow refuses the session. */
  private judgeSettings(session: SessionState, settings: Setting[]): Map<string, string> {
    const out = new Map<string, string>()
    for (const s of settings) {
      const text = setStatementOf(s)
      const judgement = this.deps.engine.judge({ kind: 'sql', session, text })
      if (judgement.decision.effect !== 'allow') {
        const why = judgement.decision.reasons.map((r) => r.message).join('; ') || judgement.decision.effect
        const error = pgErrors.startupRefused(`startup parameter ${s.name}: ${why}`)
        this.deps.engine.audit.record(deniedEvent(session, text, { allow: false, judgement, error }, 'startup'))
        throw error
      }
      out.set(s.name, s.value)
    }
    return out
  }

  private startLoop(source: FrameSource, session: SessionState, planner: ResultPlanner, backend: Backend): QueryLoop {
    const up = new Outbox(backend.socket)
    const client = new Outbox(this.stream)
    this.outboxes = { up, client }
    const statements = new SessionStatements()
    const locks = new SessionLocks()
    let pauses = 0
    const pauseUpstream = (paused: boolean) => {
      pauses += paused ? 1 : -1
      if (pauses > 0) backend.socket.pause()
      else backend.socket.resume()
    }
    const relay: Relay = this.relay = new Relay({
      client,
      upstream: up,
      masker: createMasker(planner, this.deps.maskKey),
      finished: (run: StatementRun): void => loop.recordRun(run),
      statementCompleted: (run, index, tag) => {
        applyStatementEffect(run, index, statements, planner, tag)
        locks.completed(run)
      },
      transactionEnded: (through) => statements.transactionEnded(through),
      pauseUpstream,
    })
    relay.setClientEncoding(backend.parameters.get('client_encoding') ?? 'UTF8')
    relay.settings = new ReportedSettings(backend.parameters)
    relay.status = backend.status
    relay.onFailure = (err: Error) => this.failLoop(err)
    const loop: QueryLoop = new QueryLoop({
      engine: this.deps.engine,
      session,
      source,
      relay,
      statements,
      up,
      client,
      holdMs: this.deps.holdSeconds * 1000,
      approvalHint: this.deps.approvalHint,
      catalog: planner.catalog,
      serverVersion: serverMajorVersion(backend.parameters),
    })
    this.loop = loop
    // A refusal while the loop is not reading (it waits on the server) ends the session now, not at the next read.
    source.onRefused = (err) => this.failLoop(err)
    backend.socket.on('data', (chunk: Buffer) => {
      relay.receive(chunk)
      loop.relayProgressed()
      if (client.congested) {
        pauseUpstream(true)
        client.drained().then(() => pauseUpstream(false))
      }
    })
    const lost = () => this.failLoop(pgErrors.upstreamLost('the server closed the connection'))
    backend.socket.on('close', lost)
    backend.socket.on('error', lost)
    if (backend.leftover.length) relay.receive(backend.leftover)
    backend.socket.resume()
    this.watchTime(session.target, relay, loop, locks)
    return loop
  }

  /**
   * The client left while the server runs one of its statements. The server finishes it before it reads the
   * Terminate, as it would for a client that left directly, but the session's statement watch is gone: so the
   * statement is cancelled once it has run max_statement_seconds (counted from its start, not from the leaving),
   * unless the server is done and closed first.
   * Otherwise leaving would lift the limit: an agent could start a statement that never ends and go.
   */
  private limitAfterLeaving(backend: Backend): void {
    const head = this.relay && runningEntry(this.relay.queue)
    // No watch: the target has no statement limit.
    if (!this.statementWatch || !head) return
    // What the statement has run already counts: leaving just before the limit must not start it over.
    const timer = setTimeout(() => this.cancelUpstream(), this.statementWatch.leftMs(head))
    timer.unref()
    backend.socket.once('close', () => clearTimeout(timer))
  }

  /** The target's time limits (time-limits.ts): a statement running too long is cancelled, a session idle in a transaction too long ended. */
  private watchTime(target: TargetConfig, relay: Relay, loop: QueryLoop, locks: SessionLocks): void {
    const statementSeconds = target.upstream?.max_statement_seconds ?? DEFAULT_MAX_STATEMENT_SECONDS
    const idleSeconds = target.upstream?.max_idle_in_transaction_seconds ?? DEFAULT_MAX_IDLE_IN_TRANSACTION_SECONDS
    const transactionSeconds = target.upstream?.max_transaction_seconds ?? DEFAULT_MAX_TRANSACTION_SECONDS
    const limits = [statementSeconds, idleSeconds, transactionSeconds].filter((s) => s > 0)
    if (!limits.length) return
    const statements = this.statementWatch = statementSeconds > 0 ? new StatementWatch(statementSeconds * 1000) : undefined
    const idle = idleSeconds > 0 ? new SpanWatch(idleSeconds * 1000) : undefined
    const transaction = transactionSeconds > 0 ? new SpanWatch(transactionSeconds * 1000) : undefined
    // A client that reads none of the results waiting for it keeps its statement (and its locks) running: the
    // server blocks on sending, where a cancel is not taken. It counts as idle.
    const unread = idleSeconds > 0 ? new SpanWatch(idleSeconds * 1000) : undefined
    // Session-level advisory locks held count as one transaction open since they were first taken (session-locks.ts).
    const lockHeld = transactionSeconds > 0 ? new SpanWatch(transactionSeconds * 1000) : undefined
    const end = (fields: ErrorFields) => {
      clearInterval(this.timeLimits)
      this.terminate(fields)
    }
    this.timeLimits = setInterval(() => {
      if (statements?.overrun(runningEntry(relay.queue), relay.copyIn)) {
        loop.notice({
          severity: 'WARNING',
          code: '57014',
          message: `warden: cancelling the statement: it ran longer than ${statementSeconds} s, this target's limit (max_statement_seconds)`,
          hint: 'Ask the gateway operator to raise upstream.max_statement_seconds for this target, or make the statement cheaper.',
        })
        this.cancelUpstream()
      }
      // A COPY FROM STDIN waiting on the client holds its locks like an open transaction: idle unless fed.
      const inTransaction = relay.status !== 'I' || relay.openSinceSync
      const waitingInTransaction = relay.copyIn || (relay.queue.length === 0 && inTransaction)
      if (idle?.overrun(waitingInTransaction && !loop.holding, relay.pushed)) {
        end({
          severity: 'FATAL',
          code: '25P03',
          message: `terminating connection due to idle-in-transaction timeout (warden: this target's limit is ${idleSeconds} s, max_idle_in_transaction_seconds)`,
        })
        return
      }
      if (unread?.overrun(this.stream.writableLength > 0, outputTaken(this.stream))) {
        end({
          severity: 'FATAL',
          code: '57P05',
          message: `terminating connection: the client read none of the results waiting for it for ${idleSeconds} s (warden: this target's idle limit, max_idle_in_transaction_seconds)`,
        })
        return
      }
      // Holds too: each is bounded, but statements held one after another kept a transaction (and its locks) open
      // for as long as the client sent them. A hold still waiting when the limit comes ends with the session.
      if (transaction?.overrun(inTransaction || relay.queue.length > 0, relay.readyIdle)) {
        end({
          severity: 'FATAL',
          code: '25P04',
          message: `terminating connection due to transaction timeout (warden: this target's limit is ${transactionSeconds} s, max_transaction_seconds)`,
        })
        return
      }
      if (lockHeld?.overrun(locks.held, 0)) {
        end({
          severity: 'FATAL',
          code: '25P04',
          message: `terminating connection: it has held session-level advisory locks for ${transactionSeconds} s, this target's transaction limit (warden: max_transaction_seconds)`,
          hint: 'Release them with pg_advisory_unlock_all() when done, or take transaction-level ones (pg_advisory_xact_lock).',
        })
      }
    }, watchIntervalMs(Math.min(...limits) * 1000))
    this.timeLimits.unref()
  }

  /** The relay or the upstream failed: tell the client now (the loop may be waiting for it) and close. */
  private failLoop(err: Error): void {
    if (this.loopFailure || this.step === 'closed') return
    this.loopFailure = err
    if (err instanceof PgError && err.auditCode && this.session) {
      this.deps.engine.audit.record(errorEvent(this.clientInfo, { session_id: this.session.id, target: this.session.target.name, code: err.auditCode, message: err.message }))
    }
    this.sendFatal(err)
    this.loop?.close()
    this.stream.end()
  }

  // ---- closed ----

  private sendFatal(err: unknown): void {
    try {
      this.writeFatal(err)
    } catch {
      // Reporting must not fail the cleanup that follows; the connection is closed either way.
    }
  }

  private writeFatal(err: unknown): void {
    if (this.stream.destroyed || !this.stream.writable) return
    // Frames already relayed go first, as PostgreSQL would have sent them before failing.
    this.outboxes?.client.release()
    this.outboxes?.client.flush()
    let fields: ErrorFields
    if (err instanceof PgError) fields = err.fields
    else if (err instanceof ProtocolError) fields = pgErrors.protocolViolation(err.message).fields
    else fields = { severity: 'FATAL', code: 'XX000', message: `warden: internal error: ${messageOf(err)}` }
    this.stream.write(encodeErrorResponse({ ...fields, severity: 'FATAL' }))
  }

  private shutdown(reason: string): void {
    if (this.step === 'closed') return
    const wasReady = this.step === 'ready'
    this.step = 'closed'
    clearInterval(this.timeLimits)
    this.stopTokenWatch?.()
    this.leaveCallerSessions?.()
    this.loop?.close()
    this.source?.release()
    if (this.key) this.deps.cancels.revoke(this.key)
    // Messages the client pipelined before leaving (a Sync before Terminate) still reach the server.
    this.outboxes?.up.flush()
    this.outboxes?.client.release()
    this.outboxes?.client.flush()
    if (this.backend && !this.backend.socket.destroyed) {
      this.backend.socket.removeAllListeners('close')
      this.backend.socket.on('error', () => undefined)
      this.backend.socket.end(encodeTerminate())
      this.limitAfterLeaving(this.backend)
    }
    this.stream.end()
    setTimeout(() => this.stream.destroy(), 1000).unref()
    if (this.session && wasReady) {
      this.deps.engine.audit.record(disconnectEvent(this.session, {
        statements: this.loop?.statementCount ?? 0,
        duration_ms: Math.round(performance.now() - this.startedAt),
        reason,
      }))
    }
  }
}
