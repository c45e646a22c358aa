// Flip groups as text: one block per group (what changed, the rules, the target, how many inputs), then its
// example. Shared by `warden diff` and `warden audit diff-dry-run`; and the text report of `warden diff`.
import type { FlipGroup } from '../../engine/diff/group.ts'
import { oneLine } from '../../engine/printable.ts'
import type { DiffReport } from './report.ts'

/** On one line, at most `max` characters, every control and bidi character shown as an escape (printable.ts). */
export const clip = (text: string, max = 160) => {
  const line = text.replace(/\s+/g, ' ').trim()
  return oneLine(line.length > max ? `${line.slice(0, max - 1)}…` : line)
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
  // Examples quote what agents sent (a quoted identifier survives redaction), and rules and reasons may quote it.
  return lines.map(oneLine).join('\n')
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

const n = (x: number) => x.toLocaleString('en-US')

/** `1 input`, `2 inputs`. */
export const plural = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`

/** The closing lines of a diff: counts, then the verdict. */
export function diffVerdict(report: DiffReport): string {
  const { tightenings } = flipCounts(report.groups)
  const r = report.relaxations
  if (!report.groups.length) return 'no flips: both policies decide every input the same way'
  const counts = `${plural(r.inputs, 'input')} relaxed (${n(r.acknowledged)} acknowledged), ${n(tightenings)} tightened; ${plural(report.groups.length, 'group')}`
  return report.failed
    ? `${counts}\nFAILED: ${plural(r.inputs - r.acknowledged, 'relaxed input is', 'relaxed inputs are')} not acknowledged; if intended, add entries (rule, change, target, reason) to the acknowledgements file`
    : `${counts}\nno unacknowledged relaxation`
}

export function formatDiffText(report: DiffReport): string {
  const corpora = report.corpora.map((c) => {
    const skipped = c.skipped.reduce((k, s) => k + s.count, 0)
    return `${c.name} ${plural(c.inputs, 'input')}${skipped ? ` (${n(skipped)} skipped: ${c.skipped.map((s) => `${s.count}× ${s.reason}`).join(' | ')})` : ''}`
  })
  // Below a few thousand decisions the time is mostly preparing the instances: a rate would mislead.
  const rate = report.seconds > 0 && report.decisions >= 2000 ? `, ${n(Math.round(report.decisions / report.seconds))} decisions/s` : ''
  const lines = [
    `warden diff: ${report.base} → ${report.head}`,
    `corpus: ${corpora.join('; ') || 'empty'}`,
    `replayed ${plural(report.distinct, 'distinct input')} × 2 policies = ${n(report.decisions)} decisions in ${report.seconds.toFixed(2)} s${rate} (${report.workers ? `${report.workers} workers` : 'inline'})`,
  ]
  if (report.fidelity) {
    lines.push(`audit replay: the base policy reproduces ${n(report.fidelity.reproduced)} of ${n(report.fidelity.replayed)} recorded decisions (the trail keeps inputs redacted)`)
  }
  if (report.groups.length) lines.push('', formatGroups(report.groups).trimEnd())
  lines.push('', diffVerdict(report))
  for (const a of report.unusedAcknowledgements) lines.push(`unused acknowledgement (nothing it covers flipped): ${a.rule}${a.change ? ` ${a.change}` : ''} at ${a.location}`)
  return `${lines.join('\n')}\n`
}
