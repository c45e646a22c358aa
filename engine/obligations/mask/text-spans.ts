// Replaces the detected spans of one string according to each detector's strategy.
import type { MaskStrategy } from '../../types.ts'
import { DETECTORS, type DetectorName, findSpans } from './detectors/index.ts'
import { maskSpan } from './strategy.ts'

export type DetectorStrategies = Partial<Record<DetectorName, MaskStrategy>>

export interface SpanMaskResult {
  value: string | null
  masked: boolean
}

export function maskDetected(
  text: string,
  detectors: readonly DetectorName[],
  strategies: DetectorStrategies,
  key: Uint8Array,
): SpanMaskResult {
  const spans = findSpans(text, detectors)
  if (spans.length === 0) return { value: text, masked: false }
  let out = ''
  let at = 0
  for (const span of spans) {
    const strategy = strategies[span.detector] ?? 'redact'
    if (strategy === 'null') return { value: null, masked: true }
    out += text.slice(at, span.start)
    out += maskSpan(text.slice(span.start, span.end), strategy, span.label, key, DETECTORS[span.detector].canonical)
    at = span.end
  }
  return { value: out + text.slice(at), masked: true }
}
