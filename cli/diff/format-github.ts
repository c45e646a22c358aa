// `warden diff --format github`: GitHub Actions workflow commands. An unacknowledged relaxation is an
// ::error, a tightening a ::warning, an acknowledged relaxation a ::notice; each points at the fixture file
// and line of its example when it has one.
// @see https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands
import type { FlipGroup } from '../../engine/diff/group.ts'
import { diffVerdict, groupLabel, plural } from './format-text.ts'
import type { DiffReport } from './report.ts'

/** Message data: %, CR and LF escaped. */
const data = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
/** Property values: also : and , escaped. */
const property = (text: string) => data(text).replace(/:/g, '%3A').replace(/,/g, '%2C')

const LEVEL = { RELAXES: 'error', TIGHTENS: 'warning', ACKED: 'notice' } as const

function annotation(g: FlipGroup): string {
  const label = groupLabel(g)
  const where = g.example.file ? `file=${property(g.example.file)}${g.example.line ? `,line=${g.example.line}` : ''},` : ''
  const title = `warden diff: ${g.change} on ${g.target}`
  const message = [
    `${g.rules.join(', ') || '(no rule named)'}: ${plural(g.count, 'input')}${g.acknowledged ? ` (${g.acknowledged} acknowledged)` : ''}${label === 'RELAXES' ? ' — a relaxation nobody acknowledged' : ''}`,
    ...(g.example.detail ? [g.example.detail] : []),
    `e.g. ${g.example.command}`,
    [g.example.identity, g.example.origin].filter(Boolean).join(' · '),
    ...g.acknowledgements.map((a) => `acknowledged: ${a}`),
  ].join('\n')
  return `::${LEVEL[label]} ${where}title=${property(title)}::${data(message)}`
}

export function formatDiffGithub(report: DiffReport): string {
  const lines = report.groups.map(annotation)
  lines.push(`warden diff: ${report.base} → ${report.head}: ${diffVerdict(report).replace(/\n/g, '; ')}`)
  return `${lines.join('\n')}\n`
}
