// The shipped policies decide every case of the equivalence corpus (corpus.ts: ~55 000 decisions over SQL from every
// corpus and generator, every policy fixture, three identities, grants of every scope, default and configured
// settings) exactly as the policies recorded in decisions.json did. A change meant to keep decisions (a faster
// rule) must pass as is; one meant to change them re-records with `compare.ts --record`, and
// `compare.ts --base-ref main` lists the decisions that differ.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { packageRoot } from '../../cli/policy.ts'
import { defaultConfig } from '../../engine/config/defaults.ts'
import { loadSqlParsers } from '../../engine/normalize/index.ts'
import { corpusCases, decidersFor, judgeAll, RECORDED, sectionDigests } from './decide.ts'

test('every decision of the corpus is the one recorded', async () => {
  const config = defaultConfig()
  await loadSqlParsers()
  const cases = corpusCases(config, packageRoot)
  const judged = judgeAll(await decidersFor(join(packageRoot, 'policies'), config), cases)
  const want = JSON.parse(readFileSync(RECORDED, 'utf8')) as ReturnType<typeof sectionDigests>
  const got = sectionDigests(judged)
  const effects = new Set(judged.map((j) => (JSON.parse(j.decision) as { effect: string }).effect))
  assert.equal([...effects].sort(), ['allow', 'approve', 'deny'], 'the corpus reaches every effect')
  assert.ok(judged.length > 40_000, `only ${judged.length} decisions`)
  const differing = Object.keys({ ...want, ...got }).filter((s) => want[s]?.sha256 !== got[s]?.sha256 || want[s]?.count !== got[s]?.count)
  assert.equal(differing, [], `decisions differ from those recorded in these sections (list them with: node --import tsx scripts/policy-equivalence/compare.ts --base-ref main)`)
})

test.run()
