// YAML merge keys (`<<: *defaults`), read as the Kubernetes apiserver reads them (sigs.k8s.io/yaml: go-yaml v2, YAML
// 1.1): the keys of the merged maps join the mapping. Read without them, `spec: {<<: {externalIPs: [...]}}` kept `<<`
// as a key and the policy found no spec.externalIPs the server then set. Both readers let a key written after the
// merge win, and an earlier map of a merge list win over a later one; a key written before the merge they read
// differently (go-yaml v2 lets the merge overwrite it, the yaml package keeps it), so such a mapping is refused.
import { type Document, isAlias, isMap, isScalar, isSeq, visit } from 'yaml'

/** Maps looked into to list what merges bring in, per body: aliases of aliases multiply (each alias is read again). */
const MAX_MERGE_VISITS = 10_000

/** With the parser's `merge` option, a merge key's value is a symbol (a quoted "<<" is a plain key). */
const isMergeKey = (key: unknown): boolean => isScalar(key) && typeof key.value === 'symbol'

/** Adds the keys the merge source `source` (a map, an alias of one, or a list of them) brings in; false past the budget. */
function mergedKeys(source: unknown, doc: Document, out: Set<string>, budget: { left: number }): boolean {
  if (--budget.left < 0) return false
  const node = isAlias(source) ? source.resolve(doc) : source
  if (isSeq(node)) return node.items.every((item) => mergedKeys(item, doc, out, budget))
  if (!isMap(node)) return true
  for (const pair of node.items) {
    if (isMergeKey(pair.key)) {
      if (!mergedKeys(pair.value, doc, out, budget)) return false
    } else if (isScalar(pair.key)) out.add(String(pair.key.value))
  }
  return true
}

/** Why the merge keys of `doc` (parsed with `merge: true`) are read differently by the apiserver; undefined when they are not. */
export function mergeKeyProblem(doc: Document, text: string): string | undefined {
  const budget = { left: MAX_MERGE_VISITS }
  let problem: string | undefined
  visit(doc, {
    Map(_, map) {
      const before = new Set<string>()
      for (const pair of map.items) {
        if (!isMergeKey(pair.key)) {
          if (isScalar(pair.key)) before.add(String(pair.key.value))
          continue
        }
        const merged = new Set<string>()
        const line = text.slice(0, (pair.key as { range?: number[] }).range?.[0] ?? 0).split('\n').length
        if (!mergedKeys(pair.value, doc, merged, budget)) {
          problem = `invalid YAML body: merge keys (<<) that bring in more than ${MAX_MERGE_VISITS} maps`
          return visit.BREAK
        }
        const both = [...merged].find((key) => before.has(key))
        if (both !== undefined) {
          problem = `invalid YAML body: the merge key (<<) at line ${line} brings in ${JSON.stringify(both.slice(0, 100))}, which the mapping sets before it (readers differ on which wins: write it after the merge)`
          return visit.BREAK
        }
      }
    },
  })
  return problem
}
