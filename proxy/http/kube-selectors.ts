// A Kubernetes list or watch filtered by a field or label selector answers with the items whose value equals the
// one the selector names: on a value the answer's mask hides (a custom resource's selectable .spec.password, a
// label named db-password), whether the item comes back tells the agent whether its guess was right. Each term
// of the selectors is tried on an object holding just that value, in each shape an answer takes (the object, a
// list's item, a watch event's object, a Table row's object), with the masker of this decision: a term whose
// value (or label key) it would mask is refused, and so is a selector that does not parse, or that orders a label
// (`>`, `<`: a range halved finds any value). Selectors on what the
// mask leaves readable (metadata.name, status.phase, spec.nodeName, app=web) are forwarded as they are.
import { parseQueryString } from '../../engine/normalize/http.ts'
import { parseFieldSelector } from '../../engine/normalize/kubernetes/field-selector.ts'
import { parseLabelSelector } from '../../engine/normalize/kubernetes/label-selector.ts'
import { jsonMasker } from '../../engine/obligations/mask/index.ts'
import { PAIR_VALUES } from '../../engine/obligations/mask/json.ts'
import type { MaskObligation } from '../../engine/types.ts'
import { HttpGatewayError } from './errors.ts'

/**
 * An object holding `value` at a dotted path (`spec.password`), in every shape an answer carries objects in. A pair's
 * value (`spec.value`) is masked by the name beside it (`{name: DB_PASSWORD, value: …}`), which the selector does
 * not show: it is tried beside a secret name too.
 */
function shapes(path: string[], value: unknown): unknown[] {
  const leaf = path[path.length - 1]!
  const paired = PAIR_VALUES.has(leaf) ? [{ [leaf]: value }, { [leaf]: value, name: 'password' }] : [{ [leaf]: value }]
  return paired.flatMap((inner) => nested(path.slice(0, -1), inner))
}

function nested(path: string[], inner: unknown): unknown[] {
  let object: unknown = inner
  for (let i = path.length - 1; i >= 0; i--) object = { [path[i]!]: object }
  const row = { cells: [], object }
  return [object, { items: [object] }, { type: 'ADDED', object }, { rows: [row] }, { type: 'ADDED', object: { rows: [row] } }]
}

const refusal = (what: string) =>
  new HttpGatewayError(400, 'http.selector_refused', `${what}; the answer is masked, and a selector on a value the mask hides tells by the items it lists whether a guess was right. Select on fields and labels the mask leaves readable (metadata.name, status.phase, app=web), or list without it and read the masked items`)

/**
 * Values the selectors of one request may name under masks. Each is tried with the masker in every shape (some
 * 60 µs): a URL of 100 KB naming 50,000 (`app in (a,b,…)`) held the socket thread for seconds. kubectl's own
 * selectors name a few.
 */
const MAX_VALUES = 1000

/** The refusal for a Kubernetes request whose selectors name a value its answer's masks hide; undefined if none do. */
export function selectorRefusal(query: string, masks: readonly MaskObligation[], key: Uint8Array): HttpGatewayError | undefined {
  // Parsed whatever the text: a name may be percent-encoded (%66ieldSelector), as the apiserver decodes it.
  if (query === '') return undefined
  const params = parseQueryString(query)
  const fields = params.fieldSelector ?? []
  const labels = params.labelSelector ?? []
  if (fields.length === 0 && labels.length === 0) return undefined
  const fieldTerms = fields.map((selector) => ({ selector, terms: parseFieldSelector(selector) }))
  const labelTerms = labels.map((selector) => ({ selector, terms: parseLabelSelector(selector) }))
  let named = fieldTerms.reduce((n, f) => n + (f.terms?.length ?? 0), 0)
  for (const l of labelTerms) for (const term of l.terms ?? []) named += Math.max(1, term.values.length)
  if (named > MAX_VALUES) return refusal(`the selectors name ${named} values, more than the ${MAX_VALUES} the gateway checks against the mask in one request`)
  const masker = jsonMasker(masks, key)
  // An empty value is masked by nothing, yet equal to a masked field that is empty: tried with one in its place too.
  const hides = (path: string[], value: string) =>
    (value === '' ? [value, 'x'] : [value]).some((v) => shapes(path, v).some((doc) => masker.mask(doc).masked > 0))
  for (const { selector, terms } of fieldTerms) {
    if (!terms) return refusal(`the field selector ${JSON.stringify(selector)} does not parse`)
    for (const term of terms) {
      if (hides(term.field.split('.'), term.value)) return refusal(`the field selector names ${term.field}, a field the mask hides`)
    }
  }
  for (const { selector, terms } of labelTerms) {
    if (!terms) return refusal(`the label selector ${JSON.stringify(selector)} does not parse`)
    for (const term of terms) {
      // `acct>4111111111111110` bisects the value: a bound the masks leave readable still finds one they hide
      // (a card number a content detector masks), in some fifty requests. No bound is safe under a mask.
      if (term.op === '>' || term.op === '<') {
        return refusal(`the label selector compares the label ${term.key} with ${term.op}, which finds its value by halving a range whatever the mask hides; use =, in or exists`)
      }
      // A term that only asks whether the label exists names no value: its key is what must stay readable.
      const hidden = term.values.length > 0
        ? term.values.some((value) => hides(['metadata', 'labels', term.key], value))
        : shapes(['metadata', 'labels', term.key], '').some((doc) => masker.mask(doc).masked > 0)
      if (hidden) {
        return refusal(`the label selector names the label ${term.key}, whose value the mask hides`)
      }
    }
  }
  return undefined
}
