// Sends the canonical request to the target's upstream: TLS verified against the target's ca_file (else the
// system CAs), the gateway's credential injected. Ordinary requests go through one undici Agent per target:
// keep-alive, at most MAX_CONNECTIONS sockets per upstream origin (more requests queue rather than open more
// sockets). Protocol upgrades (exec, attach, port-forward) take a fresh node https socket each, since the socket
// leaves any pool once upgraded. Returns the upstream's response as a stream, or the upgraded socket.
import type { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type { Duplex, Readable } from 'node:stream'
import { Agent } from 'undici'
import type { TargetConfig } from '../../engine/config/types.ts'
import { type Outgoing, type UpstreamCredential, upstreamCredential } from './credentials.ts'
import { HttpGatewayError } from './errors.ts'
import type { Env } from './secrets.ts'

/** The upstream's answer: its status, its headers (lower-case names) and the body as a stream. */
export type UpstreamResponse = Readable & { statusCode?: number; headers: http.IncomingHttpHeaders }

export type UpstreamReply =
  | { kind: 'response'; res: UpstreamResponse }
  | { kind: 'upgrade'; res: http.IncomingMessage; socket: Duplex; head: Buffer }

export interface Upstream {
  /** Where a request to `path` + `query` goes: the configured url's origin and path prefix, or `fallback` (forward mode: the host asked for). */
  url(pathAndQuery: string, fallback?: string): URL
  /** `signal` or `gone` (an emitter undici takes as a signal) cancels the request; an upgrade listens on `signal`. */
  send(req: Outgoing, opts: { upgrade?: boolean; signal?: AbortSignal; gone?: EventEmitter }): Promise<UpstreamReply>
  /** The secret values of the gateway's credential, as the last request sent them. */
  secrets(): readonly string[]
  close(): void
}

/**
 * Sockets kept per upstream origin. Enough for the agents' concurrency; a burst beyond it queues in the gateway
 * instead of opening (and TLS-handshaking) ever more connections to the API.
 */
export const MAX_CONNECTIONS = 64

// undici was measured at about half the CPU of node's http client per request here (32 µs against 74 µs for a
// small keep-alive GET over TLS), and the upstream leg was the largest part of the gateway's own time.

/**
 * Whether a request carries body bytes, and so goes on a connection of its own that closes after its answer
 * (Connection: close). An upstream that answers without reading a body (CL.0: an endpoint
 * that ignores Content-Length) reads it as the start of the next request on the connection: on a pooled one,
 * another agent's, whose request line a trailing header in the body swallows, so the upstream ran the body's
 * request with that request's headers (the gateway's credential among them), unjudged, and answered it to the
 * other agent. A body can be judged as data, never as the request another parser may make of it. Bodiless
 * requests (most reads) keep their kept-alive connections; a request with a body pays one more connection.
 */
export function sendsBody(body: Uint8Array | Readable | undefined): boolean {
  return body instanceof Uint8Array ? body.byteLength > 0 : body !== undefined
}

const unconfigured = (t: TargetConfig, what: string) =>
  new HttpGatewayError(503, 'http.upstream_unconfigured', `target ${t.name} cannot be reached: ${what}`)

export function createUpstream(target: TargetConfig, env: Env): Upstream {
  const conf = target.upstream_http
  const credential: UpstreamCredential = upstreamCredential(target, env)
  let ca: Buffer | undefined
  let agent: Agent | undefined
  let single: Agent | undefined
  // The configured url's origin and path prefix, without a trailing slash.
  const configuredUrl = conf?.url ? new URL(conf.url) : undefined
  const configured = configuredUrl && `${configuredUrl.origin}${configuredUrl.pathname.replace(/\/+$/, '')}`

  /** The CA file, read once; a missing file is a 503 at request time, naming the file. */
  function caOf(): Buffer | undefined {
    if (conf?.ca_file && !ca) {
      try {
        ca = readFileSync(conf.ca_file)
      } catch (err) {
        throw unconfigured(target, `read upstream_http.ca_file ${conf.ca_file}: ${(err as Error).message}; put the upstream's CA certificate (PEM) there`)
      }
    }
    return ca
  }

  /**
   * The kept-alive pool, or (`oneShot`) the agent for requests with a body (sendsBody), each sent with undici's
   * `reset` (Connection: close). An agent of their own: in the kept-alive pool, after a few such requests undici
   * 7.30 stopped reusing connections for every later request, bodiless reads too (measured: one new TLS
   * connection per GET); its maxRequestsPerClient: 1 let two requests through on a connection.
   */
  function pool(oneShot = false): Agent {
    if (oneShot ? single : agent) return (oneShot ? single : agent)!
    const tls = credential.tls
    const made = new Agent({
      connections: MAX_CONNECTIONS,
      connect: { ca: caOf(), cert: tls?.cert, key: tls?.key, rejectUnauthorized: true },
      // Watch streams and held-open event streams stay idle for long stretches: no timeout on the answer
      // (node's client, used before, had none either); the client going away aborts the request.
      headersTimeout: 0,
      bodyTimeout: 0,
    })
    if (oneShot) single = made
    else agent = made
    return made
  }

  const failed = (url: URL, err: unknown) => new HttpGatewayError(502, 'http.upstream_failed', `target ${target.name}: upstream ${url.host} failed: ${(err as Error).message}`, { cause: err })

  function upgrade(req: Outgoing, headers: Record<string, string>, signal?: AbortSignal): Promise<UpstreamReply> {
    const lib = req.url.protocol === 'https:' ? https : http
    headers.host = req.url.host
    const tlsOptions = req.url.protocol === 'https:' ? { ca: caOf(), cert: credential.tls?.cert, key: credential.tls?.key } : {}
    return new Promise<UpstreamReply>((resolve, reject) => {
      const out = lib.request({
        method: req.method,
        protocol: req.url.protocol,
        hostname: req.url.hostname.replace(/^\[|\]$/g, ''),
        port: req.url.port || undefined,
        path: `${req.url.pathname}${req.url.search}`,
        headers,
        // An upgraded socket leaves the pool; a fresh one avoids tying a pooled socket to a long exec session.
        agent: false,
        ...tlsOptions,
        signal,
      })
      out.on('response', (res) => resolve({ kind: 'response', res }))
      out.on('upgrade', (res, socket, head) => resolve({ kind: 'upgrade', res, socket, head }))
      out.on('error', (err) => reject(failed(req.url, err)))
      out.end()
    })
  }

  return {
    url(pathAndQuery, fallback) {
      const base = conf?.url ? configured : fallback
      if (!base) throw unconfigured(target, `set targets[${target.name}].upstream_http.url (e.g. https://api.example:443) in the config`)
      // Concatenated, not resolved: URL resolution would normalize what canonicalize() already checked.
      const url = new URL(`${base}${pathAndQuery}`)
      // The credential goes to url's origin: it must be the base's, whatever the path or a host held.
      const origin = conf?.url ? configuredUrl!.origin : new URL(base).origin
      if (url.origin !== origin) throw new HttpGatewayError(400, 'http.ambiguous', `ambiguous request refused: ${JSON.stringify(`${base}${pathAndQuery}`.slice(0, 200))} would reach ${url.origin}, not ${origin}`)
      return url
    },
    async send(req, opts) {
      const headers = await credential.apply(req)
      if (opts.upgrade) return upgrade(req, headers, opts.signal)
      // A streamed body brings its own Content-Length (or none: chunked).
      if (req.body instanceof Uint8Array) headers['content-length'] = String(req.body.byteLength)
      else if (!req.body && req.method !== 'GET' && req.method !== 'HEAD') headers['content-length'] = '0'
      try {
        const oneShot = sendsBody(req.body)
        const res = await pool(oneShot).request({
          origin: req.url.origin,
          path: `${req.url.pathname}${req.url.search}`,
          method: req.method as 'GET',
          headers,
          body: req.body,
          reset: oneShot || undefined,
          signal: opts.gone ?? opts.signal,
        })
        const body = res.body as unknown as UpstreamResponse
        body.statusCode = res.statusCode
        body.headers = res.headers as http.IncomingHttpHeaders
        return { kind: 'response', res: body }
      } catch (err) {
        if (err instanceof HttpGatewayError) throw err
        throw failed(req.url, err)
      }
    },
    secrets: () => credential.secrets(),
    close() {
      void agent?.destroy()
      void single?.destroy()
    },
  }
}
