// Decides the equivalence corpus (corpus.ts) with one build of a policy directory, as the gateway decides:
// prepareDecider over the compiled bundle, data.settings merged in, the clock fixed.
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import canonicalize from 'canonicalize'
import { buildBundle } from '../../cli/policy.ts'
import type { Config } from '../../engine/config/types.ts'
import { type Decider, prepareDecider, readBundle } from '../../engine/decide/index.ts'
import { type CorpusCase, decisionCorpus, NOW_NS, SETTINGS } from './corpus.ts'

/** The section digests recorded from the policies every later build must agree with (compare.ts --record). */
export const RECORDED = join(dirname(fileURLToPath(import.meta.url)), 'decisions.json')

export interface Judged {
  section: string
  label: string
  /** The decision as canonical JSON (keys sorted). */
  decision: string
}

/** One decider per settings variant, over one build of `policyDir`. */
export async function decidersFor(policyDir: string, config: Config): Promise<Record<string, Decider>> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-equivalence-'))
  try {
    const bundle = await readBundle(await readFile(await buildBundle(policyDir, join(dir, 'bundle.tar.gz'))))
    const out: Record<string, Decider> = {}
    for (const [name, settings] of Object.entries(SETTINGS)) {
      out[name] = await prepareDecider(bundle, { maxMemoryPages: config.policy.memory_pages, clock: { nowNs: () => NOW_NS }, data: { settings } })
    }
    return out
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The cases, built once (normalizing is the slow part), to be judged under every settings variant. */
export function corpusCases(config: Config, root: string): CorpusCase[] {
  return [...decisionCorpus(config, root)]
}

export function judgeAll(deciders: Record<string, Decider>, cases: CorpusCase[]): Judged[] {
  const out: Judged[] = []
  for (const [variant, decider] of Object.entries(deciders)) {
    for (const c of cases) {
      // Under configured settings (scope fingerprint) only without grants and with a fingerprint grant: enough
      // to see the settings read, and it keeps the corpus under a minute.
      if (variant !== 'default' && c.grants !== 'none' && c.grants !== 'fingerprint' && c.grants !== 'as written') continue
      out.push({ section: `${variant}: ${c.section}`, label: `${variant} settings: ${c.label}`, decision: canonicalize(decider.decide(c.input)) ?? '' })
    }
  }
  return out
}

/** Per section: how many decisions, and the sha256 of their canonical JSON in corpus order. */
export function sectionDigests(judged: Judged[]): Record<string, { count: number; sha256: string }> {
  const hashes = new Map<string, { count: number; hash: ReturnType<typeof createHash> }>()
  for (const j of judged) {
    let h = hashes.get(j.section)
    if (!h) hashes.set(j.section, (h = { count: 0, hash: createHash('sha256') }))
    h.count++
    h.hash.update(j.decision).update('\n')
  }
  return Object.fromEntries([...hashes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, { count: v.count, sha256: v.hash.digest('hex') }]))
}
