// A Google Cloud list filtered on a label answers with the resources whose label matches: a label named as a secret
// (labels.api_token) comes back masked, but `filter=labels.api_token:hunt*` (Secret Manager), `labels.db_password
// eq hunt.*` (Compute's regular expressions) or `settings.userLabels.db_password=…` (Cloud SQL) lists the resource
// only when the guess is right. Under mask obligations every label a filter names is tried with the decision's
// masker on a resource holding it: a label whose value the mask hides is refused, whatever the comparison. Label
// values cannot hold what the content detectors find (lowercase letters, digits, `_` and `-` only), so labels the
// mask leaves readable (labels.env=prod) pass. Cloud Logging filters are judged by the policy (rules/cloud.rego).
// @see https://cloud.google.com/compute/docs/labeling-resources#label_format
import { jsonMasker } from '../../engine/obligations/mask/index.ts'
import type { CloudCommand, MaskObligation } from '../../engine/types.ts'
import { HttpGatewayError } from './errors.ts'

// `labels.KEY`, `userLabels.KEY`, `labels."KEY"` and `labels.`KEY`` anywhere in a filter, in any case.
const LABEL = /(?:^|[^A-Za-z0-9_])((?:user)?labels)\s*\.\s*("(?:[^"\\]|\\.)*"|`[^`]*`|'[^']*'|[A-Za-z0-9_-]+)/gi
const FILTER_FIELDS = ['filter', 'query']

const unquote = (key: string) => (/^["'`]/.test(key) ? key.slice(1, -1).replace(/\\(.)/g, '$1') : key)

/** The refusal for a Google Cloud call whose filter names a label its answer's masks hide; undefined if none does. */
export function labelFilterRefusal(cloud: CloudCommand | undefined, query: Record<string, string[]>, body: unknown, masks: readonly MaskObligation[], key: Uint8Array): HttpGatewayError | undefined {
  if (masks.length === 0 || cloud === undefined || cloud.method === 'logging.entries.list') return undefined
  const texts = FILTER_FIELDS.flatMap((field) => query[field] ?? [])
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    for (const field of FILTER_FIELDS) {
      const value = (body as Record<string, unknown>)[field]
      if (typeof value === 'string') texts.push(value)
    }
  }
  if (texts.length === 0) return undefined
  const masker = jsonMasker(masks, key)
  for (const text of texts) {
    for (const match of text.matchAll(LABEL)) {
      const label = unquote(match[2]!)
      if (masker.mask({ [match[1]!]: { [label]: 'x' } }).masked > 0) {
        return new HttpGatewayError(400, 'http.filter_refused', `the filter names the label ${label}, whose value the mask hides; the answer is masked, and a filter on a value the mask hides tells by the resources it lists whether a guess was right. Filter on labels the mask leaves readable (labels.env=prod), or list without the filter and read the masked labels`)
      }
    }
  }
  return undefined
}
