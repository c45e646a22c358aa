// The text functions both SQL dialects' constant folding evaluates (constant-text.ts, mysql-constant-text.ts):
// repeat and lpad / rpad of constants, bounded by MAX_CHARS. Masks are short: longer texts are not folded.

// At 64 KiB, one concat() of 20,000 repeat('abcdefgh', 8000) took 1.7 s to judge, at 4 KiB 0.5 s, as unfolded.
export const MAX_CHARS = 4096
export const MAX_DEPTH = 64

/** A count argument written as digits, up to MAX_CHARS; undefined otherwise. */
export function count(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,6}$/.test(text)) return undefined
  const n = Number(text)
  return n <= MAX_CHARS ? n : undefined
}

/** repeat(text, n); undefined past MAX_CHARS. */
export function repeat(text: string, times: string | undefined): string | undefined {
  const n = count(times)
  return n === undefined || text.length * n > MAX_CHARS ? undefined : text.repeat(n)
}

/**
 * lpad / rpad(text, length, fill): a longer text is cut to the length (in characters, not UTF-16 units); an empty
 * fill pads nothing (the caller says what its dialect makes of that).
 */
export function pad(side: 'left' | 'right', text: string, length: string | undefined, fill: string): string | undefined {
  const n = count(length)
  if (n === undefined) return undefined
  const chars = Array.from(text)
  if (chars.length >= n) return chars.slice(0, n).join('')
  const fills = Array.from(fill)
  if (fills.length === 0) return undefined
  const padding = Array.from({ length: n - chars.length }, (_, i) => fills[i % fills.length]).join('')
  return side === 'left' ? padding + chars.join('') : chars.join('') + padding
}
