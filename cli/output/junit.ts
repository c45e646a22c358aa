import type { TestResult } from '../policy-tests.ts'
import type { Reporter, Summary } from './reporter.ts'

/** Text as XML attribute or element content; characters XML 1.0 cannot hold become U+FFFD. */
export const escape = (text: string) =>
  text.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, '\ufffd').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** JUnit XML for CI systems: one suite per kind (rego, fixture). */
export function junitReporter(write: (text: string) => void): Reporter {
  const results: TestResult[] = []
  return {
    result: (r) => void results.push(r),
    end(summary: Summary) {
      const suites = (['rego', 'fixture'] as const).map((kind) => {
        const cases = results.filter((r) => r.kind === kind)
        const body = cases.map((r) => {
          const open = `    <testcase classname="${escape(r.location)}" name="${escape(r.name)}" time="${(r.durationMs / 1000).toFixed(4)}"`
          if (r.outcome === 'skip') return `${open}><skipped/></testcase>`
          if (r.outcome === 'pass') return `${open}/>`
          const detail = [...r.problems, ...(r.actual ? [`actual: ${JSON.stringify(r.actual)}`] : [])].join('\n')
          return `${open}><failure message="${escape(r.problems[0] ?? 'failed')}">${escape(detail)}</failure></testcase>`
        })
        const failures = cases.filter((r) => r.outcome === 'fail').length
        const skipped = cases.filter((r) => r.outcome === 'skip').length
        return `  <testsuite name="warden.${kind}" tests="${cases.length}" failures="${failures}" skipped="${skipped}">\n${body.join('\n')}\n  </testsuite>`
      })
      write(`<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="${summary.passed + summary.failed + summary.skipped}" failures="${summary.failed}">\n${suites.join('\n')}\n</testsuites>\n`)
    },
  }
}
