// Flips of many inputs, grouped by change, rules and target, with the first input of each group as its
// example and the count of inputs behind it. Acknowledged relaxations are counted apart.
import type { AcknowledgementIndex } from './acknowledge.ts'
import type { Change, Flip } from './compare.ts'

/** One input that flipped, as the report shows it. */
export interface FlipExample {
  /** The command: SQL text (redacted when it came from the audit trail), or `METHOD URL`. */
  command: string
  identity?: string
  /** Where the input came from: `testdata/policies/sql-writes.yaml case 3`, `audit #1234`, `corpus.jsonl:12`. */
  origin: string
  /** input.command.digest: what an acknowledgement's `digest` names. */
  digest: string
  /** The file the input came from, relative to the working directory, and its line when known. */
  file?: string
  line?: number
}

export interface FlipGroup {
  change: Change
  relaxation: boolean
  rules: string[]
  target: string
  /** Inputs with this flip (each occurrence in the corpus counts). */
  count: number
  /** How many of them an acknowledgement covers. */
  acknowledged: number
  /** The acknowledgements that matched: `reason (file:line)`. */
  acknowledgements: string[]
  example: FlipExample & { detail?: string }
}

export interface FlipCollector {
  /**
   * Adds one input's flips; `count` is how often the input occurs in the corpus. Says whether the input was
   * relaxed, and whether every one of its relaxations is acknowledged.
   */
  add(flips: readonly Flip[], target: string, example: FlipExample, count?: number): { relaxed: boolean; acknowledged: boolean }
  /** Unacknowledged relaxations first, then acknowledged ones, then the rest; larger groups first. */
  groups(): FlipGroup[]
}

const rank = (g: FlipGroup) => (g.relaxation ? (g.acknowledged < g.count ? 0 : 1) : 2)

export function createFlipCollector(acknowledgements?: AcknowledgementIndex): FlipCollector {
  const groups = new Map<string, FlipGroup>()
  return {
    add(flips, target, example, count = 1) {
      let relaxed = false
      let acknowledged = true
      // Several flips of one input in one group (masks lost on several columns) count the input once.
      const counted = new Set<FlipGroup>()
      for (const flip of flips) {
        const key = JSON.stringify([flip.change, flip.rules, target])
        let group = groups.get(key)
        if (!group) {
          group = {
            change: flip.change, relaxation: flip.relaxation, rules: flip.rules, target, count: 0, acknowledged: 0, acknowledgements: [],
            example: { ...example, ...(flip.detail ? { detail: flip.detail } : {}) },
          }
          groups.set(key, group)
        }
        const first = !counted.has(group)
        counted.add(group)
        if (first) group.count += count
        const acks = acknowledgements?.match(flip, target, example.digest) ?? []
        if (flip.relaxation) {
          relaxed = true
          acknowledged &&= acks.length > 0
        }
        if (acks.length) {
          if (first) group.acknowledged += count
          for (const a of acks) {
            const text = `${a.reason} (${a.location})`
            if (!group.acknowledgements.includes(text)) group.acknowledgements.push(text)
          }
        }
      }
      return { relaxed, acknowledged: relaxed && acknowledged }
    },
    groups() {
      return [...groups.values()].sort((a, b) => rank(a) - rank(b) || b.count - a.count || a.change.localeCompare(b.change) || a.target.localeCompare(b.target) || a.rules.join().localeCompare(b.rules.join()))
    },
  }
}
