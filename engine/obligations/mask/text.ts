// Masks one result value by its column's plan. Work per value is bounded: a value longer than MAX_MASKED_CHARS
// is never scanned or transformed; it is redacted whole (NULL under the null strategy), so one huge value cannot
// hold the thread that serves every other session (detectors over 20 MB took ~16 s).
import { failClosed } from '../errors.ts'
import type { ColumnMask } from './plan.ts'
import { maskWhole, REDACTED } from './strategy.ts'
import { maskDetected } from './text-spans.ts'

/**
 * 64 Ki characters. Every detector over one value of this size takes ~15 ms on a busy 2-core machine
 * (1 Mi took ~145 ms, long enough to delay every other session's answer past 100 ms).
 */
export const MAX_MASKED_CHARS = 64 * 1024

export function maskText(value: string, column: ColumnMask, key: Uint8Array): { value: string | null; masked: boolean } {
  return failClosed(`mask result column ${column.index}`, () => {
    if (typeof value !== 'string') throw new TypeError(`expected a text value, got ${typeof value}`)
    if (!column.strategy && column.detectors.length === 0) return { value, masked: false }
    if (value.length > MAX_MASKED_CHARS) return { value: column.strategy === 'null' ? null : REDACTED, masked: true }
    if (column.strategy) return { value: maskWhole(value, column.strategy, key), masked: true }
    return maskDetected(value, column.detectors, column.detectorStrategies, key)
  })
}
