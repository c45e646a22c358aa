import type { TestResult } from '../policy-tests.ts'
import type { Reporter, Summary } from './reporter.ts'

/** One JSON document: every result and the summary. */
export function jsonReporter(write: (text: string) => void): Reporter {
  const results: TestResult[] = []
  return {
    result: (r) => void results.push(r),
    end(summary: Summary) {
      write(`${JSON.stringify({ summary, results }, null, 2)}\n`)
    },
  }
}
