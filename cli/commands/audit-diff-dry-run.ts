// warden audit diff-dry-run: where the dry-run policy (policy.dry_run) decided differently from the enforced
// one, read from the audit trail: flips grouped by change, rule and target with an example each, then the
// dry-run errors.
import { type RecordedRequest, recordedRequest, recordOrigin } from '../../engine/diff/audit-record.ts'
import { createFlipCollector, type FlipGroup } from '../../engine/diff/group.ts'
import { oneLine, terminalJson } from '../../engine/printable.ts'
import { adminFailure } from '../admin-access.ts'
import { parseFlags, withUsage } from '../args.ts'
import { AUDIT_FLAGS, AUDIT_USAGE, openAuditReader, requireVerified } from '../audit-source.ts'
import { clip, formatGroups } from '../diff/format-text.ts'
import { type ExitCode, type Io, UsageError } from '../io.ts'
import { since } from './audit-sessions.ts'

const usage = `usage: warden audit diff-dry-run [--since TIME] [--target NAME] [--format text|json] [--admin URL]

Compares the dry-run decision recorded beside each enforced decision (policy.dry_run in the config) and lists
where they disagree, grouped by change (allow→deny, deny→allow, mask lost …), rule and target, with an example
each, then the dry-run policy's errors. Nothing here was applied: the enforced decision is what ran.

  --since TIME     requests at or after TIME (ISO 8601, or a duration like 2h, 30m, 7d)
  --target NAME    requests to this target
  --format FORMAT  text (default) or json
${AUDIT_USAGE}
`

export interface DryRunError {
  error: string
  count: number
  example: { command: string; origin: string }
}

export interface DryRunReport {
  /** Judged requests that carry a dry-run decision. */
  requests: number
  agree: number
  differ: number
  /** Requests the dry-run policy would let more through (anything becoming allow, a mask lost …), or fewer. */
  relaxed: number
  tightened: number
  errors: DryRunError[]
  groups: FlipGroup[]
}

export function dryRunReport(recorded: Iterable<RecordedRequest>): DryRunReport {
  const collector = createFlipCollector()
  const errors = new Map<string, DryRunError>()
  const report: DryRunReport = { requests: 0, agree: 0, differ: 0, relaxed: 0, tightened: 0, errors: [], groups: [] }
  for (const r of recorded) {
    const d = r.dry_run
    if (!d) continue
    report.requests++
    const flips = Array.isArray(d.flips) ? d.flips : []
    if (flips.length) report.differ++
    else if (!d.error) report.agree++
    if (flips.some((f) => f.relaxation)) report.relaxed++
    if (flips.some((f) => !f.relaxation)) report.tightened++
    const example = { command: r.command, origin: recordOrigin(r), digest: '', ...(r.identity?.sub ? { identity: r.identity.sub } : {}) }
    collector.add(flips, r.target ?? '?', example)
    if (d.error) {
      const seen = errors.get(d.error) ?? { error: d.error, count: 0, example: { command: r.command, origin: example.origin } }
      seen.count++
      errors.set(d.error, seen)
    }
  }
  report.groups = collector.groups()
  report.errors = [...errors.values()].sort((a, b) => b.count - a.count)
  return report
}

export function formatDryRunReport(report: DryRunReport): string {
  if (!report.requests) return 'no judged requests with a dry-run decision; configure policy.dry_run and let traffic through the gateway\n'
  const lines = [
    `dry run vs enforced: ${report.requests} judged requests, ${report.agree} agree, ${report.differ} differ, ${report.errors.reduce((n, e) => n + e.count, 0)} dry-run errors`,
  ]
  if (report.groups.length) lines.push(`the dry-run policy would relax ${report.relaxed} and tighten ${report.tightened} of them:`, '', formatGroups(report.groups).trimEnd())
  if (report.errors.length) {
    lines.push('', 'dry-run errors (the enforced decision ran; the dry-run policy would have denied):')
    for (const e of report.errors) lines.push(oneLine(`  ×${e.count}  ${e.error}`), `       e.g. ${clip(e.example.command)}  (${oneLine(e.example.origin)})`)
  }
  return `${lines.join('\n')}\n`
}

export async function runAuditDiffDryRun(args: string[], io: Io): Promise<ExitCode> {
  return withUsage(io, async () => {
    const { values } = parseFlags(args, { ...AUDIT_FLAGS, since: { type: 'string' }, target: { type: 'string' }, format: { type: 'string', default: 'text' } }, usage)
    if (values.help) { io.out(usage); return 0 }
    const format = values.format as string
    if (format !== 'text' && format !== 'json') throw new UsageError('usage.format', `--format must be text or json; got ${JSON.stringify(format)}`)
    const filter = { since: since(values.since as string | undefined), target: values.target as string | undefined }
    const reader = await openAuditReader(values, io)
    try {
      await requireVerified(reader, 'read for the dry run')
      const recorded: RecordedRequest[] = []
      for await (const entry of reader.decisionLog()) {
        const r = recordedRequest(entry, filter)
        if (r?.dry_run) recorded.push(r)
      }
      const report = dryRunReport(recorded)
      io.out(format === 'json' ? `${terminalJson(report)}\n` : formatDryRunReport(report))
      return 0
    } catch (err) {
      return adminFailure(err, io, 'warden audit diff-dry-run')
    } finally {
      await reader.close()
    }
  })
}
