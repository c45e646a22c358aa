// Whether a range lies inside one of a set of spans, answered by binary search: the spans sorted by start once,
// with the furthest end reached so far. A test of every span per range was quadratic (11 s on 1.4 MB of emails,
// each beside a base64 run).
import type { Span } from './types.ts'

export function insideAny(spans: readonly Span[]): (start: number, end: number) => boolean {
  const sorted = [...spans].sort((a, b) => a.start - b.start)
  const reach: number[] = []
  for (const s of sorted) reach.push(Math.max(s.end, reach[reach.length - 1] ?? 0))
  return (start, end) => {
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (sorted[mid]!.start <= start) lo = mid + 1
      else hi = mid
    }
    return lo > 0 && reach[lo - 1]! >= end
  }
}
