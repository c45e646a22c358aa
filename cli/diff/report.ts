// The diff runner: reads the corpora (identical input documents judged once and counted), replays them
// through both policies, and groups the flips into the report every output format prints.
import type { Acknowledgement, AcknowledgementIndex } from '../../engine/diff/acknowledge.ts'
import { createFlipCollector, type FlipExample, type FlipGroup } from '../../engine/diff/group.ts'
import type { Effect } from '../../engine/types.ts'
import type { CorpusReader } from './corpus.ts'
import { EFFECTS } from './judge-pair.ts'
import { replayPair, type ReplayOptions, workerCount } from './pool.ts'

export interface CorpusSummary {
  name: string
  /** Entries replayed (each occurrence counts). */
  inputs: number
  skipped: Array<{ reason: string; count: number }>
}

export interface DiffReport {
  base: string
  head: string
  corpora: CorpusSummary[]
  inputs: number
  /** Distinct input documents: each is judged once by each policy. */
  distinct: number
  /** Policy evaluations made: 2 × distinct. */
  decisions: number
  seconds: number
  workers: number
  /** `base→head` effect of every input, e.g. {"allow→allow": 310, "allow→deny": 2}. */
  transitions: Record<string, number>
  groups: FlipGroup[]
  /** Inputs (each occurrence) with a relaxation, and how many of them are acknowledged. */
  relaxations: { inputs: number; acknowledged: number }
  unusedAcknowledgements: Acknowledgement[]
  /** Audit corpus: recorded requests whose recorded decision the base policy reproduced on the rebuilt input. */
  fidelity?: { replayed: number; reproduced: number }
  /** True when a relaxation is not acknowledged: the command exits 1. */
  failed: boolean
}

interface Distinct {
  count: number
  example: Omit<FlipExample, 'digest'>
  digest: string
  target: string
  recorded?: Partial<Record<Effect, number>>
}

export interface DiffRun {
  base: string
  head: string
  corpora: CorpusReader[]
  acknowledgements: AcknowledgementIndex
  replay: Omit<ReplayOptions, 'workers'>
  /** --jobs: `auto` or a number of worker threads (0: inline). */
  jobs?: string
}

export async function runDiff(run: DiffRun): Promise<DiffReport> {
  const byText = new Map<string, number>()
  const texts: string[] = []
  const distinct: Distinct[] = []
  const corpora: CorpusSummary[] = []
  let inputs = 0
  for (const corpus of run.corpora) {
    let n = 0
    for await (const entry of corpus.entries()) {
      n++
      const text = JSON.stringify(entry.input)
      let at = byText.get(text)
      if (at === undefined) {
        at = texts.push(text) - 1
        byText.set(text, at)
        distinct.push({ count: 0, example: entry.example, digest: String(entry.input.command?.digest ?? ''), target: String(entry.input.target?.name ?? '?') })
      }
      const d = distinct[at]!
      d.count++
      if (entry.recorded) (d.recorded ??= {})[entry.recorded] = (d.recorded[entry.recorded] ?? 0) + 1
    }
    inputs += n
    corpora.push({ name: corpus.name, inputs: n, skipped: [...corpus.skipped].map(([reason, count]) => ({ reason, count })) })
  }

  const workers = workerCount(run.jobs, texts.length)
  const started = performance.now()
  const result = await replayPair(texts, { ...run.replay, workers })
  const seconds = (performance.now() - started) / 1000

  const transitions: Record<string, number> = {}
  let fidelity: DiffReport['fidelity']
  for (const [i, d] of distinct.entries()) {
    const base = EFFECTS[result.effects[2 * i]!]!
    const key = `${base}→${EFFECTS[result.effects[2 * i + 1]!]!}`
    transitions[key] = (transitions[key] ?? 0) + d.count
    if (d.recorded) {
      fidelity ??= { replayed: 0, reproduced: 0 }
      for (const [effect, count] of Object.entries(d.recorded)) {
        fidelity.replayed += count
        if (effect === base) fidelity.reproduced += count
      }
    }
  }
  const collector = createFlipCollector(run.acknowledgements)
  const relaxations = { inputs: 0, acknowledged: 0 }
  for (const [i, flips] of result.flips) {
    const d = distinct[i]!
    const added = collector.add(flips, d.target, { ...d.example, digest: d.digest }, d.count)
    if (added.relaxed) relaxations.inputs += d.count
    if (added.acknowledged) relaxations.acknowledged += d.count
  }
  return {
    base: run.base,
    head: run.head,
    corpora,
    inputs,
    distinct: texts.length,
    decisions: texts.length * 2,
    seconds,
    workers,
    transitions,
    groups: collector.groups(),
    relaxations,
    unusedAcknowledgements: run.acknowledgements.unused(),
    ...(fidelity ? { fidelity } : {}),
    failed: relaxations.acknowledged < relaxations.inputs,
  }
}
