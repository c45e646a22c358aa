// Sessions one caller holds open on a target. Each gateway session holds a server connection of its own, and a
// server takes max_connections of them (100 by default): one agent opening that many would leave every other
// session, and the gateway's own catalog connection, refused by the server. So a caller (issuer and subject) may
// hold upstream.max_sessions_per_caller sessions on a target; the next is refused with 53300, as PostgreSQL
// refuses a role past its CONNECTION LIMIT.

/** Unless the target says otherwise; 0 turns the limit off. */
export const DEFAULT_MAX_SESSIONS_PER_CALLER = 32

export class CallerSessions {
  private readonly open = new Map<string, number>()

  /** Counts one more session of `caller` on `target`: undefined when it has `limit` already (0: no limit); otherwise the function that ends it, once. */
  enter(target: string, caller: string, limit: number): (() => void) | undefined {
    const key = `${target}\u0000${caller}`
    const n = this.open.get(key) ?? 0
    if (limit > 0 && n >= limit) return undefined
    this.open.set(key, n + 1)
    let left = false
    return () => {
      if (left) return
      left = true
      const rest = (this.open.get(key) ?? 1) - 1
      if (rest > 0) this.open.set(key, rest)
      else this.open.delete(key)
    }
  }

  count(target: string, caller: string): number {
    return this.open.get(`${target}\u0000${caller}`) ?? 0
  }
}
