// Flip groups as text: one block per group (what changed, the rules, the target, how many inputs), then its
// example. Shared by `warden diff` and `warden audit diff-dry-run`.
import type { FlipGroup } from '../../engine/diff/group.ts'

const clip = (text: string, max = 160) => {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

export function groupLabel(g: FlipGroup): 'RELAXES' | 'ACKED' | 'TIGHTENS' {
  if (!g.relaxation) return 'TIGHTENS'
  return g.acknowledged >= g.count ? 'ACKED' : 'RELAXES'
}

export function formatGroup(g: FlipGroup): string {
  const count = g.relaxation && g.acknowledged > 0 && g.acknowledged < g.count ? `×${g.count} (${g.acknowledged} acknowledged)` : `×${g.count}`
  const lines = [`${groupLabel(g).padEnd(8)} ${g.change}  ${g.rules.join(', ') || '(no rule named)'}  on ${g.target}  ${count}`]
  if (g.example.detail) lines.push(`         ${g.example.detail}`)
  lines.push(`         e.g. ${clip(g.example.command)}`)
  lines.push(`              ${[g.example.identity, g.example.origin].filter(Boolean).join(' · ')}`)
  for (const a of g.acknowledgements) lines.push(`         acknowledged: ${a}`)
  return lines.join('\n')
}

export function formatGroups(groups: readonly FlipGroup[]): string {
  return groups.map((g) => `${formatGroup(g)}\n`).join('\n')
}

/** `2 relaxations (1 acknowledged), 3 tightenings` over groups, counting inputs. */
export function flipCounts(groups: readonly FlipGroup[]): { relaxations: number; acknowledged: number; tightenings: number } {
  let relaxations = 0
  let acknowledged = 0
  let tightenings = 0
  for (const g of groups) {
    if (g.relaxation) {
      relaxations += g.count
      acknowledged += g.acknowledged
    } else tightenings += g.count
  }
  return { relaxations, acknowledged, tightenings }
}
