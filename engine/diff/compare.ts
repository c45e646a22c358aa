// How two decisions for the same input differ, as a list of flips: the effect changed (allow→deny …), a
// mask was lost, added, weakened or strengthened, or the approval obligation was widened or narrowed. Each
// flip names the rules behind it and says whether it relaxes the policy (lets more through). Used by
// `warden diff` (base → working tree) and by the dry-run rollout (enforced → dry-run).
import { strongest } from '../obligations/mask/strategy.ts'
import type { ApprovalObligation, ApprovalQuorum, Decision, Effect, GrantScope, MaskObligation, MaskStrategy, Reason } from '../types.ts'

export type EffectChange = `${Effect}→${Effect}`
export type MaskChange = 'mask lost' | 'mask added' | 'mask weakened' | 'mask strengthened'
export type ApprovalChange = 'approval widened' | 'approval narrowed'
export type Change = EffectChange | MaskChange | ApprovalChange

export interface Flip {
  change: Change
  /** True when the change lets more through: anything becoming allow, deny→approve, a mask lost or weakened, more approvers or a wider grant. */
  relaxation: boolean
  /** The rules behind the change, sorted: those that started or stopped firing, or that own the mask. */
  rules: string[]
  /** What changed beyond the change name, e.g. `column email: redact → partial`. */
  detail?: string
}

/** deny 2 > approve 1 > allow 0: a change towards a lower rank is a relaxation. */
const STRICTNESS: Record<Effect, number> = { allow: 0, approve: 1, deny: 2 }
/** What one approval covers, narrowest first. */
const SCOPE_WIDTH: Record<GrantScope, number> = { statement: 0, fingerprint: 1, session: 2, target: 3 }

const sorted = (rules: Iterable<string>) => [...new Set(rules)].sort()
const rulesOf = (reasons: readonly Reason[]) => reasons.map((r) => r.rule)

/** Rules in `from` that are not in `other`; all of `from` when every one is (the same rule changed its verdict). */
function firing(from: readonly Reason[], other: readonly Reason[]): string[] {
  const seen = new Set(rulesOf(other))
  const fresh = rulesOf(from).filter((r) => !seen.has(r))
  return sorted(fresh.length ? fresh : rulesOf(from))
}

function effectFlip(base: Decision, head: Decision): Flip | undefined {
  if (base.effect === head.effect) return undefined
  const relaxation = STRICTNESS[head.effect] < STRICTNESS[base.effect]
  // Stricter: the rules that now fire. Laxer: the rules that no longer do.
  const rules = relaxation ? firing(base.reasons, head.reasons) : firing(head.reasons, base.reasons)
  return { change: `${base.effect}→${head.effect}`, relaxation, rules }
}

interface MaskView {
  strategy: MaskStrategy
  rules: string[]
}

const maskKey = (m: MaskObligation) =>
  m.column !== undefined ? `column ${m.column}` : m.detector !== undefined ? `detector ${m.detector}` : m.source !== undefined ? `source ${m.source}` : `path ${m.path ?? ''}`

/** Each mask target with the strongest strategy any rule asks for (what the gateway applies). */
function masksOf(masks: readonly MaskObligation[]): Map<string, MaskView> {
  const out = new Map<string, MaskView>()
  for (const m of masks) {
    const key = maskKey(m)
    const strategy = m.strategy ?? 'redact'
    const seen = out.get(key)
    const rule = m.rule ? [m.rule] : []
    out.set(key, seen ? { strategy: strongest([seen.strategy, strategy])!, rules: [...seen.rules, ...rule] } : { strategy, rules: rule })
  }
  return out
}

/** The strategy `masks` applies to `key`; a detector is also covered by the `all` detector. */
function applied(masks: Map<string, MaskView>, key: string): MaskStrategy | undefined {
  const own = masks.get(key)?.strategy
  const all = key.startsWith('detector ') ? masks.get('detector all')?.strategy : undefined
  const present = [own, all].filter((s): s is MaskStrategy => s !== undefined)
  return present.length ? strongest(present) : undefined
}

function maskFlips(base: Decision, head: Decision): Flip[] {
  // A deny runs nothing and carries no masks; its effect flip says all there is to say.
  if (base.effect === 'deny' || head.effect === 'deny') return []
  const before = masksOf(base.obligations.mask)
  const after = masksOf(head.obligations.mask)
  const flips: Flip[] = []
  for (const [key, was] of before) {
    const now = applied(after, key)
    if (now === undefined) flips.push({ change: 'mask lost', relaxation: true, rules: sorted(was.rules), detail: key })
    else if (now !== was.strategy && strongest([now, was.strategy]) === was.strategy) {
      flips.push({ change: 'mask weakened', relaxation: true, rules: sorted([...was.rules, ...(after.get(key)?.rules ?? [])]), detail: `${key}: ${was.strategy} → ${now}` })
    }
  }
  for (const [key, is] of after) {
    const was = applied(before, key)
    if (was === undefined) flips.push({ change: 'mask added', relaxation: false, rules: sorted(is.rules), detail: key })
    else if (was !== is.strategy && strongest([was, is.strategy]) === is.strategy) {
      flips.push({ change: 'mask strengthened', relaxation: false, rules: sorted(is.rules), detail: `${key}: ${was} → ${is.strategy}` })
    }
  }
  return flips
}

function approvalFlip(base: Decision, head: Decision): Flip | undefined {
  const was = base.obligations.approval
  const is = head.obligations.approval
  if (base.effect !== 'approve' || head.effect !== 'approve' || !was || !is) return undefined
  const wider: string[] = []
  const narrower: string[] = []
  const added = is.approvers.filter((g) => !was.approvers.includes(g))
  const removed = was.approvers.filter((g) => !is.approvers.includes(g))
  if (added.length) wider.push(`approvers + ${added.join(', ')}`)
  if (removed.length) narrower.push(`approvers − ${removed.join(', ')}`)
  const scope = (a: ApprovalObligation, b: ApprovalObligation) => `scope ${a.scope} → ${b.scope}`
  if (SCOPE_WIDTH[is.scope] > SCOPE_WIDTH[was.scope]) wider.push(scope(was, is))
  if (SCOPE_WIDTH[is.scope] < SCOPE_WIDTH[was.scope]) narrower.push(scope(was, is))
  if (is.ttl_seconds > was.ttl_seconds) wider.push(`ttl ${was.ttl_seconds} s → ${is.ttl_seconds} s`)
  if (is.ttl_seconds < was.ttl_seconds) narrower.push(`ttl ${was.ttl_seconds} s → ${is.ttl_seconds} s`)
  // Fewer people, or no longer one from every group, is fewer hands needed to let it through.
  const [wasMin, isMin] = [was.min_approvals ?? 1, is.min_approvals ?? 1]
  if (isMin < wasMin) wider.push(`approvals needed ${wasMin} → ${isMin}`)
  if (isMin > wasMin) narrower.push(`approvals needed ${wasMin} → ${isMin}`)
  if (was.all_groups && !is.all_groups) wider.push('one approver from every group → from any group')
  if (!was.all_groups && is.all_groups) narrower.push('one approver from any group → from every group')
  // A set of groups no longer needed, or one now met by more groups, is a way through with fewer hands.
  const setsOf = (a: ApprovalObligation) => (a.approver_sets ?? []).map((set) => [...set].sort().join(' or ')).sort()
  const [wasSets, isSets] = [setsOf(was), setsOf(is)]
  if (wasSets.some((set) => !isSets.includes(set))) wider.push(`approver sets ${wasSets.join('; ') || 'none'} → ${isSets.join('; ') || 'none'}`)
  else if (isSets.some((set) => !wasSets.includes(set))) narrower.push(`approver sets ${wasSets.join('; ') || 'none'} → ${isSets.join('; ') || 'none'}`)
  // A rule's own count lowered, dropped, or met from more groups is fewer hands from the groups it named.
  // A count is kept when one asks as many or more from the same groups or fewer.
  const implied = (q: ApprovalQuorum, by: ApprovalObligation) => (by.quorums ?? []).some((p) => p.min_approvals >= q.min_approvals && p.groups.every((g) => q.groups.includes(g)))
  const countText = (a: ApprovalObligation) => (a.quorums ?? []).map((q) => `${q.min_approvals} from ${[...q.groups].sort().join(' or ')}`).sort().join('; ') || 'none'
  const counts = `counts by group ${countText(was)} → ${countText(is)}`
  if ((was.quorums ?? []).some((q) => !implied(q, is))) wider.push(counts)
  else if ((is.quorums ?? []).some((q) => !implied(q, was))) narrower.push(counts)
  if (!wider.length && !narrower.length) return undefined
  const rules = sorted(rulesOf(head.reasons))
  // Any widening relaxes, even beside a narrowing: one more group that may approve is one more way through.
  return wider.length
    ? { change: 'approval widened', relaxation: true, rules, detail: [...wider, ...narrower].join('; ') }
    : { change: 'approval narrowed', relaxation: false, rules, detail: narrower.join('; ') }
}

/** Every way `head` decides differently from `base`; empty when they agree (reasons aside). */
export function compareDecisions(base: Decision, head: Decision): Flip[] {
  const flips: Flip[] = []
  const effect = effectFlip(base, head)
  if (effect) flips.push(effect)
  flips.push(...maskFlips(base, head))
  const approval = approvalFlip(base, head)
  if (approval) flips.push(approval)
  return flips
}
