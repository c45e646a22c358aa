// Checks that a change to the shipped policies leaves every decision of the equivalence corpus as it was.
//   node --import tsx scripts/policy-equivalence/compare.ts --base-ref main   every decision of policies/ against
//                                                 the policies/ of a git ref (or --base-dir DIR), differences listed
//   node --import tsx scripts/policy-equivalence/compare.ts --record          rewrite decisions.json from policies/
//                                                 (after a change meant to change decisions)
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { packageRoot } from '../../cli/policy.ts'
import { defaultConfig } from '../../engine/config/defaults.ts'
import { loadSqlParsers } from '../../engine/normalize/index.ts'
import { corpusCases, decidersFor, judgeAll, RECORDED, sectionDigests } from './decide.ts'

const { values } = parseArgs({ options: { record: { type: 'boolean', default: false }, 'base-ref': { type: 'string' }, 'base-dir': { type: 'string' } } })
const config = defaultConfig()
await loadSqlParsers()
const cases = corpusCases(config, packageRoot)
const current = judgeAll(await decidersFor(join(packageRoot, 'policies'), config), cases)

if (values.record) {
  writeFileSync(RECORDED, `${JSON.stringify(sectionDigests(current), null, 1)}\n`)
  console.log(`recorded ${current.length} decisions in ${RECORDED}`)
} else {
  let baseDir = values['base-dir']
  let scratch: string | undefined
  if (!baseDir) {
    const ref = values['base-ref'] ?? 'main'
    scratch = mkdtempSync(join(tmpdir(), 'warden-equivalence-base-'))
    execFileSync('sh', ['-c', `git archive ${JSON.stringify(ref)} policies | tar -x -C ${JSON.stringify(scratch)}`], { cwd: packageRoot })
    baseDir = join(scratch, 'policies')
  }
  try {
    const base = judgeAll(await decidersFor(baseDir, config), cases)
    const differing = current.filter((c, i) => c.decision !== base[i]!.decision)
    for (const d of differing.slice(0, 20)) {
      const i = current.indexOf(d)
      console.log(`DIFFERS ${d.label}\n  base:    ${base[i]!.decision}\n  current: ${d.decision}`)
    }
    // How the effects moved: a change meant to tighten shows no allow gained.
    const moves = new Map<string, number>()
    for (const d of differing) {
      const i = current.indexOf(d)
      const move = `${(JSON.parse(base[i]!.decision) as { effect: string }).effect} -> ${(JSON.parse(d.decision) as { effect: string }).effect}`
      moves.set(move, (moves.get(move) ?? 0) + 1)
    }
    for (const [move, n] of [...moves].sort((a, b) => b[1] - a[1])) console.log(`  ${move}: ${n}`)
    console.log(`${current.length} decisions compared, ${differing.length} differ`)
    process.exitCode = differing.length ? 1 : 0
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true })
  }
}
