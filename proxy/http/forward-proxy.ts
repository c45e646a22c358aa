// The forward proxy (HTTPS_PROXY=http://agent:TOKEN@127.0.0.1:PORT). A CONNECT is authenticated first
// (407 otherwise); a host with no target is refused (403) unless it is on the passthrough list (tunnelled
// uninspected, audited); otherwise the tunnel is answered 200 and TLS is terminated in-process with a leaf
// certificate from the gateway's CA, and each request inside goes through the same handler as reverse mode.
//
// Built on node's CONNECT event and tls.TLSSocket with an SNICallback rather than http-mitm-proxy, measured
// unfit here: its leaf certificates come from node-forge's synchronous 2048-bit RSA key generation (600–700 ms
// of blocked event loop per new host on this machine), it opens one more TLS server per host on a fresh port
// bound to 0.0.0.0 and re-dials each tunnel through it (a side door that skips the CONNECT's authentication),
// and it re-originates WebSocket upgrades with its own client, outside the judged forwarding path.
import http from 'node:http'
import net from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import { FailureTally, tallied } from '../../engine/audit/failure-tally.ts'
import type { Duplex } from 'node:stream'
import { TLSSocket } from 'node:tls'
import type { TargetConfig } from '../../engine/config/types.ts'
import type { GatewayEngine } from '../../engine/gateway.ts'
import { atDeadline, tokenDeadline } from '../../engine/identity/index.ts'
import type { Identity } from '../../engine/types.ts'
import { readCredential } from './agent-credential.ts'
import type { LeafIssuer } from './ca.ts'
import { HttpGatewayError } from './errors.ts'
import { answerClientErrors } from './client-error.ts'
import { headerValues } from './headers.ts'
import { callerKey, ConnectionSlots } from './connection-slots.ts'
import { attachHandler, gatewayError, type HttpListener, MAX_CONNECTIONS, pairHeaders, HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from './node-server.ts'
import { isPassthrough, requestAuthority, targetForHost } from './routes.ts'
import type { Handler } from './types.ts'
import { MAX_HEADER_BYTES } from './header-limit.ts'
import { recordSendTimeout, SEND_TIMEOUT_MS, SendTimeout } from './send-timeout.ts'

export interface ForwardProxyOptions {
  host: string
  port: number
  engine: GatewayEngine
  targets: readonly TargetConfig[]
  passthrough: readonly string[]
  leaves: LeafIssuer
  handle: Handler
  /** identity.clock_skew_seconds: a passthrough tunnel ends this long after its token's exp (default 0). */
  clockSkewSeconds?: number
  /** Time limits inside tunnels; those not given are the defaults below (tests shorten them). */
  tunnelLimits?: Partial<TunnelLimits>
}

export interface TunnelLimits {
  /** A tunnel's TLS handshake must end within this (tls.Server's handshakeTimeout). */
  handshakeMs: number
  /** A request head, from its first byte (node's headersTimeout). */
  headersMs: number
  /** How often node checks the head limit (its connectionsCheckingInterval). */
  checkEveryMs: number
  /** Output may wait this long with none of it taken (send-timeout.ts); checked every checkEveryMs. */
  sendMs: number
}

const TUNNEL_LIMITS: TunnelLimits = { handshakeMs: 120_000, headersMs: HEADERS_TIMEOUT_MS, checkEveryMs: 30_000, sendMs: SEND_TIMEOUT_MS }

/**
 * Tunnels one caller (issuer and subject) holds open at once. Tunnels are connections, and a listener holds at most
 * MAX_CONNECTIONS: without a share, one agent's idle tunnels (each kept 65 s and more) left every other agent's new
 * connections dropped as they were accepted. Agents' tools keep a few each.
 */
export const MAX_TUNNELS_PER_CALLER = 256

interface Tunnel {
  authority: string
  proxyAuthorization?: string
  sni?: string
}

function refuse(socket: Duplex, err: HttpGatewayError): void {
  const body = `${JSON.stringify({ error: err.code, message: err.message })}\n`
  const head = [`HTTP/1.1 ${err.status} ${http.STATUS_CODES[err.status] ?? ''}`, 'content-type: application/json', `content-length: ${Buffer.byteLength(body)}`, 'connection: close']
  for (const [k, v] of Object.entries(err.headers)) head.push(`${k}: ${v}`)
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`)
}

export async function listenForward(opts: ForwardProxyOptions): Promise<HttpListener> {
  const { engine } = opts
  const tunnels = new WeakMap<object, Tunnel>()
  const perCaller = new Map<string, number>()
  const failures = new FailureTally(engine.audit)
  /** Counts one more tunnel of `identity` until `socket` closes; false when it holds its share already. */
  const enter = (identity: { issuer: string; sub: string }, socket: Socket): boolean => {
    const key = callerKey(identity)
    const n = perCaller.get(key) ?? 0
    if (n >= MAX_TUNNELS_PER_CALLER) return false
    perCaller.set(key, n + 1)
    socket.once('close', () => {
      const rest = (perCaller.get(key) ?? 1) - 1
      if (rest > 0) perCaller.set(key, rest)
      else perCaller.delete(key)
    })
    return true
  }
  // Sockets that left the HTTP server with CONNECT: closed with the listener.
  const open = new Set<Duplex>()
  // Never listens: it parses the HTTP inside each intercepted tunnel, with the same header limit as the listeners.
  const limits = { ...TUNNEL_LIMITS, ...opts.tunnelLimits }
  // No request timeout (REQUEST_TIMEOUT_MS, node-server.ts): it would cut uploads held for approval.
  const inner = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: limits.headersMs, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: limits.checkEveryMs })
  // Node starts checking the header timeout on 'listening': a server that never listens timed out nothing, and a
  // tunnel that sent part of a request head was held until its token expired. Started here, such a request is
  // answered 408 and its tunnel closed, as on the reverse listener.
  inner.emit('listening')
  answerClientErrors(inner, gatewayError)
  inner.keepAliveTimeout = 65_000
  // The tunnel's TLS socket has the name of the connection under it: each request inside a tunnel decides, as on
  // the reverse listener, whether the connection stays proven (a token expired since leaves it displaceable).
  const slots = new ConnectionSlots(MAX_CONNECTIONS)
  // A tunnel whose client stopped reading is closed, passthrough or intercepted (each named by its authority).
  const passthroughs = new WeakMap<object, string>()
  const sends = new SendTimeout(limits.sendMs, Math.min(limits.checkEveryMs, limits.sendMs), recordSendTimeout(engine.audit, 'forward', limits.sendMs, (s) => tunnels.get(s)?.authority ?? passthroughs.get(s)))
  attachHandler(inner, opts.handle, 'forward', (req) => ({ tunnel: tunnels.get(req.socket) }), slots)

  const audit = (authority: string, client: string | undefined, status: number, extra: Record<string, unknown>) =>
    engine.audit.record({ type: 'request', time: new Date().toISOString(), protocol: 'http', via: 'forward', method: 'CONNECT', target: authority, client, status, ...extra })

  /** Closes a tunnel to `authority` (`socket`, and what `also` closes) when the token that opened it expires, on record. */
  function closeAtExpiry(socket: Socket, token: string, identity: Identity, tunnel: 'tunnel' | 'passthrough tunnel', authority: string, client: string | undefined, also: () => void): void {
    const skew = opts.clockSkewSeconds ?? 0
    const deadline = tokenDeadline(token, skew)
    const stop = atDeadline(deadline, () => {
      const message = `the agent token that opened the ${tunnel} to ${authority} expired at ${new Date(deadline - skew * 1000).toISOString()}; the gateway closed it`
      engine.audit.record({ type: 'error', time: new Date().toISOString(), protocol: 'http', via: 'forward', target: authority, client, identity: { sub: identity.sub, issuer: identity.issuer, kind: identity.kind }, code: 'token.expired', message })
      also()
      socket.destroy()
    })
    socket.once('close', stop)
  }

  async function onConnect(req: http.IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    // As asked, for the record; the tunnel keeps the canonical form (see `canonical` below).
    const authority = req.url ?? ''
    const client = socket.remoteAddress
    slots.started(socket)
    open.add(socket)
    socket.once('close', () => open.delete(socket))
    socket.on('error', () => socket.destroy())
    /** Who asked, once authenticated. */
    let caller: string | undefined
    /** The CONNECT is answered in the slots: the tunnel is open for the caller. */
    let answered = false
    try {
      const { host, port } = requestAuthority(authority)
      // The one spelling of the host every reader inside the tunnel gets: lower case, no trailing dots, a port.
      // Kept as asked, each reader cut it its own way: `bucket.storage.googleapis.com..` was a bucket to the
      // normalizer (it drops every trailing dot) but not to hostNamesResource (it dropped one), so a read of
      // /other/key judged in `bucket` reached upstream_http.url as a read of the bucket `other`.
      const canonical = `${host}:${port}`
      // The raw header lines: node's req.headers keeps only the first of two Proxy-Authorization headers.
      const proxyAuthorizations = headerValues(pairHeaders(req.rawHeaders), 'proxy-authorization')
      const read = readCredential('Proxy-Authorization', proxyAuthorizations, ['Bearer', 'Basic'])
      const challenge = { 'proxy-authenticate': 'Basic realm="warden", charset="UTF-8"' }
      if ('malformed' in read) throw new HttpGatewayError(407, 'http.credential_malformed', `agent token refused: ${read.malformed}`, { headers: challenge })
      if ('missing' in read) throw new HttpGatewayError(407, 'http.token_missing', 'no agent token: send it as the proxy password (HTTPS_PROXY=http://agent:$TOKEN@host:port) or as Proxy-Authorization: Bearer', { headers: challenge })
      const { token } = read
      const proxyAuthorization = proxyAuthorizations[0]
      let identity
      try {
        identity = await engine.authenticate(token)
      } catch (err) {
        throw new HttpGatewayError(407, 'http.token_invalid', `agent token refused (${(err as { code?: string }).code ?? 'token.invalid'}): ${(err as Error).message}`, { cause: err, headers: challenge })
      }
      caller = identity.sub
      if (!enter(identity, socket)) {
        throw new HttpGatewayError(429, 'http.busy', `too many tunnels: ${identity.sub} already holds ${MAX_TUNNELS_PER_CALLER} tunnels through this proxy (at most ${MAX_TUNNELS_PER_CALLER} at once, so that one caller cannot take every connection); close some, or reuse kept-alive ones`, { headers: { 'retry-after': '1' } })
      }
      slots.ended(socket, callerKey(identity))
      answered = true
      if (isPassthrough(opts.passthrough, authority)) {
        // Uninspected, but on record: on a durable trail the tunnel is stored before any byte goes through it.
        audit(authority, client, 200, { passthrough: true, identity: { sub: identity.sub, issuer: identity.issuer, kind: identity.kind } })
        try {
          await engine.audit.durable?.()
        } catch (err) {
          throw new HttpGatewayError(503, 'http.audit_unavailable', `the audit trail could not store this passthrough tunnel to ${authority}, so it was not opened: ${err instanceof Error ? err.message : String(err)}; retry once the audit store is back (an operator may set audit.on_failure: continue)`, { cause: err })
        }
        const upstream = net.connect({ host: host.replace(/^\[|\]$/g, ''), port })
        // Nothing inside the tunnel is verified again: it lasts as long as the token that opened it.
        closeAtExpiry(socket, token, identity, 'passthrough tunnel', authority, client, () => upstream.destroy())
        upstream.once('connect', () => {
          socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
          if (head.byteLength) upstream.write(head)
          upstream.pipe(socket)
          socket.pipe(upstream)
          passthroughs.set(socket, authority)
          sends.watch(socket)
        })
        upstream.once('error', (err) => refuse(socket, new HttpGatewayError(502, 'http.upstream_failed', `passthrough ${authority}: ${err.message}`)))
        socket.once('close', () => upstream.destroy())
        return
      }
      if (!targetForHost(opts.targets, canonical)) {
        throw new HttpGatewayError(403, 'http.unknown_host', `no target serves ${authority}: add the host to a target's upstream_http.hosts, or to listeners.http_proxy.passthrough to tunnel it uninspected`)
      }
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.byteLength) socket.unshift(head)
      const tunnel: Tunnel = { authority: canonical, proxyAuthorization }
      const tls = new TLSSocket(socket, {
        isServer: true,
        ALPNProtocols: ['http/1.1'],
        SNICallback: (servername, cb) => {
          try {
            // A leaf is signed only for the host the CONNECT named (canonicalize() refuses the request anyway).
            if (servername.toLowerCase().replace(/\.+$/, '') !== host.replace(/^\[|\]$/g, '')) throw new Error(`TLS server name ${JSON.stringify(servername.slice(0, 200))} differs from the CONNECT host ${host}`)
            tunnel.sni = servername
            cb(null, opts.leaves.context(servername))
          } catch (err) {
            cb(err as Error)
          }
        },
        // Clients that send no SNI (an IP address) get a leaf for the CONNECT host.
        secureContext: opts.leaves.context(host.replace(/^\[|\]$/g, '')),
      })
      tls.on('error', () => tls.destroy())
      // A handshake that never ends (a CONNECT and then silence) holds the connection as a proven tunnel would.
      const handshake = setTimeout(() => tls.destroy(), limits.handshakeMs).unref()
      tls.once('secure', () => clearTimeout(handshake))
      tls.once('close', () => clearTimeout(handshake))
      // Each request inside is verified on the CONNECT's token, so none is accepted past its expiry; the tunnel
      // itself lasts no longer than its token either, as a passthrough tunnel does.
      closeAtExpiry(socket, token, identity, 'tunnel', authority, client, () => tls.destroy())
      tunnels.set(tls, tunnel)
      sends.watch(tls)
      inner.emit('connection', tls)
    } catch (err) {
      const e = err instanceof HttpGatewayError ? err : new HttpGatewayError(500, 'http.internal', `CONNECT ${authority}: ${(err as Error).message}`, { cause: err })
      // Refused before anyone was authenticated (no token, a bad one, a malformed authority): anyone can send those.
      if (caller === undefined) {
        const event = { type: 'request' as const, time: new Date().toISOString(), protocol: 'http', via: 'forward', method: 'CONNECT', target: authority, client, status: e.status, error: e.code }
        failures.record(`connect:${e.code}`, event, tallied(event))
      } else audit(authority, client, e.status, { error: e.code })
      if (!answered) slots.ended(socket)
      refuse(socket, e)
    }
  }

  const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    // Plain-HTTP proxying would carry the agent's requests and token in clear text; only CONNECT is served.
    const body = `${JSON.stringify({ error: 'http.no_route', message: 'this is the Warden HTTPS proxy: only CONNECT (https:// URLs through HTTPS_PROXY) is served; plain http:// URLs are refused' })}\n`
    res.writeHead(403, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body)
  })
  slots.attach(server)
  answerClientErrors(server, gatewayError)
  server.on('connect', (req, socket: Socket, head: Buffer) => void onConnect(req, socket, head))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => resolve())
  })
  const address = server.address() as AddressInfo
  return {
    url: `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`,
    address,
    close: () => new Promise((resolve) => {
      failures.flush()
      sends.stop()
      server.closeAllConnections()
      inner.closeAllConnections()
      // Stops the timeout checks started above ('not running' is the expected answer of a server that never listened).
      inner.close(() => undefined)
      for (const s of open) s.destroy()
      server.close(() => resolve())
    }),
  }
}
