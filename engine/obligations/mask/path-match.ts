// Where the path and column rules of a mask apply in a JSON walk, without spelling out each node's path. The
// path rules become a trie of their segments; a walk carries the trie nodes whose segments matched the path so
// far, and a child's are the children of those that match its key. A rule applies to a node exactly when its
// segments match the node's path one for one (as many segments as the path has keys), as pathMatches reads it.
// The HTTP gateway masks every response by ~80 Kubernetes path rules: testing each rule at every node of a
// document was most of the cost of masking a small one, while most keys of a document leave the trie at once.
import type { MaskStrategy } from '../../types.ts'
import type { ColumnRule, PathRule } from './rules.ts'
import { strongest } from './strategy.ts'

export interface PathNode {
  readonly re: RegExp
  /** Strategies of the rules whose last segment this is. */
  readonly ends: MaskStrategy[]
  readonly next: PathNode[]
}

/** Where a walk is: the trie nodes matched by the path so far (the root's list, for the document itself). */
export type PathState = readonly PathNode[]

export const NOWHERE: PathState = Object.freeze([]) as PathState

/** The trie of `rules`: the state of the document root. Segments written alike (same pattern) share a node. */
export function pathTrie(rules: readonly PathRule[]): PathState {
  const root: PathNode = { re: /^$/, ends: [], next: [] }
  for (const rule of rules) {
    let at = root
    for (const re of rule.segments) {
      let node = at.next.find((n) => n.re.source === re.source && n.re.flags === re.flags)
      if (!node) at.next.push((node = { re, ends: [], next: [] }))
      at = node
    }
    at.ends.push(rule.strategy)
  }
  return root.next.length ? [root] : NOWHERE
}

/** The state of a child reached by `key` from a node in `state`. */
export function step(state: PathState, key: string): PathState {
  let out: PathNode[] | undefined
  for (let i = 0; i < state.length; i++) {
    const next = state[i]!.next
    for (let j = 0; j < next.length; j++) if (next[j]!.re.test(key)) (out ??= []).push(next[j]!)
  }
  return out ?? NOWHERE
}

/**
 * The strongest strategy the rules give a node: the path rules ending in `state`, and, for an object member,
 * the unqualified column rules its key matches (`columnsOf`: those rules' strategies for a key).
 */
export function strategyAt(state: PathState, key: string | undefined, isKey: boolean, columnsOf: (key: string) => readonly MaskStrategy[]): MaskStrategy | undefined {
  let found: MaskStrategy[] | undefined
  for (let i = 0; i < state.length; i++) {
    const ends = state[i]!.ends
    if (ends.length) (found ??= []).push(...ends)
  }
  if (isKey && key !== undefined) {
    const columns = columnsOf(key)
    if (columns.length) (found ??= []).push(...columns)
  }
  if (found === undefined) return undefined
  return found.length === 1 ? found[0] : strongest(found)
}

/** The strategies of the unqualified column rules `key` matches, in rule order. */
export function columnStrategies(columns: readonly ColumnRule[], key: string): MaskStrategy[] {
  const out: MaskStrategy[] = []
  for (const rule of columns) if (!rule.qualified && rule.pattern.test(key)) out.push(rule.strategy)
  return out
}
