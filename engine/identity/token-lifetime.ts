// A session lasts as long as the token it started with. A PostgreSQL password is checked once, at startup, and
// an HTTP upgrade (exec, port-forward, WebSocket) or a streamed answer (a watch, an event stream) outlives the
// request that was verified: without this an agent whose token expired (or was not renewed because its access
// was withdrawn at the IdP) kept working for as long as it kept the connection open. The frontends end such a
// session at tokenDeadline.
import { decodeJwt } from 'jose'

/** Longest single timer Node keeps (about 24.8 days); a later deadline re-arms. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * When a token that was just verified stops being accepted: its exp plus the clock skew the verifier tolerates,
 * in ms since the epoch. A token without a numeric exp (the verifier requires one) counts as expired now.
 */
export function tokenDeadline(token: string, clockSkewSeconds: number, now = Date.now()): number {
  let exp: unknown
  try {
    exp = decodeJwt(token).exp
  } catch {
    return now
  }
  return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 + clockSkewSeconds * 1000 : now
}

/** Calls `expired` once at `deadlineMs` (at once when it has passed); returns the function that stops the watch. */
export function atDeadline(deadlineMs: number, expired: () => void): () => void {
  let timer: NodeJS.Timeout | undefined
  const arm = () => {
    const left = deadlineMs - Date.now()
    if (left <= 0) return expired()
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS))
    timer.unref()
  }
  arm()
  return () => clearTimeout(timer)
}
