// Serves a web-standard `handle(Request): Promise<Response>` on node:http, the way hono's node adapter
// does: the request body is read whole (admin bodies are tiny, so it is capped), the response body is
// streamed as the client takes it (an audit export can be large), and close() ends idle keep-alive
// connections too so shutdown does not wait on them.
import { createServer } from 'node:http'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { CodedError } from '../../engine/errors.ts'
import { SAFE_HEADERS } from './json.ts'
import { answerClientErrors } from '../http/client-error.ts'
import { MAX_HEADER_BYTES } from '../http/header-limit.ts'

export type FetchHandler = (req: Request) => Promise<Response>

export interface AdminServer {
  address: { host: string; port: number }
  /** Base URL, e.g. http://127.0.0.1:8181 */
  url: string
  close(): Promise<void>
}

export class AdminServerError extends CodedError<string> {}

export const MAX_BODY_BYTES = 64 * 1024

export async function serveAdmin(handle: FetchHandler, opts: { host: string; port: number; onError?: (err: unknown) => void }): Promise<AdminServer> {
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    respond(handle, req, res, opts.host).catch((err) => {
      opts.onError?.(err)
      if (!res.headersSent) writeJson(res, 500, { error: { code: 'admin.internal', message: 'internal error in the admin API; see the gateway log' } })
      else res.destroy()
    })
  })
  answerClientErrors(server, (code, message) => ({ body: JSON.stringify({ error: { code: `admin.${code}`, message } }), headers: SAFE_HEADERS }))
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new AdminServerError('admin.listen', `start the admin API on ${opts.host}:${opts.port}: ${err.message}; change listeners.admin in the config`, { cause: err })))
    server.listen(opts.port, opts.host, () => resolve())
  })
  const { address, port } = server.address() as AddressInfo
  const host = address.includes(':') ? `[${address}]` : address
  return {
    address: { host: address, port },
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    }),
  }
}

/**
 * Methods a web-standard Request cannot carry (the Fetch standard forbids them) that node:http passes to the
 * request handler (it hands CONNECT to its own event, and its parser refuses TRACK): no route takes them.
 */
const FORBIDDEN_METHODS = new Set(['TRACE'])

async function respond(handle: FetchHandler, req: IncomingMessage, res: ServerResponse, host: string): Promise<void> {
  // Answered here: new Request() throws on them, which came out as a 500 and an error in the gateway log.
  if (FORBIDDEN_METHODS.has(req.method ?? '')) return writeJson(res, 405, { error: { code: 'route.method', message: `the admin API does not take ${req.method}` } })
  const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await readBody(req)
  if (body === null) return writeJson(res, 413, { error: { code: 'admin.body_too_large', message: `request body exceeds ${MAX_BODY_BYTES} bytes` } })
  // From the raw lines: node's req.headers keeps only the first of two Authorization (or Content-Type) headers,
  // where Headers joins them, so a request sending two is refused rather than read by its first.
  const headers = new Headers()
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? host}`)
  const response = await handle(new Request(url, { method: req.method, headers, body: body && new Uint8Array(body) }))
  res.writeHead(response.status, Object.fromEntries(response.headers))
  if (!response.body) return void res.end()
  try {
    await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), res)
  } catch (err) {
    // The client went away mid-body: nothing left to answer, and the stream's cancel has released its source.
    if ((err as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err
  }
}

/** The whole body, or null once it passes MAX_BODY_BYTES. */
async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) return null
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

function writeJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', ...SAFE_HEADERS })
  res.end(JSON.stringify(value))
}
