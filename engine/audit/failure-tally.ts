// Failures anyone can cause before they are authenticated (a missing or bad token, on every listener). Each was one
// audit record, so a client without a token, sending requests on a kept-alive connection, wrote thousands a second:
// the trail filled with them and the durable sink's queue (bounded by count) refused everyone's events. Per key (a
// listener and a failure code: a few keys, never a client's address, which a client can change) the first
// FAILURES_PER_WINDOW in a window are recorded one by one; the rest are counted, and one record says how many once
// the window ends.
import type { AuditEvent, AuditSink } from './types.ts'

export const FAILURES_PER_WINDOW = 20
export const FAILURE_WINDOW_MS = 10_000

interface Window {
  start: number
  recorded: number
  suppressed: number
  /** The record that says how many were not recorded one by one (built from the last of them). */
  summary?: (suppressed: number) => AuditEvent
  timer?: NodeJS.Timeout
}

export class FailureTally {
  private readonly windows = new Map<string, Window>()

  constructor(private readonly sink: Pick<AuditSink, 'record'>, private readonly now: () => number = Date.now) {}

  /**
   * Records `event`, or counts it when `key` had FAILURES_PER_WINDOW recorded in this window; `summary(n)` is the
   * record of the n counted, written once the window ends.
   */
  record(key: string, event: AuditEvent, summary: (suppressed: number) => AuditEvent): void {
    let w = this.windows.get(key)
    if (!w || this.now() - w.start >= FAILURE_WINDOW_MS) {
      if (w) this.close(w)
      w = { start: this.now(), recorded: 0, suppressed: 0 }
      this.windows.set(key, w)
    }
    if (w.recorded < FAILURES_PER_WINDOW) {
      w.recorded++
      this.sink.record(event)
      return
    }
    w.suppressed++
    w.summary = summary
    if (!w.timer) {
      const ending = w
      ending.timer = setTimeout(() => this.close(ending), Math.max(0, ending.start + FAILURE_WINDOW_MS - this.now()))
      ending.timer.unref?.()
    }
  }

  /** Writes the counts of the windows still open (the listener is closing). */
  flush(): void {
    for (const w of this.windows.values()) this.close(w)
  }

  private close(w: Window): void {
    if (w.timer) clearTimeout(w.timer)
    w.timer = undefined
    if (w.suppressed > 0 && w.summary) this.sink.record(w.summary(w.suppressed))
    w.suppressed = 0
    w.summary = undefined
  }
}

/** The `summary` of an event: the event itself, with how many like it went unrecorded. */
export const tallied = (event: AuditEvent) => (suppressed: number): AuditEvent => ({
  ...event,
  time: new Date().toISOString(),
  suppressed,
  message: `${suppressed} more failures like this one (the last shown) were not recorded one by one in ${FAILURE_WINDOW_MS / 1000} s; ${String(event.message ?? '')}`,
})
