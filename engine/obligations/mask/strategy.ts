// The four mask strategies, applied to a whole value or to one detected span inside a value.
//   redact  whole value ⇒ `[redacted]`; a span ⇒ its label, e.g. `[email]`, `[card]`
//   partial keep the last 4 characters, `*` for the rest (`************4242`); 4 or fewer ⇒ `****`
//   hash    `h:` + first 16 hex of HMAC-SHA256(key, value): stable for joins, not reversible without the key
//   null    the value becomes NULL (a span with `null` nulls the whole value)
import { createHmac } from 'node:crypto'
import type { MaskStrategy } from '../../types.ts'
import { MaskError } from '../errors.ts'

export const REDACTED = '[redacted]'
export const MASK_STRATEGIES: readonly MaskStrategy[] = ['redact', 'partial', 'hash', 'null']

/** Below this a keyed hash is open to dictionary attacks on low-entropy values (emails, phones). */
const MIN_KEY_BYTES = 16

// Most hiding first: when several rules cover a value, the first of these present wins.
const STRENGTH: readonly MaskStrategy[] = ['null', 'redact', 'hash', 'partial']

export function isMaskStrategy(value: unknown): value is MaskStrategy {
  return typeof value === 'string' && (MASK_STRATEGIES as readonly string[]).includes(value)
}

export function strongest(strategies: Iterable<MaskStrategy>): MaskStrategy | undefined {
  const present = new Set(strategies)
  return STRENGTH.find((s) => present.has(s))
}

export function partial(value: string): string {
  const chars = Array.from(value)
  if (chars.length <= 4) return '****'
  return '*'.repeat(chars.length - 4) + chars.slice(-4).join('')
}

export function keyedHash(value: string, key: Uint8Array): string {
  if (key.byteLength < MIN_KEY_BYTES) {
    throw new MaskError(`hash masking needs a key of at least ${MIN_KEY_BYTES} bytes, got ${key.byteLength}; configure a longer mask key`)
  }
  return `h:${createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, 16)}`
}

export function maskWhole(value: string, strategy: MaskStrategy, key: Uint8Array): string | null {
  switch (strategy) {
    case 'redact':
      return REDACTED
    case 'partial':
      return partial(value)
    case 'hash':
      return keyedHash(value, key)
    case 'null':
      return null
    default:
      throw new MaskError(`unknown mask strategy ${JSON.stringify(strategy)}; use redact, partial, hash or null`)
  }
}

/** Masks one detected span; `null` is handled by the caller because it nulls the whole value. */
export function maskSpan(
  span: string,
  strategy: Exclude<MaskStrategy, 'null'>,
  label: string,
  key: Uint8Array,
  canonical: (s: string) => string = (s) => s,
): string {
  switch (strategy) {
    case 'redact':
      return `[${label}]`
    case 'partial':
      return partial(span)
    case 'hash':
      return keyedHash(canonical(span), key)
    default:
      throw new MaskError(`unknown mask strategy ${JSON.stringify(strategy)}; use redact, partial, hash or null`)
  }
}
