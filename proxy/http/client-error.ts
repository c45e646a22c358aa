// Requests node's HTTP parser refuses before any handler sees them. Left to node, they got a bare status with no
// body: headers past MAX_HEADER_BYTES a `431`, a malformed request a `400`, a slow one a `408`, oversized chunk
// extensions a `413`, so a client was not told what was wrong or what to do. Here each answer says both, in the
// listener's own error format, like the gateway's other errors.
import http from 'node:http'
import type { Duplex } from 'node:stream'
import { MAX_TOKEN_CHARS } from '../../engine/identity/index.ts'
import { MAX_HEADER_BYTES } from './header-limit.ts'

/** How long a refused connection is kept after its answer, reading and dropping what the client still sends. */
export const REFUSED_HEADERS_LINGER_MS = 5_000

export const HEADERS_TOO_LARGE = `request headers are larger than this listener reads: at most ${MAX_HEADER_BYTES} bytes (about ${Math.floor(MAX_HEADER_BYTES / 1024)} KiB) for the request line and all header lines together. The agent token may be up to ${MAX_TOKEN_CHARS} characters; send it once and leave out large cookies and other headers the gateway does not need`

/** A parse error's answer: node's status (lib/_http_server.js socketOnError), a code and what to do. */
interface ClientErrorAnswer {
  status: number
  /** The code after the listener's prefix (`http.`, `admin.`). */
  code: string
  message: string
}

/** At most this much of the parser's own reason is shown: it is fixed text, but never echo a long one. */
const REASON_CHARS = 120

function answerFor(err: NodeJS.ErrnoException & { reason?: unknown }): ClientErrorAnswer {
  if (err.code === 'HPE_HEADER_OVERFLOW') return { status: 431, code: 'headers_too_large', message: HEADERS_TOO_LARGE }
  if (err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') {
    return { status: 413, code: 'chunk_extensions_too_large', message: 'the chunked body carries chunk extensions larger than this listener reads, so it was not read whole; send the chunks without extensions' }
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, code: 'request_timeout', message: 'the request (its headers, or its whole body) did not arrive in time, so it was not read whole; send it again without pausing mid-request' }
  }
  const reason = typeof err.reason === 'string' ? err.reason : err.message
  const shown = reason.length > REASON_CHARS ? `${reason.slice(0, REASON_CHARS)}...` : reason
  return { status: 400, code: 'malformed_request', message: `the request is not valid HTTP/1.1 (${err.code ?? 'parse error'}: ${shown}), so it was not read; send it as a standard HTTP/1.1 client would` }
}

export interface Rendered {
  body: string
  headers?: Record<string, string>
}

/** The response a connection is answering (node's socket._httpMessage), and its request. */
interface InFlight {
  headersSent?: boolean
  shouldKeepAlive?: boolean
  req?: { complete?: boolean }
}

/** Answers client errors on `server`; `render` makes the answer's body in the listener's error format. */
export function answerClientErrors(server: http.Server, render: (code: string, message: string) => Rendered): void {
  const answered = new WeakSet<Duplex>()
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // The parser reports an error for every later chunk of a connection it refused: answered once, drained.
    if (answered.has(socket)) return
    answered.add(socket)
    // As node: answer only when no response of this connection has started (a pipelined request's would be cut).
    const inFlight = (socket as Duplex & { _httpMessage?: InFlight })._httpMessage
    if (!socket.writable || inFlight?.headersSent) return void socket.destroy()
    if (inFlight?.req?.complete) {
      // The bytes after an earlier request, read whole and still being answered (judged, held, forwarded): an
      // answer written now would be read as that request's, while it went on upstream. It gets its own answer,
      // with Connection: close, and the connection ends there; the refused bytes get none.
      inFlight.shouldKeepAlive = false
      return
    }
    const answer = answerFor(err)
    const { body, headers = {} } = render(answer.code, answer.message)
    const head = [`HTTP/1.1 ${answer.status} ${http.STATUS_CODES[answer.status]}`, 'content-type: application/json', `content-length: ${Buffer.byteLength(body)}`, 'connection: close']
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
