// Statements waiting for a reviewer, in this process: each waiter resolves with the decided request (decided
// here, or by another gateway and seen through the backend's change signal), ends its request as expired on
// its timeout, or, when its client goes away and nobody else waits for the request, expires it then.
import { ApprovalError } from './errors.ts'
import type { ApprovalRequest } from './types.ts'

interface Waiter {
  resolve(request: ApprovalRequest): void
  reject(err: unknown): void
  timer?: ReturnType<typeof setTimeout>
  detach(): void
}

export interface WaitersDeps {
  /** The request as stored now (effective status), or undefined when there is none. */
  fetch(id: string): Promise<ApprovalRequest | undefined>
  /** Marks a pending request expired and settles its waiters (through `settle`). */
  expire(id: string): Promise<ApprovalRequest>
  isClosed(): boolean
}

export function createWaiters(deps: WaitersDeps) {
  const byId = new Map<string, Set<Waiter>>()

  function remove(id: string, w: Waiter): number {
    const set = byId.get(id)
    set?.delete(w)
    if (set && !set.size) byId.delete(id)
    return set?.size ?? 0
  }

  function end(id: string, outcome: { request: ApprovalRequest } | { error: unknown }): void {
    const set = byId.get(id)
    if (!set) return
    byId.delete(id)
    for (const w of set) {
      w.detach()
      if ('request' in outcome) w.resolve(outcome.request)
      else w.reject(outcome.error)
    }
  }

  /** Ends the wait of every waiter of `id` with its expiry, or with the store's error when it cannot be written. */
  const timeout = (id: string) => deps.expire(id).catch((error: unknown) => end(id, { error }))

  return {
    settle(request: ApprovalRequest): void {
      if (request.status !== 'pending') end(request.id, { request })
    },

    wait(id: string, timeoutMs: number, signal?: AbortSignal): Promise<ApprovalRequest> {
      if (deps.isClosed()) return Promise.reject(closedError(id))
      return new Promise<ApprovalRequest>((resolve, reject) => {
        const onAbort = () => {
          w.detach()
          const left = remove(id, w)
          const aborted = new ApprovalError('approval.aborted', `stopped waiting for approval ${id}: the wait was aborted`, { cause: signal?.reason })
          // Nobody is left to receive the outcome, so a later approval would release nothing here; a store that
          // is closing keeps the request pending for after the restart.
          if (left || deps.isClosed()) return reject(aborted)
          deps.expire(id).then(() => reject(aborted), () => reject(aborted))
        }
        let done = false
        const w: Waiter = {
          resolve,
          reject,
          detach: () => {
            done = true
            clearTimeout(w.timer)
            signal?.removeEventListener('abort', onAbort)
          },
        }
        // Registered before the first read, so a decision made between the two is not missed.
        const set = byId.get(id) ?? new Set()
        set.add(w)
        byId.set(id, set)
        const preAborted = signal?.aborted === true
        if (!preAborted) signal?.addEventListener('abort', onAbort, { once: true })
        deps.fetch(id).then((current) => {
          if (done) return
          if (!current) {
            w.detach()
            remove(id, w)
            return reject(new ApprovalError('approval.not_found', `no approval request ${id}; it never existed or was decided too long ago`))
          }
          if (current.status !== 'pending') return end(id, { request: current })
          if (preAborted) {
            w.detach()
            remove(id, w)
            return reject(new ApprovalError('approval.aborted', `stopped waiting for approval ${id}: the wait was aborted`, { cause: signal?.reason }))
          }
          w.timer = setTimeout(() => void timeout(id), Math.max(0, timeoutMs))
        }, (err: unknown) => {
          w.detach()
          remove(id, w)
          reject(err)
        })
      })
    },

    /** Reads the waited requests among `ids` (all waited ones when undefined) and settles those decided. */
    async recheck(ids: readonly string[] | undefined): Promise<void> {
      for (const id of ids ?? [...byId.keys()]) {
        if (!byId.has(id)) continue
        const current = await deps.fetch(id)
        if (current && current.status !== 'pending') end(id, { request: current })
      }
    },

    /** Ends every wait with approval.closed; returns how many there were. */
    closeAll(): number {
      let n = 0
      for (const [id, set] of [...byId]) {
        n += set.size
        end(id, { error: closedError(id) })
      }
      return n
    },
  }
}

const closedError = (id: string) =>
  new ApprovalError('approval.closed', `the gateway stopped while approval ${id} was pending; it stays pending: once it is approved, run the statement again`)
