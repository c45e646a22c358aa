// One requester's share of an upstream's sockets. The gateway keeps at most MAX_CONNECTIONS sockets per upstream
// (upstream.ts), and a request holds one until its answer ends: one agent asking for more long-lived answers
// (watches, event streams, slow downloads) than that would leave every other session's request queued behind
// them. So a requester may have at most a quarter of them in flight per target. Past that its request waits for
// one of its own to end (a burst, such as kubectl's discovery, just queues), for WAIT_MS at most; then it is
// refused with 429 and Retry-After (kubectl, gcloud and the aws CLI retry those). Everyone else's still go.
// Upgraded streams (exec, attach, port-forward, WebSocket) have sockets of their own, counted in a share of
// their own that does not wait: each holds an upstream connection (and on Kubernetes a kubelet stream) for as
// long as it lasts.
import { MAX_CONNECTIONS } from './upstream.ts'
import { HttpGatewayError } from './errors.ts'

export const PER_REQUESTER = Math.max(1, Math.floor(MAX_CONNECTIONS / 4))
/** Longest a request waits for its requester's share. */
export const WAIT_MS = 10_000
/** Requests of one requester waiting at once; more are refused at once. */
const MAX_WAITING = 256

export interface UpstreamShares {
  /** One of the requester's slots on the target (waiting for it), or a 429; the function gives it back, once. */
  take(target: string, requester: string): Promise<() => void>
  /** Slots taken now on the target by the requester. */
  inFlight(target: string, requester: string): number
}

interface Share {
  taken: number
  waiting: Array<() => void>
}

export interface SharesOptions {
  limit?: number
  /** How long a request past its share waits; 0: refused at once (upgraded streams last too long to wait for). */
  waitMs?: number
  /** What is counted, for the refusal: `requests` (default) or e.g. `upgraded streams (exec, attach, port-forward, WebSocket)`. */
  what?: string
}

export function createUpstreamShares(opts: SharesOptions = {}): UpstreamShares {
  const limit = opts.limit ?? PER_REQUESTER
  const waitMs = opts.waitMs ?? WAIT_MS
  const what = opts.what ?? 'requests'
  const shares = new Map<string, Share>()
  const keyOf = (target: string, requester: string) => `${target}\u0000${requester}`
  const busy = (target: string, why: string) =>
    new HttpGatewayError(429, 'http.busy', `too many ${what} in flight: this caller already has ${limit} open to target ${target} (at most ${limit} at once, so that one caller cannot take every connection to it)${why}; retry once some have ended`, { headers: { 'retry-after': '1' } })

  function giver(key: string, share: Share): () => void {
    let given = false
    return () => {
      if (given) return
      given = true
      const next = share.waiting.shift()
      if (next) return next() // the slot passes to the longest waiting request
      share.taken--
      if (share.taken === 0 && share.waiting.length === 0) shares.delete(key)
    }
  }

  return {
    async take(target, requester) {
      const key = keyOf(target, requester)
      let share = shares.get(key)
      if (!share) shares.set(key, (share = { taken: 0, waiting: [] }))
      if (share.taken < limit) {
        share.taken++
        return giver(key, share)
      }
      if (waitMs === 0) {
        if (share.taken === 0) shares.delete(key)
        throw busy(target, '')
      }
      if (share.waiting.length >= MAX_WAITING) throw busy(target, ` and ${share.waiting.length} more waiting`)
      const s = share
      return new Promise((resolve, reject) => {
        const granted = () => {
          clearTimeout(timer)
          resolve(giver(key, s))
        }
        const timer = setTimeout(() => {
          s.waiting.splice(s.waiting.indexOf(granted), 1)
          reject(busy(target, ` and none ended within ${waitMs / 1000} s`))
        }, waitMs)
        timer.unref()
        s.waiting.push(granted)
      })
    },
    inFlight: (target, requester) => shares.get(keyOf(target, requester))?.taken ?? 0,
  }
}
