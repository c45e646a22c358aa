// Requests node's HTTP parser refuses before any handler sees them. Left to node, headers past MAX_HEADER_BYTES
// got a bare `431` with no body, so a client with a long token, cookie or header list was not told what the
// limit is or what to do. Here that 431 says both, in the listener's own error format; every other parse error
// is answered as node answers it.
import http from 'node:http'
import type { Duplex } from 'node:stream'
import { MAX_TOKEN_CHARS } from '../../engine/identity/index.ts'
import { MAX_HEADER_BYTES } from './header-limit.ts'

/** How long a refused connection is kept after its answer, reading and dropping what the client still sends. */
export const REFUSED_HEADERS_LINGER_MS = 5_000

export const HEADERS_TOO_LARGE = `request headers are larger than this listener reads: at most ${MAX_HEADER_BYTES} bytes (about ${Math.floor(MAX_HEADER_BYTES / 1024)} KiB) for the request line and all header lines together. The agent token may be up to ${MAX_TOKEN_CHARS} characters; send it once and leave out large cookies and other headers the gateway does not need`

/** node's own answers to the other parse errors (lib/_http_server.js socketOnError). */
const NODE_STATUS: Record<string, number> = { HPE_CHUNK_EXTENSIONS_OVERFLOW: 413, ERR_HTTP_REQUEST_TIMEOUT: 408 }

export interface Rendered {
  body: string
  headers?: Record<string, string>
}

/** Answers client errors on `server`; `render` makes the 431's body in the listener's error format. */
export function answerClientErrors(server: http.Server, render: (message: string) => Rendered): void {
  const answered = new WeakSet<Duplex>()
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // The parser reports an error for every later chunk of a connection it refused: answered once, drained.
    if (answered.has(socket)) return
    answered.add(socket)
    // As node: answer only when no response of this connection has started (a pipelined request's would be cut).
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage
    if (!socket.writable || inFlight?.headersSent) return void socket.destroy()
    if (err.code !== 'HPE_HEADER_OVERFLOW') {
      const status = NODE_STATUS[err.code ?? ''] ?? 400
      socket.write(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`)
      return void socket.destroy()
    }
    const { body, headers = {} } = render(HEADERS_TOO_LARGE)
    const head = [`HTTP/1.1 431 ${http.STATUS_CODES[431]}`, 'content-type: application/json', `content-length: ${Buffer.byteLength(body)}`, 'connection: close']
    for (const [k, v] of Object.entries(headers)) head.push(`${k}: ${v}`)
    // Closed gently: what the client is still sending is read and dropped, so its socket sees the answer and not a
    // reset (closing with unread bytes sends an RST, and a client may then lose the answer it had not read yet).
    socket.end(`${head.join('\r\n')}\r\n\r\n${body}`)
    socket.resume()
    const timer = setTimeout(() => socket.destroy(), REFUSED_HEADERS_LINGER_MS)
    timer.unref()
    socket.once('close', () => clearTimeout(timer))
  })
}
