// Judges input documents with two policies and compares the decisions: the unit of work of `warden diff`,
// run inline or in a worker thread (each with its own opa-wasm instances: evaluate is synchronous and not
// re-entrant, so instances are never shared).
import { type PolicyBundle, type PreparedDecider, prepareDecider } from '../../engine/decide/index.ts'
import { compareDecisions, type Flip } from '../../engine/diff/compare.ts'
import type { Effect } from '../../engine/types.ts'

export interface PairOptions {
  base: PolicyBundle
  head: PolicyBundle
  memoryPages: number
  settings: Record<string, unknown>
}

export const EFFECTS: readonly Effect[] = ['allow', 'approve', 'deny']

/** The outcome of a chunk: both effects of each input (as EFFECTS indexes), and the flips of those that differ. */
export interface PairResult {
  effects: Uint8Array
  flips: Array<[index: number, flips: Flip[]]>
}

export interface PairJudge {
  /** Inputs as JSON text; each must be a JSON object (checked when the corpus is read). */
  judge(inputs: readonly string[]): PairResult
}

export async function preparePair(opts: PairOptions): Promise<PairJudge> {
  const options = { maxMemoryPages: opts.memoryPages, data: { settings: opts.settings } }
  const [base, head]: PreparedDecider[] = await Promise.all([prepareDecider(opts.base, options), prepareDecider(opts.head, options)])
  return {
    judge(inputs) {
      const effects = new Uint8Array(inputs.length * 2)
      const flips: PairResult['flips'] = []
      for (let i = 0; i < inputs.length; i++) {
        // Serialized once for both policies: parsing the text and letting each decide() serialize it again
        // measured ~50 µs a pair, a fifth of judging it.
        const json = inputs[i]!
        const b = base!.decideJson(json).decision
        const h = head!.decideJson(json).decision
        effects[2 * i] = EFFECTS.indexOf(b.effect)
        effects[2 * i + 1] = EFFECTS.indexOf(h.effect)
        const found = compareDecisions(b, h)
        if (found.length) flips.push([i, found])
      }
      return { effects, flips }
    },
  }
}
