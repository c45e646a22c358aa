// Differential check of the HTTP gateway's request canonicalization against the servers behind it: every case
// of cases.ts is sent through the gateway (reverse mode, and MITM inside a CONNECT tunnel) to three echo
// upstreams (Go net/http, werkzeug, node's http) that report what they parsed; each report is compared with the
// judged input (command.http). Printed one a line:
//   FINDING   forwarded, and an upstream read something other than what was judged
//   UNEXPECTED the gateway forwarded what the case expects refused, or refused what it expects agreed on
// With --all also the agreeing and refused cases. Exits 1 on any FINDING or UNEXPECTED.
//   node --import tsx scripts/http-diff/run.ts [--all] [--json out.json]
// proxy/http/http-diff.test.ts runs the same cases as a test.
import { writeFileSync } from 'node:fs'
import { cases } from './cases.ts'
import { modesOf, type Outcome, startDiffRig, verdict as judge } from './harness.ts'

async function main(): Promise<number> {
  const all = process.argv.includes('--all')
  const jsonAt = process.argv.indexOf('--json')
  const rig = await startDiffRig()
  for (const u of rig.unavailable) process.stderr.write(`skipped ${u.parser}: ${u.reason}\n`)
  const outcomes: Array<Outcome & { verdict?: string }> = []
  try {
    for (const c of cases) {
      for (const mode of modesOf(c)) {
        for (const e of rig.echoes) {
          const o = await rig.run(c, mode, e.parser)
          const verdict = judge(c.expect, o)
          outcomes.push({ ...o, ...(verdict && { verdict }) })
          const shown = verdict ? verdict.toUpperCase() : o.report ? 'agree' : `refused ${o.status}${o.error ? ` ${o.error.slice(0, 60)}` : ''}`
          if (verdict || all) process.stdout.write(`${shown.padEnd(10)} ${mode.padEnd(7)} ${e.parser.padEnd(8)} ${c.name}${o.mismatches.length ? `\n    ${o.mismatches.join('\n    ')}` : ''}\n`)
        }
      }
    }
  } finally {
    await rig.close()
  }
  if (jsonAt > 0) writeFileSync(process.argv[jsonAt + 1]!, JSON.stringify(outcomes, null, 2))
  const bad = outcomes.filter((o) => o.verdict)
  process.stdout.write(`${outcomes.length} exchanges, ${bad.length} findings or unexpected outcomes\n`)
  return bad.length ? 1 : 0
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main()
