// "Did you mean …": the known name closest to a misspelt one, for unknown-key and unknown-value messages.

/** Levenshtein distance, with an early exit once every cell of a row exceeds `limit`. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (a === b) return 0
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    let rowMin = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
      current.push(value)
      if (value < rowMin) rowMin = value
    }
    if (rowMin > limit) return rowMin
    previous = current
  }
  return previous[b.length]!
}

/**
 * The candidate closest to `name`, or undefined when none is plausibly meant: case-insensitive equality,
 * `-`/`_` swaps, or the same first letter and an edit distance of at most a third of the name's length
 * (at least 1, at most 3). The first-letter rule keeps deliberate values apart (HS256 is not a typo of RS256).
 */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  const folded = name.toLowerCase().replace(/-/g, '_')
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)))
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const other = candidate.toLowerCase().replace(/-/g, '_')
    if (other !== folded && other[0] !== folded[0]) continue
    const distance = other === folded ? 0 : editDistance(folded, other, limit)
    if (distance <= limit && distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}
