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

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port })
      socket.once('connect', () => resolve(new RawClient(socket)))
      socket.once('error', reject)
    })
  }

  /** Opens a session: StartupMessage, the token as password, then everything up to ReadyForQuery. */
  static async session(port: number, opts: { token: string; database: string; params?: Record<string, string> }): Promise<RawClient> {
    const c = await RawClient.open(port)
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
