// The text functions both SQL dialects' constant folding evaluates (constant-text.ts, mysql-constant-text.ts):
// repeat and lpad / rpad of constants, bounded by MAX_CHARS, and the pieces of a chain of joins. Masks are short: longer texts are not folded.

// At 64 KiB, one concat() of 20,000 repeat('abcdefgh', 8000) took 1.7 s to judge, at 4 KiB 0.5 s, as unfolded.
export const MAX_CHARS = 4096
export const MAX_DEPTH = 64

/** A whole-number argument (a sign, up to 10 digits); undefined otherwise. */
export function count(text: string | undefined): number | undefined {
  return text !== undefined && /^-?\d{1,10}$/.test(text) ? Number(text) : undefined
}

/** repeat(text, n): empty for n <= 0 or an empty text, whatever n; undefined past MAX_CHARS. */
export function repeat(text: string, times: string | undefined): string | undefined {
  const n = count(times)
  if (n === undefined) return undefined
  if (n <= 0 || text === '') return ''
  return text.length * n > MAX_CHARS ? undefined : text.repeat(n)
}

/**
 * lpad / rpad(text, length, fill): a longer text is cut to the length (in characters, not UTF-16 units); an empty
 * fill pads nothing (the caller says what its dialect makes of that, and of a negative length).
 */
export function pad(side: 'left' | 'right', text: string, length: string | undefined, fill: string): string | undefined {
  const n = count(length)
  if (n === undefined || n < 0 || n > MAX_CHARS) return undefined
  const chars = Array.from(text)
  if (chars.length >= n) return chars.slice(0, n).join('')
  const fills = Array.from(fill)
  if (fills.length === 0) return undefined
  const padding = Array.from({ length: n - chars.length }, (_, i) => fills[i % fills.length]).join('')
  return side === 'left' ? padding + chars.join('') : chars.join('') + padding
}

/**
 * The pieces a chain of joins holds, in order, found without recursion: `parts` gives a join node's parts (undefined
 * for anything else), however long or deep the chain. Undefined when `node` joins nothing.
 */
export function chainPieces<N extends object>(node: unknown, parts: (n: N) => unknown[] | undefined): unknown[] | undefined {
  if (node === null || typeof node !== 'object' || !parts(node as N)) return undefined
  const pieces: unknown[] = []
  const todo: unknown[] = [node]
  while (todo.length > 0) {
    const n = todo.pop()
    const inner = n !== null && typeof n === 'object' ? parts(n as N) : undefined
    if (inner) for (let i = inner.length - 1; i >= 0; i--) todo.push(inner[i])
    else pieces.push(n)
  }
  return pieces
}
