// A byte-level PostgreSQL client for tests that need exact frames: pipelines, cancel keys, malformed input.
import net from 'node:net'
import { FrameReader, type Frame } from '../framing.ts'
import { type BackendKeyData, decodeBackendKeyData } from '../messages/backend-key-data.ts'
import { decodeErrorResponse } from '../messages/error-response.ts'
import { encodePasswordMessage } from '../messages/password-message.ts'
import { encodeStartupMessage } from '../messages/startup-message.ts'
import { PROTOCOL_3_0 } from '../messages/startup-packet.ts'

export class RawClient {
  readonly frames: Frame[] = []
  private readonly reader = new FrameReader({ typed: true })
  private waiters: (() => void)[] = []
  private byteWaiter: ((b: number) => void) | undefined
  closed = false
  /** The BackendKeyData the gateway issued to this session. */
  key: BackendKeyData | undefined

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      if (this.byteWaiter && chunk.length) {
        const w = this.byteWaiter
        this.byteWaiter = undefined
        w(chunk[0]!)
        chunk = chunk.subarray(1)
      }
      this.reader.push(chunk)
      for (let f = this.reader.next(); f; f = this.reader.next()) this.frames.push({ ...f, raw: Buffer.from(f.raw), payload: Buffer.from(f.payload) })
      this.wake()
    })
    socket.on('close', () => {
      this.closed = true
      this.wake()
    })
    socket.on('error', () => undefined)
  }

  private wake(): void {
    const ws = this.waiters
    this.waiters = []
    for (const w of ws) w()
  }

  /** `localAddress`: another loopback address (127.0.0.2 …) to connect from, as another client host. */
  static open(port: number, localAddress?: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, ...(localAddress ? { localAddress } : {}) })
      socket.once('connect', () => resolve(new RawClient(socket)))
      socket.once('error', reject)
    })
  }

  /** Opens a session: StartupMessage, the token as password, then everything up to ReadyForQuery. */
  static async session(port: number, opts: { token: string; database: string; params?: Record<string, string>; localAddress?: string }): Promise<RawClient> {
    const c = await RawClient.open(port, opts.localAddress)
    const params = new Map([['user', 'agent'], ['database', opts.database], ...Object.entries(opts.params ?? {})])
    c.send(encodeStartupMessage({ protocol: PROTOCOL_3_0, params }))
    await c.until((fs) => fs.some((f) => f.type === 'R'))
    c.send(encodePasswordMessage(opts.token))
    const got = await c.until((fs) => fs.some((f) => f.type === 'Z' || f.type === 'E'))
    const err = got.find((f) => f.type === 'E')
    if (err) throw new Error(`session refused: ${decodeErrorResponse(err.payload).message}`)
    const k = got.find((f) => f.type === 'K')
    if (k) c.key = decodeBackendKeyData(k.payload)
    c.take()
    return c
  }

  /** The single-byte answer to SSLRequest / GSSENCRequest. */
  readByte(): Promise<string> {
    return new Promise((resolve) => {
      this.byteWaiter = (b) => resolve(String.fromCharCode(b))
    })
  }

  send(...bufs: Buffer[]): void {
    this.socket.write(Buffer.concat(bufs))
  }

  /** Waits until the frames received so far satisfy `done` (or the socket closes); returns them all. */
  async until(done: (frames: Frame[]) => boolean, timeoutMs = 15_000): Promise<Frame[]> {
    const deadline = Date.now() + timeoutMs
    while (!done(this.frames) && !this.closed) {
      if (Date.now() > deadline) throw new Error(`timed out waiting; got ${this.frames.map((f) => f.type).join('')}`)
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve)
        setTimeout(resolve, 100)
      })
    }
    return this.frames
  }

  /** Waits for `n` ReadyForQuery messages in total since the last take(). */
  readyCount(n: number, timeoutMs?: number): Promise<Frame[]> {
    return this.until((fs) => fs.filter((f) => f.type === 'Z').length >= n, timeoutMs)
  }

  /** Returns and forgets the frames received so far. */
  take(): Frame[] {
    return this.frames.splice(0)
  }

  close(): void {
    this.socket.destroy()
  }
}

/** Type letters of frames, e.g. "12DC" — readable assertions on message order. */
export const types = (frames: Frame[]): string => frames.map((f) => f.type).join('')

export const errorsOf = (frames: Frame[]) => frames.filter((f) => f.type === 'E').map((f) => decodeErrorResponse(f.payload))

// ---- Byte-exact frontend messages, for names and texts that are not valid UTF-8 or not what an encoder allows ----

/** Text or bytes, as sent: a string is UTF-8; a Buffer goes out as it is (invalid UTF-8, other encodings). */
export type Bytes = string | Buffer

const bytesOf = (b: Bytes): Buffer => (typeof b === 'string' ? Buffer.from(b, 'utf8') : b)
const cstr = (b: Bytes): Buffer => Buffer.concat([bytesOf(b), Buffer.from([0])])

function typed(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5)
  head.write(type, 0, 'latin1')
  head.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([head, body])
}

const int16 = (n: number): Buffer => {
  const b = Buffer.alloc(2)
  b.writeInt16BE(n)
  return b
}

export const rawMessages = {
  /** Query ('Q') with its text as given. */
  query: (text: Bytes): Buffer => typed('Q', cstr(text)),
  /** Parse ('P') with no parameter types. */
  parse: (name: Bytes, text: Bytes): Buffer => typed('P', Buffer.concat([cstr(name), cstr(text), int16(0)])),
  /** Bind ('B') without parameters; every result column in `format` (0 text, 1 binary). */
  bind: (portal: Bytes, statement: Bytes, format = 0): Buffer =>
    typed('B', Buffer.concat([cstr(portal), cstr(statement), int16(0), int16(0), int16(1), int16(format)])),
  describe: (kind: 'S' | 'P', name: Bytes): Buffer => typed('D', Buffer.concat([Buffer.from(kind), cstr(name)])),
  execute: (portal: Bytes, maxRows = 0): Buffer => {
    const n = Buffer.alloc(4)
    n.writeInt32BE(maxRows)
    return typed('E', Buffer.concat([cstr(portal), n]))
  },
  close: (kind: 'S' | 'P', name: Bytes): Buffer => typed('C', Buffer.concat([Buffer.from(kind), cstr(name)])),
  sync: (): Buffer => typed('S', Buffer.alloc(0)),
  flush: (): Buffer => typed('H', Buffer.alloc(0)),
  /** StartupMessage (protocol 3.0) with its key/value pairs in order, repeated keys and raw bytes allowed. */
  startup: (pairs: [Bytes, Bytes][]): Buffer => {
    const body = Buffer.concat([Buffer.from([0, 3, 0, 0]), ...pairs.flatMap(([k, v]) => [cstr(k), cstr(v)]), Buffer.from([0])])
    const len = Buffer.alloc(4)
    len.writeInt32BE(body.length + 4)
    return Buffer.concat([len, body])
  },
}

/**
 * Opens a session from a byte-exact StartupMessage; resolves to the client at ReadyForQuery, or to the
 * ErrorResponse fields when the gateway refuses the session.
 */
export async function rawSession(port: number, token: string, pairs: [Bytes, Bytes][]): Promise<{ client: RawClient } | { refused: ReturnType<typeof decodeErrorResponse> }> {
  const c = await RawClient.open(port)
  c.send(rawMessages.startup(pairs))
  let got = await c.until((fs) => fs.some((f) => f.type === 'R' || f.type === 'E'))
  if (!got.some((f) => f.type === 'E')) {
    c.send(encodePasswordMessage(token))
    got = await c.until((fs) => fs.some((f) => f.type === 'Z' || f.type === 'E'))
  }
  const err = got.find((f) => f.type === 'E')
  if (err || !got.some((f) => f.type === 'Z')) {
    c.close()
    return { refused: err ? decodeErrorResponse(err.payload) : { severity: 'FATAL', code: '08006', message: 'connection closed during startup' } }
  }
  const k = got.find((f) => f.type === 'K')
  if (k) c.key = decodeBackendKeyData(k.payload)
  c.take()
  return { client: c }
}

/** The start of a Query whose length word claims `claimed` bytes, and `bytes` of its text: a message left unfinished. */
export function largeQueryStart(bytes: number, claimed = 40 * 1024 * 1024): Buffer {
  const head = Buffer.alloc(5)
  head[0] = 'Q'.charCodeAt(0)
  head.writeInt32BE(claimed, 1)
  return Buffer.concat([head, Buffer.alloc(bytes, 'x')])
}

/** Polls an outcome (not a duration) every 10 ms, at most `tries` times; throws `what` when it never came. */
export async function pollUntil(done: () => boolean, what: string, tries = 1000): Promise<void> {
  for (let i = 0; i < tries && !done(); i++) await new Promise((r) => setTimeout(r, 10))
  if (!done()) throw new Error(what)
}
