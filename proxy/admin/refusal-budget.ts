// Refused approve, deny and revoke attempts, per caller. Each writes to the audit trail (an approve attempt first
// waits for the trail's store), so any authenticated caller looping over made-up ids could fill the trail with
// refusals and keep its store busy for everyone. Past a budget in a window the caller is answered 429 before
// anything is read or written, and one record says the refusals stopped being recorded.
import { KeyedLru } from '../../engine/keyed-lru.ts'
import type { Identity } from '../../engine/types.ts'
import { jsonError } from './json.ts'

/** Refusals recorded per caller in one window: a reviewer retrying by hand stays well under it. */
export const REFUSALS_PER_WINDOW = 20
export const REFUSAL_WINDOW_MS = 60_000
/** Callers remembered at once (least recently refused first out): each is an identity the IdP vouched for. */
const MAX_CALLERS = 10_000

interface Window {
  start: number
  refused: number
  /** The record saying this window's further refusals go unrecorded was written. */
  told: boolean
}

export class RefusalBudget {
  private readonly callers = new KeyedLru<Window>(MAX_CALLERS, MAX_CALLERS * 512)

  constructor(private readonly now: () => number = Date.now) {}

  private window(who: Identity): Window | undefined {
    const w = this.callers.get(keyOf(who))
    return w && this.now() - w.start < REFUSAL_WINDOW_MS ? w : undefined
  }

  /**
   * The 429 for a caller past its budget (undefined while within it), and whether it is the first of its window:
   * that one is recorded, with `record`.
   */
  refuse(who: Identity, record: (error: { code: string; message: string }) => void): Response | undefined {
    const w = this.window(who)
    if (!w || w.refused < REFUSALS_PER_WINDOW) return undefined
    const retry = Math.max(1, Math.ceil((w.start + REFUSAL_WINDOW_MS - this.now()) / 1000))
    const code = 'admin.too_many_refusals'
    const message = `${who.sub} had ${REFUSALS_PER_WINDOW} approve, deny or revoke attempts refused in the last ${REFUSAL_WINDOW_MS / 1000} s; further attempts are refused unread, and unrecorded, for ${retry} s`
    if (!w.told) {
      w.told = true
      record({ code, message })
    }
    return jsonError(429, code, message, { 'retry-after': String(retry) })
  }

  /** A decision or revoke by `who` was refused. */
  refused(who: Identity): void {
    const w = this.window(who)
    if (w) w.refused++
    else this.callers.set(keyOf(who), { start: this.now(), refused: 1, told: false })
  }
}

const keyOf = (who: Identity) => `${who.issuer}\u0000${who.sub}`
