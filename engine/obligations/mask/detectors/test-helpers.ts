// Shared by the detector tests: the substrings a detector finds in a text.
import type { Detector } from './types.ts'

export function hits(detector: Detector, text: string): string[] {
  return detector.find(text).map((s) => text.slice(s.start, s.end))
}
