// Benchmark: raw opa-wasm `evaluate` of the same input documents with the shipped policies of a git ref (default
// main) and of this checkout, in one process, interleaved batch by batch. Each batch is timed in process CPU time
// (steadier than wall time on a shared machine); printed is the 10th percentile of the batches, in µs per
// evaluation, and this checkout's ratio to the ref. The decisions must be identical (it stops otherwise).
// Usage: npm run bench:policy -- [--base-ref main] [--rounds 40] [--batch 50]
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadPolicy } from '@open-policy-agent/opa-wasm'
import canonicalize from 'canonicalize'
import { buildBundle, packageRoot } from '../../cli/policy.ts'
import { defaultConfig } from '../../engine/config/defaults.ts'
import { readBundle, systemClock } from '../../engine/decide/index.ts'
import { buildInput, targetOf } from '../../engine/input.ts'
import { loadSqlParsers, normalize } from '../../engine/normalize/index.ts'
import { kubeListPods, pgbenchSelect, sqlJoin } from './scenarios.ts'
import type { Identity } from '../../engine/types.ts'

const { values } = parseArgs({ options: { 'base-ref': { type: 'string', default: 'main' }, rounds: { type: 'string', default: '40' }, batch: { type: 'string', default: '50' } } })
const rounds = Number(values.rounds)
const batch = Number(values.batch)
const config = defaultConfig()
await loadSqlParsers()

const identity: Identity = { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' }
const session = { id: 'bench', started_at: '2026-01-01T00:00:00.000Z', grants: [] }
const scenarios = [pgbenchSelect, sqlJoin, kubeListPods]
const inputs = scenarios.map((s) => {
  const found = config.targets.find((t) => t.name === s.target)
  if (!found) throw new Error(`default config has no target ${s.target}`)
  const target = targetOf(found)
  return buildInput({ identity, session, target, normalized: normalize(s.request, target) })
})

async function policyOf(dir: string) {
  const scratch = await mkdtemp(join(tmpdir(), 'warden-bench-policy-'))
  try {
    const bundle = await readBundle(await readFile(await buildBundle(dir, join(scratch, 'bundle.tar.gz'))))
    const policy = await loadPolicy(bundle.wasm as Uint8Array<ArrayBuffer>, { initial: 5, maximum: config.policy.memory_pages }, { 'time.now_ns': () => systemClock.nowNs() })
    policy.setData({ ...bundle.data, settings: config.policy.settings })
    return policy
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}

const baseDir = await mkdtemp(join(tmpdir(), 'warden-bench-base-'))
try {
  execFileSync('sh', ['-c', `git archive ${JSON.stringify(values['base-ref'])} policies | tar -x -C ${JSON.stringify(baseDir)}`], { cwd: packageRoot })
  const policies = [await policyOf(join(baseDir, 'policies')), await policyOf(join(packageRoot, 'policies'))]
  inputs.forEach((input, i) => {
    const [a, b] = policies.map((p) => canonicalize(p.evaluate(input, 'warden/decision')))
    if (a !== b) throw new Error(`${scenarios[i]!.name}: the decisions differ\n  ${values['base-ref']}: ${a}\n  checkout: ${b}`)
  })
  const samples = inputs.map(() => policies.map((): number[] => []))
  for (let round = 0; round < rounds; round++) {
    inputs.forEach((input, i) => {
      policies.forEach((policy, k) => {
        policy.evaluate(input, 'warden/decision')
        const start = process.cpuUsage()
        for (let n = 0; n < batch; n++) policy.evaluate(input, 'warden/decision')
        const used = process.cpuUsage(start)
        samples[i]![k]!.push((used.user + used.system) / batch)
      })
    })
  }
  console.log(`raw evaluate, µs CPU per evaluation (10th percentile of ${rounds} batches of ${batch}), node ${process.version}`)
  console.log(`${'scenario'.padEnd(34)}${values['base-ref']!.padStart(10)}${'checkout'.padStart(10)}     ratio`)
  scenarios.forEach((s, i) => {
    const [base, mine] = samples[i]!.map((xs) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 10)]!)
    console.log(`${s.name.padEnd(34)}${base!.toFixed(1).padStart(10)}${mine!.toFixed(1).padStart(10)}${`${(mine! / base!).toFixed(2)}×`.padStart(10)}`)
  })
} finally {
  await rm(baseDir, { recursive: true, force: true })
}
