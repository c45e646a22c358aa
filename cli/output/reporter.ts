// Output formats for test results: one interface, one file each.
import type { TestResult } from '../policy-tests.ts'

export interface Summary {
  passed: number
  failed: number
  skipped: number
}

export interface Reporter {
  result(result: TestResult): void
  end(summary: Summary): void
}

export function summarize(results: TestResult[]): Summary {
  return {
    passed: results.filter((r) => r.outcome === 'pass').length,
    failed: results.filter((r) => r.outcome === 'fail').length,
    skipped: results.filter((r) => r.outcome === 'skip').length,
  }
}

export function summaryLine({ passed, failed, skipped }: Summary): string {
  return `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`
}
