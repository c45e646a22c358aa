// Closes connections whose client stopped reading. node times out neither a response nor a socket whose writes
// stall, so a client that sent a request whole and never read its answer kept the connection (a proven slot, a
// request in flight, never displaced) until its token expired. Here a socket with output waiting, none of which
// the client took for `limitMs`, is closed: nginx's send_timeout. An idle connection (a quiet watch, a request held
// for approval, a kept-alive tunnel) has no output waiting, and a slow reader that takes some now and then is
// making progress: neither is touched.
import type { Socket } from 'node:net'
import type { AuditSink } from '../../engine/audit/types.ts'
import { outputTaken } from '../socket-output.ts'

/** How long output may wait with none of it taken (nginx's send_timeout default). */
export const SEND_TIMEOUT_MS = 60_000

interface Watched {
  /** How far its output has got (socket-output.ts). */
  taken: number
  /** When output was last seen taken, or seen with none waiting. */
  since: number
}

export class SendTimeout {
  private readonly watched = new Map<Socket, Watched>()
  private timer: NodeJS.Timeout | undefined

  /**
   * `checkEveryMs`: how often sockets are looked at (a stall is cut between limitMs and limitMs + checkEveryMs).
   * `onClose`: told of each socket closed, before it is destroyed (to put it on record).
   */
  constructor(private readonly limitMs = SEND_TIMEOUT_MS, private readonly checkEveryMs = Math.max(100, Math.min(limitMs / 4, 15_000)), private readonly onClose?: (socket: Socket) => void) {}

  watch(socket: Socket): void {
    if (socket.destroyed || this.watched.has(socket)) return
    this.watched.set(socket, { taken: outputTaken(socket), since: performance.now() })
    socket.once('close', () => {
      this.watched.delete(socket)
      if (this.watched.size === 0) this.stop()
    })
    if (!this.timer) {
      this.timer = setInterval(() => this.check(), this.checkEveryMs)
      this.timer.unref()
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  private check(): void {
    const now = performance.now()
    for (const [socket, w] of this.watched) {
      const taken = outputTaken(socket)
      if (socket.writableLength === 0 || taken !== w.taken) {
        w.taken = taken
        w.since = now
      } else if (now - w.since >= this.limitMs) {
        this.watched.delete(socket)
        this.onClose?.(socket)
        socket.destroy()
      }
    }
  }
}

/** Puts a connection closed for a stalled send on record. */
export function recordSendTimeout(audit: AuditSink, via: 'reverse' | 'forward', limitMs: number, targetOf: (socket: Socket) => string | undefined = () => undefined): (socket: Socket) => void {
  return (socket) => audit.record({
    type: 'error', time: new Date().toISOString(), protocol: 'http', via, target: targetOf(socket), client: socket.remoteAddress, code: 'http.send_timeout',
    message: `the client took none of the response waiting for it for ${Math.round(limitMs / 1000)} s; the gateway closed the connection`,
  })
}
