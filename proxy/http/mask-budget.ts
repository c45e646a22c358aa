// How many bytes of response bodies the gateway holds at once to mask them, across every request: each body may
// be up to MAX_MASKED_BYTES, so without a shared bound a burst of large (or highly compressed) answers, which one
// agent can ask for concurrently, would exhaust the gateway's memory and end it for every session. Past the
// budget a body is refused (503) rather than buffered, and so is one past its requester's half of it. The last
// quarter of the budget is a reserve: a requester takes from it only while it holds less than a fair share (the
// whole divided among those holding bytes, itself and one more), so two requesters at their halves cannot take
// it all and leave every other session with nothing.

/** Bytes of bodies held for masking at once, by default. */
export const MASK_BUDGET_BYTES = 256 * 1024 * 1024

export interface MaskBudget {
  /** Reserves `n` bytes; false (nothing reserved) when that would pass the budget. */
  take(n: number): boolean
  /** Returns `n` reserved bytes. */
  give(n: number): void
  /** Bytes reserved now. */
  readonly used: number
}

export interface SharedMaskBudget extends MaskBudget {
  /**
   * The budget as one requester may use it: at most half of the whole, and of its reserve only up to a fair share,
   * so requesters that hold answers they never read (each stays counted until its client has read it) cannot leave
   * every other session with none.
   */
  of(requester: string): MaskBudget
}

export function createMaskBudget(total = MASK_BUDGET_BYTES): SharedMaskBudget {
  let used = 0
  const byRequester = new Map<string, number>()
  const share = Math.floor(total / 2)
  const reserve = Math.floor(total / 4)
  /** Whether a requester holding `mine` may hold `mine + n` once the reserve is reached. */
  const fair = (mine: number, n: number) => {
    const holders = byRequester.size + (mine > 0 ? 0 : 1)
    return mine + n <= Math.floor(total / (holders + 1))
  }
  const whole: SharedMaskBudget = {
    take(n) {
      if (used + n > total) return false
      used += n
      return true
    },
    give(n) {
      used = Math.max(0, used - n)
    },
    get used() {
      return used
    },
    of(requester) {
      return {
        take(n) {
          const mine = byRequester.get(requester) ?? 0
          if (mine + n > share) return false
          if (used + n > total - reserve && !fair(mine, n)) return false
          if (!whole.take(n)) return false
          byRequester.set(requester, mine + n)
          return true
        },
        give(n) {
          const left = (byRequester.get(requester) ?? 0) - n
          if (left > 0) byRequester.set(requester, left)
          else byRequester.delete(requester)
          whole.give(n)
        },
        get used() {
          return byRequester.get(requester) ?? 0
        },
      }
    },
  }
  return whole
}
