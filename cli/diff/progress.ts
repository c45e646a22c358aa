// A one-line progress bar on stderr, redrawn in place at most every 100 ms; only when stderr is a terminal
// (CI logs and pipes get no carriage returns).
import type { Io } from '../io.ts'

export interface Progress {
  update(done: number, total: number): void
  /** Erases the bar. */
  end(): void
}

const WIDTH = 30

export function progressBar(io: Io, label: string, now: () => number = Date.now): Progress {
  if (!io.tty) return { update: () => undefined, end: () => undefined }
  let last = 0
  let drawn = false
  return {
    update(done, total) {
      const t = now()
      if (done < total && t - last < 100) return
      last = t
      const filled = total ? Math.round((done / total) * WIDTH) : WIDTH
      const percent = total ? Math.floor((done / total) * 100) : 100
      io.err(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(percent).padStart(3)}% ${done}/${total}`)
      drawn = true
    },
    end() {
      if (drawn) io.err(`\r${' '.repeat(label.length + WIDTH + 30)}\r`)
      drawn = false
    },
  }
}
