// The PostgreSQL listener: accepts client connections, shares what sessions share (cancel keys, per-target
// catalog caches, the TLS context) and closes everything on close().
import net from 'node:net'
import tls from 'node:tls'
import type { TargetConfig } from '../../engine/config/types.ts'
import { loadAuditRedaction } from '../../engine/audit/index.ts'
import type { GatewayEngine } from '../../engine/gateway.ts'
import { connectBackend, type UpstreamTarget } from './backend.ts'
import { CallerSessions } from './caller-sessions.ts'
import { FailureTally } from '../../engine/audit/failure-tally.ts'
import { CancelRegistry } from './cancel.ts'
import { Catalog } from './catalog.ts'
import { Connection } from './connection.ts'
import { MessageBudget } from './message-budget.ts'
import { type ErrorFields, pgErrors } from './errors.ts'
import { ResultPlanner } from './masker.ts'
import { startingSource } from './source.ts'
import { encodeErrorResponse } from './messages/error-response.ts'

export type { UpstreamTarget } from './backend.ts'

export interface PostgresListenerOptions {
  /** Port 0 picks an ephemeral port. */
  host: string
  port: number
  /** PEM certificate and key; without them SSLRequest is answered 'N'. */
  tls?: { cert: string | Buffer; key: string | Buffer }
  /** Plaintext is accepted from loopback always; from other addresses only when true. */
  allowPlaintext: boolean
  engine: GatewayEngine
  /** Resolves a target's upstream connection and credentials (password_env etc.). */
  upstream(target: TargetConfig): UpstreamTarget
  /** How long a statement waits for an approval. */
  holdSeconds: number
  /** HMAC key for the `hash` mask strategy. */
  maskKey: Uint8Array
  /** The command a reviewer runs to approve, shown in the hold notice. */
  approvalHint?: (approvalId: string) => string
  /** A client must finish startup and authentication within this time (default 60 s, as PostgreSQL). */
  startupTimeoutMs?: number
  /** identity.clock_skew_seconds: a session ends this long after its token's exp (default 0). */
  clockSkewSeconds?: number
  /** Connections still starting up (not yet authenticated) held at once (default MAX_STARTING). */
  maxStarting?: number
  /** Of those, from one client address, an IPv6 one's /64 (default MAX_STARTING_PER_SOURCE). */
  maxStartingPerSource?: number
  /** Bytes of unread client messages over every session (default MAX_BUFFERED_MESSAGE_BYTES, message-budget.ts). */
  maxBufferedMessageBytes?: number
  /** After startup, the base time one message may take from its first byte (default 30 s, message-deadline.ts). */
  messageTimeoutMs?: number
}

/**
 * Connections that have not finished startup and authentication, held at once; past it a new connection is
 * refused at once (53300). Without a bound, clients that connect and send nothing (each held up to the startup
 * timeout, 60 s) took one descriptor each until the process had none left: no session could start, and the
 * sessions already running could no longer open the upstream connections they need (a cancel, the catalog).
 * A session starts in milliseconds: 256 starting at once is far more than real clients open.
 */
export const MAX_STARTING = 256

/**
 * Connections still starting up from one client address. Under MAX_STARTING alone, one address that connects and
 * sends nothing took every slot, and every other client was refused until its connections timed out.
 */
export const MAX_STARTING_PER_SOURCE = 64

export interface PostgresListener {
  address: { host: string; port: number }
  close(): Promise<void>
  connections(): number
  /** Bytes of unread client messages held now, over every session (message-budget.ts). */
  bufferedMessageBytes(): number
}

export async function startPostgresListener(opts: PostgresListenerOptions): Promise<PostgresListener> {
  await loadAuditRedaction()
  const secureContext = opts.tls ? tls.createSecureContext({ cert: opts.tls.cert, key: opts.tls.key }) : undefined
  const cancels = new CancelRegistry()
  const callers = new CallerSessions()
  const failures = new FailureTally(opts.engine.audit)
  const planners = new Map<string, { catalog: Catalog; planner: ResultPlanner }>()
  const messageBudget = new MessageBudget(opts.maxBufferedMessageBytes)
  const live = new Set<Connection>()
  const sockets = new Set<net.Socket>()

  const planner = (target: TargetConfig, upstream: UpstreamTarget): ResultPlanner => {
    let p = planners.get(target.name)
    if (!p) {
      const catalog = new Catalog(() => connectBackend(upstream, new Map([['application_name', 'warden-catalog']])))
      p = { catalog, planner: new ResultPlanner(catalog) }
      planners.set(target.name, p)
    }
    return p.planner
  }

  const maxStarting = opts.maxStarting ?? MAX_STARTING
  const maxPerSource = opts.maxStartingPerSource ?? MAX_STARTING_PER_SOURCE
  let starting = 0
  /** Per source, its connections still starting, oldest first, each with what ends its count. */
  const startingFrom = new Map<string, Map<Connection, () => void>>()

  /**
   * With every startup slot taken, the oldest starting connection of the source holding the most gives way to a
   * source holding fewer (at least two fewer, so two sources never take turns displacing each other). Refused
   * outright before: a few addresses that connect and send nothing held every slot, and every other client was
   * refused until their connections timed out; now each source keeps its share.
   */
  const makeRoomFor = (source: string): boolean => {
    const mine = startingFrom.get(source)?.size ?? 0
    let heaviest: Map<Connection, () => void> | undefined
    for (const conns of startingFrom.values()) if (!heaviest || conns.size > heaviest.size) heaviest = conns
    if (!heaviest || heaviest.size <= mine + 1) return false
    const [oldest, release] = heaviest.entries().next().value!
    release()
    oldest.terminate(pgErrors.startingDisplaced(maxStarting).fields)
    return true
  }

  const server = net.createServer((socket) => {
    socket.on('error', () => undefined)
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    const source = startingSource(socket.remoteAddress ?? '')
    // Room made for a source means it holds fewer than the heaviest, itself within maxPerSource.
    if (starting >= maxStarting && !makeRoomFor(source)) return refuse(socket, pgErrors.tooManyStarting(maxStarting).fields)
    if ((startingFrom.get(source)?.size ?? 0) >= maxPerSource) return refuse(socket, pgErrors.tooManyStartingFromSource(maxPerSource).fields)
    starting++
    let counted = true
    const started = () => {
      if (!counted) return
      counted = false
      starting--
      const conns = startingFrom.get(source)
      conns?.delete(conn)
      if (conns?.size === 0) startingFrom.delete(source)
    }
    const conn = new Connection(socket, {
      engine: opts.engine,
      upstream: opts.upstream,
      planner,
      cancels,
      callers,
      failures,
      secureContext,
      allowPlaintext: opts.allowPlaintext,
      holdSeconds: opts.holdSeconds,
      maskKey: opts.maskKey,
      approvalHint: opts.approvalHint,
      startupTimeoutMs: opts.startupTimeoutMs,
      messageBudget,
      messageTimeoutMs: opts.messageTimeoutMs,
      clockSkewSeconds: opts.clockSkewSeconds,
      onReady: started,
    })
    const conns = startingFrom.get(source) ?? new Map<Connection, () => void>()
    conns.set(conn, started)
    startingFrom.set(source, conns)
    live.add(conn)
    conn.run().catch(() => undefined).finally(() => {
      started()
      live.delete(conn)
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const addr = server.address() as net.AddressInfo

  return {
    address: { host: addr.address, port: addr.port },
    connections: () => live.size,
    bufferedMessageBytes: () => messageBudget.bytes,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const conn of live) conn.terminate()
      for (const socket of sockets) socket.destroy()
      for (const p of planners.values()) p.catalog.close()
      planners.clear()
      failures.flush()
      await closed
    },
  }
}

/** Answers a connection the listener will not start with PostgreSQL's own refusal, without reading from it. */
function refuse(socket: net.Socket, fields: ErrorFields): void {
  socket.end(encodeErrorResponse(fields))
  // A client that never reads its refusal does not hold the descriptor either.
  setTimeout(() => socket.destroy(), 1_000).unref()
}
