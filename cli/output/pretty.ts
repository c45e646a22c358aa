import type { Decision } from '../../engine/types.ts'
import type { TestResult } from '../policy-tests.ts'
import { type Reporter, type Summary, summaryLine } from './reporter.ts'

function describeDecision(decision: Decision | undefined): string[] {
  if (!decision) return ['(no decision)']
  const masks = decision.obligations.mask.map((m) => m.column ?? m.detector ?? m.path ?? m.source)
  const lines = [`effect ${decision.effect}`]
  for (const r of decision.reasons) lines.push(`  ${r.rule}: ${r.message}`)
  if (masks.length) lines.push(`mask ${masks.join(', ')}`)
  if (decision.obligations.approval) lines.push(`approvers ${decision.obligations.approval.approvers.join(', ')} (scope ${decision.obligations.approval.scope})`)
  return lines
}

/** Human output: failures in full (expected, actual, rules that fired), passes as one line with --verbose. */
export function prettyReporter(write: (text: string) => void, verbose = false): Reporter {
  return {
    result(r: TestResult) {
      if (r.outcome === 'pass' && !verbose) return
      if (r.outcome === 'skip') return void (verbose && write(`SKIP ${r.location} ${r.name}\n`))
      if (r.outcome === 'pass') return void write(`PASS ${r.location} ${r.name}\n`)
      write(`FAIL ${r.location} ${r.name}\n`)
      for (const p of r.problems) write(`  - ${p}\n`)
      if (r.kind === 'fixture') {
        write(`  expected: ${JSON.stringify(r.expected)}\n`)
        write(`  actual:\n${describeDecision(r.actual).map((l) => `    ${l}`).join('\n')}\n`)
      }
    },
    end(summary: Summary) {
      write(`${summaryLine(summary)}\n`)
    },
  }
}
