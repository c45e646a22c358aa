// Query cancellation. Each client gets the gateway's own (process id, secret) — never the server's — and a
// CancelRequest carrying it is mapped back to its session, which cancels a held statement itself or sends the
// server's real key on a fresh upstream connection.
// @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-CANCELING-REQUESTS
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto'
import { openUpstreamSocket, type UpstreamTarget } from './backend.ts'
import type { BackendKeyData } from './messages/backend-key-data.ts'
import type { CancelRequest } from './messages/cancel-request.ts'
import { encodeCancelRequest } from './messages/cancel-request.ts'

export interface Cancellable {
  cancel(): void
}

export class CancelRegistry {
  private readonly keys = new Map<number, { secret: Buffer; target: Cancellable }>()

  /** A fresh key for a session. */
  issue(target: Cancellable): BackendKeyData {
    let processId: number
    do processId = randomInt(1, 2 ** 31 - 1)
    while (this.keys.has(processId))
    const secret = randomBytes(4)
    this.keys.set(processId, { secret, target })
    return { processId, secret }
  }

  revoke(key: BackendKeyData): void {
    this.keys.delete(key.processId)
  }

  /** Cancels the matching session; false when no session has this key. */
  cancel(request: CancelRequest): boolean {
    const entry = this.keys.get(request.processId)
    if (!entry || entry.secret.length !== request.secret.length || !timingSafeEqual(entry.secret, request.secret)) return false
    entry.target.cancel()
    return true
  }

  size(): number {
    return this.keys.size
  }
}

/** Sends the server's own key to the server on a new connection, as libpq does. */
export async function sendUpstreamCancel(target: UpstreamTarget, key: BackendKeyData): Promise<void> {
  const socket = await openUpstreamSocket(target)
  await new Promise<void>((resolve) => {
    socket.on('error', () => resolve())
    socket.on('close', () => resolve())
    socket.end(encodeCancelRequest(key))
  })
}
