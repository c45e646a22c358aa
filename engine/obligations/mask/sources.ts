// Masks by origin that no masker can apply from the body alone: the values to hide come from elsewhere (the
// Secrets a pod can see), so the frontend looks them up before it masks, hides them, and gives the maskers
// the rest of the obligations. compileRules refuses a source obligation: one that reaches a masker was not
// looked up, and is never skipped.
import type { MaskObligation } from '../../types.ts'
import { MaskError } from '../errors.ts'

/** kubernetes_pod_secrets: every value of the Secrets a pod references, and its literal env values, in that pod's log (pods/log). */
export const MASK_SOURCES = ['kubernetes_pod_secrets'] as const
export type MaskSource = (typeof MASK_SOURCES)[number]

export const isMaskSource = (s: unknown): s is MaskSource => (MASK_SOURCES as readonly unknown[]).includes(s)

export interface SourceSplit {
  /** The sources named, each once. */
  sources: MaskSource[]
  /** The obligations that name no source, for the maskers. */
  rest: MaskObligation[]
  /** The rules that asked for the sources, for messages. */
  rules: string[]
}

/** The source obligations apart from the others; an unknown source (or one beside another target) throws. */
export function splitSources(obligations: readonly MaskObligation[]): SourceSplit {
  const sources = new Set<MaskSource>()
  const rules = new Set<string>()
  const rest: MaskObligation[] = []
  for (const o of obligations) {
    if (o.source === undefined) {
      rest.push(o)
      continue
    }
    if (!isMaskSource(o.source)) throw new MaskError(`mask obligation ${JSON.stringify(o)} names an unknown source; known: ${MASK_SOURCES.join(', ')}`)
    if (o.column !== undefined || o.detector !== undefined || o.path !== undefined) throw new MaskError(`mask obligation ${JSON.stringify(o)} must name exactly one of column, detector, path or source`)
    sources.add(o.source)
    if (o.rule) rules.add(o.rule)
  }
  return { sources: [...sources], rest: sources.size ? rest : (obligations as MaskObligation[]), rules: [...rules] }
}
