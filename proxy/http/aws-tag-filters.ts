// An AWS list or describe call filtered on tag values answers with the resources whose tag matches: the tag
// DB_PASSWORD comes back as [secret], but `Filter.1.Name=tag:DB_PASSWORD&Filter.1.Value.1=hunt*` (EC2), or ListSecrets
// with {Key: 'tag-value', Values: ['hunt']} (a prefix match), lists the resource only when the guess is right. Under
// mask obligations each tag filter is tried with the decision's masker on a tag holding its value: a tag key whose
// value the mask hides by its name, a whole value it would hide (an Owner's email), and under content detectors a
// wildcard (a part of a value no detector can recognise) are refused. So is a filter on the value of any tag
// (`value`, `tag-value`, ListSecrets' `all`): it names no key, and any masked tag may be the one that matches.
// Filters on what the mask leaves readable (tag:Name=web, tag-key=env, instance-state-name=running) pass.
import { jsonMasker, type JsonMasker } from '../../engine/obligations/mask/index.ts'
import type { MaskObligation } from '../../engine/types.ts'
import { HttpGatewayError } from './errors.ts'

interface TagFilter {
  /** The filter's name (`tag:env`, `tag-value`, `instance-state-name`); absent for a TagFilters entry. */
  name?: string
  /** The tag key a TagFilters entry names. */
  key?: string
  values: string[]
}

const ANY_TAG_VALUE = new Set(['value', 'tag-value', 'all'])

const refusal = (what: string) =>
  new HttpGatewayError(400, 'http.filter_refused', `${what}; the answer is masked, and a filter on a value the mask hides tells by the resources it lists whether a guess was right. Filter on tags the mask leaves readable with whole values (tag:Name=web, tag-key=env), or list without the filter and read the masked tags`)

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [])

/** Filters of a JSON body: `Filters` or `ParameterFilters: [{Name|Key, Values}]` and `TagFilters: [{Key, Values}]`, at any depth. */
function jsonFilters(body: unknown): TagFilter[] {
  const found: TagFilter[] = []
  const stack: unknown[] = [body]
  while (stack.length) {
    const node = stack.pop()
    if (Array.isArray(node)) { stack.push(...node); continue }
    if (!isObject(node)) continue
    for (const [field, list] of Object.entries(node)) {
      if (!Array.isArray(list) || !/Filters$/i.test(field)) continue
      const tags = /^TagFilters$/i.test(field)
      for (const f of list) {
        if (!isObject(f)) continue
        const label = typeof f.Name === 'string' ? f.Name : typeof f.Key === 'string' ? f.Key : undefined
        if (label === undefined) continue
        found.push({ ...(tags ? { key: label } : { name: label }), values: [...strings(f.Values), ...strings(f.Value)] })
      }
    }
    stack.push(...Object.values(node))
  }
  return found
}

/** Filters of a query-protocol form or query: `Filter.1.Name` with `Filter.1.Value.1`, and RDS's `Filters.Filter.1.…`. */
function formFilters(fields: Record<string, unknown>): TagFilter[] {
  const byPrefix = new Map<string, TagFilter>()
  for (const [field, value] of Object.entries(fields)) {
    const named = /^(.*?Filters?(?:\.Filter|\.member)?\.\d+)\.(?:Name|Key)$/i.exec(field)
    if (named) {
      const f = byPrefix.get(named[1]!.toLowerCase()) ?? { values: [] }
      f.name = strings(value)[0]
      byPrefix.set(named[1]!.toLowerCase(), f)
    }
    const valued = /^(.*?Filters?(?:\.Filter|\.member)?\.\d+)\.Values?(?:\.(?:Value|member))?(?:\.\d+)?$/i.exec(field)
    if (valued) {
      const f = byPrefix.get(valued[1]!.toLowerCase()) ?? { values: [] }
      f.values.push(...strings(value))
      byPrefix.set(valued[1]!.toLowerCase(), f)
    }
  }
  return [...byPrefix.values()]
}

const hides = (masker: JsonMasker, key: string, value: string) => masker.mask({ Tags: [{ Key: key, Value: value }] }).masked > 0

function filterRefusal(f: TagFilter, masker: JsonMasker, detectors: boolean): HttpGatewayError | undefined {
  const name = f.name?.toLowerCase()
  if (name !== undefined && ANY_TAG_VALUE.has(name) && f.values.length > 0) return refusal(`the request filters on the value of any tag (${f.name})`)
  const key = f.key ?? (name?.startsWith('tag:') ? f.name!.slice(4) : undefined)
  if (key === undefined) return undefined
  if (hides(masker, key, 'x')) return refusal(`the request filters on the tag ${key}, whose value the mask hides`)
  for (const value of f.values) {
    if (hides(masker, key, value)) return refusal(`the request filters the tag ${key} on a value the mask hides`)
    if (detectors && /[*?]/.test(value)) return refusal(`the request filters the tag ${key} with a wildcard, a part of a value that may be text the mask hides`)
  }
  return undefined
}

/** The refusal for an AWS call whose tag filters read a value its answer's masks hide; undefined if none do. */
export function tagFilterRefusal(query: Record<string, unknown>, body: unknown, masks: readonly MaskObligation[], key: Uint8Array): HttpGatewayError | undefined {
  if (masks.length === 0) return undefined
  const filters = [...formFilters(query), ...(isObject(body) ? [...formFilters(body), ...jsonFilters(body)] : [])]
  if (filters.length === 0) return undefined
  const masker = jsonMasker(masks, key)
  const detectors = masks.some((m) => m.detector !== undefined)
  for (const f of filters) {
    const refused = filterRefusal(f, masker, detectors)
    if (refused) return refused
  }
  return undefined
}
