// The connections one listener holds. Past the bound, refusing the newest connection let anyone who connects
// and sends nothing (or only requests without a token) lock every agent out until the flood ended. Here a
// connection proves itself when a request on it is answered for an accepted token (or a CONNECT opens a tunnel
// for one); until then it may be displaced. When the listener is full, a new connection closes the oldest
// connection that has not proved itself and has no request in flight; when there is none, the new one is closed.
// One caller proves at most a share of the connections: past it, its further connections stay displaceable, and
// its requests in flight on them do not keep them either, so a single agent token cannot hold every slot. The
// last answered request decides: one answered without an accepted token makes its connection displaceable again.
// With nothing unproven to spare, the caller proving the most gives up its oldest idle connection when it holds
// more than an even share with one caller more: sixteen tokens at their share no longer hold every slot.
import type { Server, Socket } from 'node:net'
import type { Identity } from '../../engine/types.ts'

interface Slot {
  socket: Socket
  /** The caller it proved itself for. */
  caller?: string
  /** Requests read whole and not yet answered on this connection. */
  inFlight: number
  /** A request in flight is its caller's past their share: it does not keep the connection from being displaced. */
  overShare?: boolean
}

/** A live TCP connection's name, the same on its raw socket and on the TLS socket over it. */
const keyOf = (socket: Socket) => `${socket.remoteAddress}|${socket.remotePort}`

/** Who a proven connection belongs to: issuer and subject. */
export const callerKey = (identity: Pick<Identity, 'issuer' | 'sub'>) => `${identity.issuer}\u0000${identity.sub}`

export class ConnectionSlots {
  private readonly slots = new Map<string, Slot>()
  /** Slots that may be displaced, oldest first (a Set keeps insertion order). */
  private readonly unproven = new Set<Slot>()
  /** Proven connections by caller, oldest first. */
  private readonly proven = new Map<string, Set<Slot>>()
  /** Connections closed to make room, and new ones closed for want of any. */
  displaced = 0
  refused = 0

  /** `callerShare`: the most connections one caller proves (default a sixteenth of `max`: 256 of 4,096). */
  constructor(private readonly max: number, private readonly callerShare = Math.max(1, Math.floor(max / 16))) {}

  get size(): number {
    return this.slots.size
  }

  /** Counts every connection the server accepts; call before the server has accepted any. */
  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.admit(socket))
  }

  private admit(socket: Socket): void {
    if (this.slots.size >= this.max && !this.displaceOne()) {
      this.refused++
      socket.destroy()
      return
    }
    const key = keyOf(socket)
    const slot: Slot = { socket, inFlight: 0 }
    this.slots.set(key, slot)
    this.unproven.add(slot)
    socket.once('close', () => {
      if (this.slots.get(key) === slot) this.slots.delete(key)
      this.unproven.delete(slot)
      if (slot.caller !== undefined) this.release(slot)
    })
  }

  private displaceOne(): boolean {
    for (const slot of this.unproven) {
      if (slot.inFlight > 0 && !slot.overShare) continue
      this.unproven.delete(slot)
      this.displaced++
      slot.socket.destroy()
      return true
    }
    return this.displaceProven()
  }

  /**
   * The oldest connection without a request in flight of the caller proving the most, when that is more than one and
   * more than an even share of the slots with one caller more (the newcomer's). A passthrough tunnel counts as idle:
   * the gateway sees no request in it. A caller whose every connection has a request in flight (held approvals,
   * responses it never reads) is passed over for the next heaviest over the share: looking at the heaviest alone, one
   * such caller kept every other caller's idle connections out of reach and the listener locked.
   */
  private displaceProven(): boolean {
    const share = Math.max(1, Math.floor(this.max / (this.proven.size + 1)))
    const heaviest = [...this.proven.values()].filter((slots) => slots.size > share).sort((a, b) => b.size - a.size)
    for (const slots of heaviest) {
      for (const slot of slots) {
        if (slot.inFlight > 0) continue
        this.release(slot)
        this.displaced++
        slot.socket.destroy()
        return true
      }
    }
    return false
  }

  /** A request on this connection (its raw or TLS socket) is being answered: it is not displaced meanwhile. */
  started(socket: Socket): void {
    const slot = this.slots.get(keyOf(socket))
    if (slot) slot.inFlight++
  }

  /**
   * A request in flight on this connection is `caller`'s (its token was accepted): the connection proves itself for
   * them now, or, past their share, its requests in flight no longer keep it. Else one token held every connection
   * it kept a request in flight on (a body never sent after 100 Continue, a held approval): all of them.
   */
  asked(socket: Socket, caller: string): void {
    const slot = this.slots.get(keyOf(socket))
    if (!slot) return
    if (slot.caller !== caller) this.unprove(slot)
    this.prove(slot, caller)
    if (slot.caller !== caller) slot.overShare = true
  }

  /**
   * The request is answered; `caller`: its token was accepted, so the connection proves itself for them. The last
   * answered request decides: one answered without an accepted token (none, or one that has expired since) leaves
   * the connection displaceable again, else a token accepted once kept its connection out of reach for good.
   */
  ended(socket: Socket, caller?: string): void {
    const slot = this.slots.get(keyOf(socket))
    if (!slot) return
    slot.inFlight = Math.max(0, slot.inFlight - 1)
    if (slot.inFlight === 0) slot.overShare = false
    if (slot.caller !== caller) this.unprove(slot)
    if (caller !== undefined) this.prove(slot, caller)
  }

  private prove(slot: Slot, caller: string): void {
    if (slot.caller !== undefined || slot.socket.destroyed) return
    const mine = this.proven.get(caller) ?? new Set<Slot>()
    if (mine.size >= this.callerShare) return
    mine.add(slot)
    this.proven.set(caller, mine)
    slot.caller = caller
    this.unproven.delete(slot)
  }

  private unprove(slot: Slot): void {
    if (slot.caller === undefined || slot.socket.destroyed) return
    this.release(slot)
    this.unproven.add(slot)
  }

  /** The slot proves nothing any longer. */
  private release(slot: Slot): void {
    const caller = slot.caller
    if (caller === undefined) return
    slot.caller = undefined
    const mine = this.proven.get(caller)
    mine?.delete(slot)
    if (mine?.size === 0) this.proven.delete(caller)
  }
}
