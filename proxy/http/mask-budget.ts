// How many bytes of response bodies the gateway holds at once to mask them, across every request: each body may
// be up to MAX_MASKED_BYTES, so without a shared bound a burst of large (or highly compressed) answers, which one
// agent can ask for concurrently, would exhaust the gateway's memory and end it for every session. Past the
// budget a body is refused (503) rather than buffered.

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

export function createMaskBudget(total = MASK_BUDGET_BYTES): MaskBudget {
  let used = 0
  return {
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
  }
}
