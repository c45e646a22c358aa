// The differential check of scripts/http-diff as a test: every case of scripts/http-diff/cases.ts is sent raw
// through the gateway, in reverse mode and inside a CONNECT tunnel (MITM), to echo upstreams that report what
// their parser read (Go net/http, werkzeug, node's http). Whatever is forwarded must be read by each of them as
// it was judged (method, decoded path, query multimap, the headers the policy reads, the body); what a case
// expects refused must get a 400 and reach no upstream. Skips the Go upstream, saying so, only when there is no
// Go toolchain to build it.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { cases } from '../../scripts/http-diff/cases.ts'
import { type DiffRig, modesOf, startDiffRig, verdict } from '../../scripts/http-diff/harness.ts'

let rig: DiffRig

test.before(async () => {
  rig = await startDiffRig()
  for (const u of rig.unavailable) {
    if (u.parser !== 'go') throw new Error(`the ${u.parser} echo upstream cannot run: ${u.reason}`)
    console.log(`http-diff: SKIPPING the Go net/http upstream: ${u.reason}`)
  }
})
test.after(async () => rig?.close())

for (const c of cases) {
  test(`${c.name}: ${c.expect === 'refused' ? 'refused, reaching no upstream' : 'every upstream reads what was judged'}`, async () => {
    const bad: string[] = []
    for (const mode of modesOf(c)) {
      for (const e of rig.echoes) {
        const o = await rig.run(c, mode, e.parser)
        const v = verdict(c.expect, o)
        if (v) bad.push(`${mode} ${e.parser}: ${v} (status ${o.status}${o.error ? `, ${o.error}` : ''}) ${o.mismatches.join('; ')}`)
        if (c.expect === 'refused' && o.status !== 400 && o.status !== 404) bad.push(`${mode} ${e.parser}: answered ${o.status}, not a refusal`)
      }
    }
    assert.equal(bad, [], bad.join('\n'))
  })
}

test.run()
