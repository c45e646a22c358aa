// Replaces the detected spans of one string according to each detector's strategy.
import type { MaskStrategy } from '../../types.ts'
import { base64Text } from './base64-text.ts'
import { DETECTORS, type DetectorName, findSpans, type FoundSpan, mergeSpans } from './detectors/index.ts'
import { maskSpan } from './strategy.ts'

export type DetectorStrategies = Partial<Record<DetectorName, MaskStrategy>>

export interface SpanMaskResult {
  value: string | null
  masked: boolean
}

// A run of base64 inside text (user data in an XML answer, a blob in a log line), long enough to carry a secret.
const BASE64_RUN = /(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{24,}={0,2}(?![A-Za-z0-9+/=])/g

/**
 * The detected spans, and every base64 run whose text holds what a detector finds, masked whole (a partial mask
 * of an encoding hides nothing). Runs inside a detected span are left to it.
 */
function spansWithEncoded(text: string, detectors: readonly DetectorName[]): FoundSpan[] {
  const spans = findSpans(text, detectors)
  if (text.length < 24) return spans
  let encoded: FoundSpan[] | undefined
  BASE64_RUN.lastIndex = 0
  for (let m = BASE64_RUN.exec(text); m !== null; m = BASE64_RUN.exec(text)) {
    const start = m.index
    const end = start + m[0].length
    if (spans.some((s) => s.start <= start && end <= s.end)) continue
    const decoded = base64Text(m[0])
    const inner = decoded === undefined ? [] : findSpans(decoded, detectors)
    if (inner.length) (encoded ??= []).push({ start, end, label: 'base64', detector: inner[0]!.detector })
  }
  return encoded ? mergeSpans([...spans, ...encoded]) : spans
}

export function maskDetected(
  text: string,
  detectors: readonly DetectorName[],
  strategies: DetectorStrategies,
  key: Uint8Array,
): SpanMaskResult {
  const spans = spansWithEncoded(text, detectors)
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
