// Masks one result value by its column's plan.
import { failClosed } from '../errors.ts'
import type { ColumnMask } from './plan.ts'
import { maskWhole } from './strategy.ts'
import { maskDetected } from './text-spans.ts'

export function maskText(value: string, column: ColumnMask, key: Uint8Array): { value: string | null; masked: boolean } {
  return failClosed(`mask result column ${column.index}`, () => {
    if (typeof value !== 'string') throw new TypeError(`expected a text value, got ${typeof value}`)
    if (column.strategy) return { value: maskWhole(value, column.strategy, key), masked: true }
    if (column.detectors.length === 0) return { value, masked: false }
    return maskDetected(value, column.detectors, column.detectorStrategies, key)
  })
}
