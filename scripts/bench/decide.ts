// Benchmark: normalize + decide for one SQL statement and one Kubernetes request, beside raw opa-wasm
// `evaluate` of the same input document in the same run. Prints p50/p99 in µs and the ratios.
// Usage: npm run bench:decide [-- --iterations N]
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadPolicy } from '@open-policy-agent/opa-wasm'
import { buildBundle, packageRoot } from '../../cli/policy.ts'
import { defaultConfig } from '../../engine/config/defaults.ts'
import { prepareDecider, readBundle, systemClock } from '../../engine/decide/index.ts'
import { buildInput, targetOf } from '../../engine/input.ts'
import { loadSqlParsers, normalize, type RawRequest } from '../../engine/normalize/index.ts'
import { validator } from '../../engine/schema/validate.ts'
import { kubeListPods, sqlJoin } from './scenarios.ts'
import type { Identity, InputDocument } from '../../engine/types.ts'

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '20000' } } })
const iterations = Number(values.iterations)
const warmup = Math.min(2000, iterations)

const config = defaultConfig()
const dir = await mkdtemp(join(tmpdir(), 'warden-bench-'))
const bundle = await readBundle(await readFile(await buildBundle(join(packageRoot, 'policies'), join(dir, 'bundle.tar.gz'))))
await rm(dir, { recursive: true, force: true })
const data = { settings: config.policy.settings }
const decider = await prepareDecider(bundle, { maxMemoryPages: config.policy.memory_pages, data })
await loadSqlParsers()

const raw = await loadPolicy(bundle.wasm as Uint8Array<ArrayBuffer>, { initial: 5, maximum: config.policy.memory_pages }, { 'time.now_ns': () => systemClock.nowNs() })
raw.setData({ ...bundle.data, ...data })

const inputSchema = validator<InputDocument>('input')
const identity: Identity = { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' }
const session = { id: 'bench', started_at: new Date().toISOString(), grants: [] }

function target(name: string) {
  const found = config.targets.find((t) => t.name === name)
  if (!found) throw new Error(`default config has no target ${name}`)
  return targetOf(found)
}

/** What the gateway does per request: normalize, assemble and validate the input, decide. */
function judge(request: RawRequest, targetName: string) {
  const t = target(targetName)
  const input = buildInput({ identity, session, target: t, normalized: normalize(request, t) })
  if (!inputSchema.check(input)) throw new Error('bench input invalid')
  return decider.decide(input)
}

function measure(fn: () => unknown): { p50: number; p99: number } {
  for (let i = 0; i < warmup; i++) fn()
  const samples = new Float64Array(iterations)
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint()
    fn()
    samples[i] = Number(process.hrtime.bigint() - start) / 1000
  }
  samples.sort()
  return { p50: samples[Math.floor(iterations * 0.5)]!, p99: samples[Math.floor(iterations * 0.99)]! }
}

const scenarios = [sqlJoin, kubeListPods]

console.log(`decide benchmark: ${iterations} iterations after ${warmup} warm-up, node ${process.version}`)
console.log('scenario                          warden p50   p99 µs | raw evaluate p50   p99 µs | ratio p50  p99')
for (const s of scenarios) {
  const t = target(s.target)
  const input = buildInput({ identity, session, target: t, normalized: normalize(s.request, t) })
  const effect = judge(s.request, s.target).effect
  const full = measure(() => judge(s.request, s.target))
  const baseline = measure(() => raw.evaluate(input, 'warden/decision'))
  const line = [
    s.name.padEnd(32),
    full.p50.toFixed(1).padStart(11), full.p99.toFixed(1).padStart(8), ' |',
    baseline.p50.toFixed(1).padStart(17), baseline.p99.toFixed(1).padStart(8), ' |',
    `${(full.p50 / baseline.p50).toFixed(2)}×`.padStart(10), `${(full.p99 / baseline.p99).toFixed(2)}×`.padStart(6),
    `  (${effect})`,
  ]
  console.log(line.join(''))
}
