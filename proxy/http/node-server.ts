// Serves the HTTP gateway core over node's http/https servers: converts an IncomingMessage to a
// GatewayRequest, writes the GatewayResponse back (streaming bodies with backpressure), sends a 103 with the
// approval id when a request is held (to clients that read one), and pipes accepted protocol upgrades (exec, attach, port-forward).
import { EventEmitter } from 'node:events'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { Readable } from 'node:stream'
import type { Duplex } from 'node:stream'
import type { GatewayRequest, GatewayResponse, Handler, HeaderList } from './types.ts'
import { answerClientErrors } from './client-error.ts'
import { ConnectionSlots } from './connection-slots.ts'
import { errorReply, HttpGatewayError } from './errors.ts'
import { MAX_HEADER_BYTES } from './header-limit.ts'
import { SEND_TIMEOUT_MS, SendTimeout } from './send-timeout.ts'

export function pairHeaders(raw: string[]): HeaderList {
  const out: HeaderList = []
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!])
  return out
}

/**
 * The client going away before its response was finished, told two ways: `gone` emits 'abort' (undici's request
 * signal), and `signal`, an AbortSignal made on first use (holds, upgrades), aborted with the same reason.
 * `new AbortController()` measured ~3.5 µs, a request's largest single allocation here, and most requests
 * only ever need the emitter.
 */
export class ClientGone extends EventEmitter {
  aborted = false
  reason: 'disconnect' | undefined = undefined
  private controller: AbortController | undefined = undefined

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController()
      if (this.aborted) this.controller.abort(this.reason)
    }
    return this.controller.signal
  }

  disconnect(): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = 'disconnect'
    this.controller?.abort(this.reason)
    this.emit('abort')
  }
}

/**
 * `closed`: the response (or, for an upgrade, the socket) whose 'close' before it finished means the client is
 * gone. node emits 'close' after every response, sent whole or not: a finished one aborts nothing (aborting
 * dispatched an abort event to every listener of a request already done, a few per cent of the gateway's time).
 */
export function toGatewayRequest(req: http.IncomingMessage, mode: GatewayRequest['mode'], closed: { once(e: 'close', f: () => void): unknown; readonly writableFinished?: boolean }, extra: Partial<GatewayRequest> = {}): GatewayRequest {
  const gone = new ClientGone()
  // Not the request's own 'close': the request stream closes as soon as its body is read.
  closed.once('close', () => {
    if (!closed.writableFinished) gone.disconnect()
  })
  return {
    mode,
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    headers: pairHeaders(req.rawHeaders),
    body: req,
    client: req.socket.remoteAddress,
    get signal() {
      return gone.signal
    },
    gone,
    ...extra,
  }
}

/**
 * Writes a GatewayResponse to a node ServerResponse; a body stream that fails mid-way destroys the connection.
 * Headers node refuses to write (a Trailer beside a Content-Length, a name or value it finds invalid: an
 * upstream's, passed on) get a 502 instead; thrown from here they would end the process, every session with it.
 */
export function writeResponse(res: http.ServerResponse, out: GatewayResponse): void {
  // A client gone while its answer was made: the response closed already, and 'close' will not come again.
  if (out.done && res.closed) out.done()
  else if (out.done) res.once('close', out.done)
  try {
    res.writeHead(out.status, out.headers)
  } catch (err) {
    if (out.body !== undefined && !(out.body instanceof Uint8Array)) (out.body as Readable).on('error', () => undefined).destroy()
    return unwritable(res, err)
  }
  if (out.body === undefined) return void res.end()
  if (out.body instanceof Uint8Array) return void res.end(out.body)
  const body = out.body as Readable
  body.once('error', () => res.destroy())
  res.once('close', () => { if (!body.readableEnded) body.destroy() })
  body.pipe(res)
}

function unwritable(res: http.ServerResponse, err: unknown): void {
  if (res.headersSent) return void res.destroy()
  for (const name of res.getHeaderNames()) res.removeHeader(name)
  const body = JSON.stringify({ error: 'http.bad_upstream_answer', message: `the answer could not be passed on: its headers cannot be written (${(err as Error).message}); it was withheld` })
  res.writeHead(502, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) })
  res.end(body)
}

/** How long a refused upgrade's connection may stay open once its answer is written, for the client to close it. */
export const REFUSED_LINGER_MS = 5_000

/**
 * The connection of an upgrade that did not happen: what the client sent after its request head (bytes of a
 * protocol that never started, unshifted back onto the socket) is read and dropped, so the client's FIN is seen
 * and the socket closes. Left paused with those bytes in its buffer, the half-open socket never saw the FIN and
 * stayed open after the client had gone, one descriptor per refused request (a client without a token too), until
 * the listener's connections ran out. A client that never closes is closed REFUSED_LINGER_MS after the answer.
 */
function drainRefused(socket: Duplex): void {
  socket.resume()
  socket.once('finish', () => {
    const timer = setTimeout(() => socket.destroy(), REFUSED_LINGER_MS)
    timer.unref()
    socket.once('close', () => clearTimeout(timer))
  })
}

function writeUpgrade(socket: Duplex, out: GatewayResponse): void {
  if (!out.upgrade) {
    // A refusal, or an upstream that answered without upgrading: an ordinary response, delimited by closing.
    const lines = [`HTTP/1.1 ${out.status} ${http.STATUS_CODES[out.status] ?? ''}`]
    for (const [k, v] of Object.entries(out.headers)) {
      if (k === 'content-length' || k === 'transfer-encoding' || k === 'connection') continue
      for (const x of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${x}`)
    }
    lines.push('connection: close', '', '')
    if (out.done && socket.destroyed) out.done()
    else if (out.done) socket.once('close', out.done)
    drainRefused(socket)
    socket.write(lines.join('\r\n'))
    if (out.body === undefined || out.body instanceof Uint8Array) return void socket.end(out.body)
    const body = out.body as Readable
    body.once('error', () => socket.destroy())
    socket.once('close', () => body.destroy())
    body.pipe(socket)
    return
  }
  const { socket: upstream, head } = out.upgrade
  const lines = ['HTTP/1.1 101 Switching Protocols']
  for (const [k, v] of Object.entries(out.headers)) for (const x of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${x}`)
  socket.write(`${lines.join('\r\n')}\r\n\r\n`)
  if (head.byteLength) socket.write(head)
  upstream.pipe(socket)
  socket.pipe(upstream)
  const end = () => { upstream.destroy(); socket.destroy() }
  upstream.once('close', end)
  socket.once('close', end)
  upstream.once('error', end)
  socket.once('error', end)
  // A client gone before the 101 came emits no 'close' any more: the upstream stream would stay open.
  if (socket.destroyed || upstream.destroyed) end()
}

// Clients known to skip a 103 and wait for the final response. Python's http.client (urllib3, requests,
// botocore, gcloud) takes any 1xx but 100 as the final answer: the aws CLI printed `make_bucket: …` for a held
// CreateBucket and hung up, gcloud failed with `HTTPError 103`. Any other client gets the approval id in the
// final response only.
const earlyHintsClients = /^(curl|kubectl|Go-http-client|node|undici)\b/i

function readsEarlyHints(req: http.IncomingMessage): boolean {
  return req.httpVersionMajor === 1 && req.httpVersionMinor >= 1 && earlyHintsClients.test(String(req.headers['user-agent'] ?? ''))
}

/**
 * A body whose client waits for `100 Continue` (Expect: 100-continue, as the aws CLI and curl send with uploads):
 * the 100 goes out when the gateway starts reading it, after the request is judged for an upload, so a denied
 * or held upload is refused before its bytes are sent.
 */
function continuedBody(req: http.IncomingMessage, res: http.ServerResponse): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      if (!res.headersSent) res.writeContinue()
      return req[Symbol.asyncIterator]()
    },
  }
}

/**
 * Sends the approval id of a held request as a 103, to clients that read one. node sends a 103 only when it
 * carries a Link header; this one names the approval and asks nothing of the client. Returned unnamed: under
 * tsx a closure made as a named property is renamed (a defineProperty) each time, and one is made per request.
 */
function earlyHints(req: http.IncomingMessage, res: http.ServerResponse): (headers: Record<string, string>) => void {
  return (headers) => {
    if (!res.headersSent && readsEarlyHints(req)) res.writeEarlyHints({ link: `<urn:warden:approval:${headers['x-warden-approval']}>; rel="warden-approval"`, ...headers })
  }
}

/** Bytes of the upgraded protocol a client may send before its upgrade is answered that are kept for it. */
export const EARLY_UPGRADE_BYTES = 64 * 1024

/**
 * Reads what the client of an upgrade sends while the upgrade is judged or held, so that its leaving is seen:
 * an upgrade's socket is handed over paused, and a paused socket never sees the client's FIN. A held exec whose
 * client had gone stayed held, and ran on the upstream once a reviewer approved it. The bytes read (the
 * upgraded protocol's first, up to EARLY_UPGRADE_BYTES, then reading pauses) are put back when the answer comes;
 * the returned function does that.
 */
function watchWhileJudged(socket: Socket, gone: ClientGone): () => void {
  const early: Buffer[] = []
  let size = 0
  const onData = (d: Buffer) => {
    early.push(d)
    size += d.byteLength
    if (size >= EARLY_UPGRADE_BYTES) socket.pause()
  }
  const onEnd = () => gone.disconnect()
  socket.on('data', onData)
  socket.once('end', onEnd)
  return () => {
    socket.off('data', onData)
    socket.off('end', onEnd)
    socket.pause()
    if (early.length) socket.unshift(Buffer.concat(early))
  }
}

/** A client error in the gateway's error format (errors.ts errorReply). */
export const gatewayError = (code: string, message: string) => ({ body: `${JSON.stringify({ error: `http.${code}`, message })}\n` })

/** Attaches the handler to a server's request and upgrade events. */
export function attachHandler(server: http.Server, handle: Handler, mode: GatewayRequest['mode'], extra: (req: http.IncomingMessage) => Partial<GatewayRequest> = () => ({}), slots?: ConnectionSlots): void {
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse, expectsContinue: boolean) => {
    const greq = toGatewayRequest(req, mode, res, { ...extra(req), onHeld: earlyHints(req, res) })
    if (expectsContinue) greq.body = continuedBody(req, res)
    if (slots) greq.onCaller = (caller) => slots.asked(req.socket, caller)
    slots?.started(req.socket)
    handle(greq).then((out) => {
      slots?.ended(req.socket, out.caller)
      // Answered without a caller (no accepted token) before its body was read whole: node would read the rest of
      // the body to keep the connection, and with no request timeout (REQUEST_TIMEOUT_MS) a body trickled a chunk
      // at a time held it, never authenticated, for as long as the client kept sending. Closed after the answer.
      if (out.caller === undefined && !req.complete) res.shouldKeepAlive = false
      writeResponse(res, out)
    }, () => {
      slots?.ended(req.socket)
      res.destroy()
    }).catch(() => res.destroy())
  }
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => onRequest(req, res, false))
  server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => onRequest(req, res, true))
  // Left to node, an Expect other than 100-continue got a bare 417 with no body; nothing is read or forwarded.
  server.on('checkExpectation', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const expect = String(req.headers.expect ?? '').slice(0, 100)
    writeResponse(res, errorReply(new HttpGatewayError(417, 'http.expectation_failed', `Expect: ${expect} is not supported; only Expect: 100-continue is (or send the request without Expect)`)))
  })
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    // node hands an upgrade's socket over without its own error listener: a client gone before the answer
    // (EPIPE, ECONNRESET on the write) would otherwise be an unhandled error that ends the process.
    socket.on('error', () => socket.destroy())
    const greq = toGatewayRequest(req, mode, socket, extra(req))
    // The head (bytes after the request head) belongs to the upgraded protocol; the body of an upgrade request is empty.
    if (head.byteLength) socket.unshift(head)
    greq.body = undefined
    const judged = watchWhileJudged(socket, greq.gone as ClientGone)
    if (slots) greq.onCaller = (caller) => slots.asked(socket, caller)
    slots?.started(socket)
    handle(greq).then((out) => {
      slots?.ended(socket, out.caller)
      judged()
      writeUpgrade(socket, out)
    }, () => socket.destroy())
  })
}

export interface HttpListener {
  url: string
  address: AddressInfo
  close(): Promise<void>
}

/**
 * Client connections one HTTP listener holds at once. Without a bound, clients that connect and send nothing
 * (each held until the headers timeout, 60 s and more) took one descriptor each until the process had none
 * left, and every listener of the gateway (PostgreSQL's too) stopped accepting sessions and opening upstream
 * connections. Past it a new connection displaces the oldest one no accepted token has used
 * (connection-slots.ts), or is closed when there is none. Agents keep a few connections each.
 */
export const MAX_CONNECTIONS = 4096

/**
 * node's requestTimeout (300 s by default, from a request's first byte until its body is read) is off: an object
 * upload is judged without its body, which waits unread while the request is held for approval, and the timeout ran
 * on through the hold and cut the upload (408) although the client had sent every byte. A body sent slowly is only
 * an authenticated caller's (a request without an accepted token is answered before its body is read), bounded by
 * its token's lifetime and its share of the connections. The header timeout stays (60 s).
 */
export const REQUEST_TIMEOUT_MS = 0
/** A request head must arrive whole within this of its first byte; given explicitly, as node's default follows requestTimeout (0 would turn it off). */
export const HEADERS_TIMEOUT_MS = 60_000

export interface ReverseOptions {
  host: string
  port: number
  tls?: { cert: string | Buffer; key: string | Buffer }
  /** A connection whose client takes none of the output waiting for it this long is closed (send-timeout.ts). */
  sendTimeoutMs?: number
  /** Told of each connection closed so (to put it on record). */
  onSendTimeout?: (socket: Socket) => void
}

export async function listenReverse(handle: Handler, opts: ReverseOptions): Promise<HttpListener> {
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key, maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS }) : http.createServer({ maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS })
  server.keepAliveTimeout = 65_000
  const slots = new ConnectionSlots(MAX_CONNECTIONS)
  slots.attach(server)
  // Over TLS the socket that carries the responses is the TLS one: the raw socket under it writes nothing itself.
  const sends = new SendTimeout(opts.sendTimeoutMs ?? SEND_TIMEOUT_MS, undefined, opts.onSendTimeout)
  server.on(opts.tls ? 'secureConnection' : 'connection', (socket: Socket) => sends.watch(socket))
  attachHandler(server, handle, 'reverse', undefined, slots)
  answerClientErrors(server, gatewayError)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => resolve())
  })
  const address = server.address() as AddressInfo
  const host = address.address.includes(':') ? `[${address.address}]` : address.address
  return {
    url: `${opts.tls ? 'https' : 'http'}://${host}:${address.port}`,
    address,
    close: () => new Promise((resolve) => { sends.stop(); server.closeAllConnections(); server.close(() => resolve()) }),
  }
}
