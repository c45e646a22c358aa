// Benchmark: decisions/s of `warden diff`'s replay (cli/diff/pool.ts, the path the command runs), inline and
// on worker threads, over distinct input documents: the fixture corpus, each copy in its own session so no
// two inputs are equal (the command judges equal inputs once; this measures the evaluation itself).
// Usage: npm run bench:diff [-- --inputs N --jobs N]
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { fixtureCorpus } from '../../cli/diff/corpus.ts'
import { replayPair } from '../../cli/diff/pool.ts'
import { buildBundle, packageRoot } from '../../cli/policy.ts'
import { defaultConfig } from '../../engine/config/defaults.ts'
import { readBundle } from '../../engine/decide/index.ts'
import { loadSqlParsers } from '../../engine/normalize/index.ts'
import type { InputDocument } from '../../engine/types.ts'

const { values } = parseArgs({ options: { inputs: { type: 'string', default: '40000' }, jobs: { type: 'string' } } })
const wanted = Number(values.inputs)
const jobs = values.jobs === undefined ? availableParallelism() : Number(values.jobs)

const config = defaultConfig()
const dir = await mkdtemp(join(tmpdir(), 'warden-bench-diff-'))
const source = join(packageRoot, 'policies')
const [base, head] = await Promise.all([buildBundle(source, join(dir, 'base.tar.gz')), buildBundle(source, join(dir, 'head.tar.gz'))])
const bundles = { base: await readBundle(await readFile(base)), head: await readBundle(await readFile(head)) }
await rm(dir, { recursive: true, force: true })

await loadSqlParsers()
const seed: InputDocument[] = []
for await (const entry of fixtureCorpus({ ...config, policy: { ...config.policy, source } }, packageRoot).entries()) seed.push(entry.input)
const inputs: string[] = []
for (let copy = 0; inputs.length < wanted; copy++) {
  for (const input of seed) {
    if (inputs.length >= wanted) break
    inputs.push(JSON.stringify({ ...input, session: { ...input.session, id: `bench-${copy}` } }))
  }
}

const options = { ...bundles, memoryPages: config.policy.memory_pages, settings: config.policy.settings }
async function measure(workers: number, count: number) {
  const slice = inputs.slice(0, count)
  const load = loadavg()[0]!
  const started = performance.now()
  const result = await replayPair(slice, { ...options, workers })
  const seconds = (performance.now() - started) / 1000
  if (result.flips.length) throw new Error(`the same policy twice flipped ${result.flips.length} inputs`)
  return { workers, inputs: slice.length, decisions: slice.length * 2, seconds, perSecond: (slice.length * 2) / seconds, load: [load, loadavg()[0]!] }
}

console.log(`diff replay benchmark: ${seed.length} fixture inputs, copied to ${inputs.length} distinct inputs; node ${process.version}, ${availableParallelism()} cores`)
console.log('mode              inputs  decisions   seconds   decisions/s   load avg (1 min) before → after')
// Inline on a slice (one core), then the pool: the first worker run also pays for starting the workers.
const runs = [await measure(0, Math.min(inputs.length, 8000)), await measure(jobs, inputs.length)]
for (const r of runs) {
  console.log([
    (r.workers ? `${r.workers} workers` : 'inline').padEnd(16),
    String(r.inputs).padStart(7), String(r.decisions).padStart(10), r.seconds.toFixed(2).padStart(9),
    Math.round(r.perSecond).toLocaleString('en-US').padStart(13), `   ${r.load[0]!.toFixed(2)} → ${r.load[1]!.toFixed(2)}`,
  ].join(' '))
}
console.log(`workers / inline: ${(runs[1]!.perSecond / runs[0]!.perSecond).toFixed(2)}×; target 50,000 decisions/s`)
