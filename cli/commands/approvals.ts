// warden approvals list|show|approve|deny: review held statements on a running gateway through its admin API.
import { describeNeed, minApprovals, stillNeeded } from '../../engine/approvals/quorum.ts'
import type { ApprovalRequest, ApprovalStatus } from '../../engine/approvals/types.ts'
import { oneLine, terminalJson, visible } from '../../engine/printable.ts'
import { lookalikes } from '../lookalikes.ts'
import { actionAndId, ADMIN_FLAGS, ADMIN_USAGE, adminClientFor, adminFailure } from '../admin-access.ts'
import { parseFlags, withUsage } from '../args.ts'
import { CONFIG_FLAGS, CONFIG_USAGE } from '../command-config.ts'
import { type ExitCode, type Io, UsageError } from '../io.ts'

const usage = `usage: warden approvals list [--status S] [--json]
       warden approvals show ID [--json]
       warden approvals approve ID [--note TEXT]
       warden approvals deny ID [--note TEXT]

Reviews statements the gateway holds for approval, through its admin API. A statement is shown as it will
run, with the values it was sent with (the audit log keeps only its redacted form).

  --status S       list only requests in this status: pending, approved, rejected, expired
  --json           print JSON instead of a table
  --note TEXT      a note recorded with the decision
  --admin URL      the admin API (default: $WARDEN_ADMIN_URL, else listeners.admin of the config)
${ADMIN_USAGE}
${CONFIG_USAGE}

Example: npx warden approvals approve apr_x --as alice --group dba
`

const STATUSES: readonly ApprovalStatus[] = ['pending', 'approved', 'rejected', 'expired']

export async function runApprovals(args: string[], io: Io): Promise<ExitCode> {
  return withUsage(io, async () => {
    const { values, positionals } = parseFlags(args, {
      status: { type: 'string' },
      json: { type: 'boolean' },
      note: { type: 'string' },
      ...ADMIN_FLAGS,
      ...CONFIG_FLAGS,
    }, usage, true)
    if (values.help) { io.out(usage); return 0 }
    const { action, id } = actionAndId(positionals, ['list', 'show', 'approve', 'deny'] as const, usage, (a) => `warden approvals ${a} apr_abc123`)
    const status = values.status as string | undefined
    if (status !== undefined && !STATUSES.includes(status as ApprovalStatus)) {
      throw new UsageError('usage.status', `--status must be one of ${STATUSES.join(', ')}; got ${JSON.stringify(status)}`)
    }

    const client = await adminClientFor(values, io)

    try {
      if (action === 'list') {
        const list = await client.list(status as ApprovalStatus | undefined)
        io.out(values.json ? `${terminalJson(list, 2)}\n` : formatTable(list, Date.now()))
        return 0
      }
      if (action === 'show') {
        const request = await client.get(id as string)
        io.out(values.json ? `${terminalJson(request, 2)}\n` : describeRequest(request))
        return 0
      }
      const decided = action === 'approve' ? await client.approve(id as string, values.note as string | undefined) : await client.deny(id as string, values.note as string | undefined)
      io.out(values.json ? `${terminalJson(decided, 2)}\n` : describeDecision(decided))
      return 0
    } catch (err) {
      return adminFailure(err, io, 'warden approvals')
    }
  })
}

function age(iso: string, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m`
  if (s < 86400) return `${Math.floor(s / 3600)}h`
  return `${Math.floor(s / 86400)}d`
}

function clip(text: string, width: number): string {
  const flat = visible(text.replace(/\s+/g, ' ').trim())
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat
}

/** The list as an aligned table, newest first. */
export function formatTable(list: readonly ApprovalRequest[], nowMs: number): string {
  if (!list.length) return 'no approval requests\n'
  const rows = [...list]
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at))
    .map((r) => [r.id, r.status, age(r.created_at, nowMs), `${r.requester.sub} (${r.requester.kind})`, r.target, r.approval.approvers.join(','), clip(reviewOf(r), 60)].map(oneLine))
  const header = ['ID', 'STATUS', 'AGE', 'REQUESTER', 'TARGET', 'APPROVERS', 'STATEMENT']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number))).join('  ')
  return `${[line(header), ...rows.map(line)].join('\n')}\n`
}


/** What the reviewer approves; requests from a gateway that predates review_text show the summary. */
const reviewOf = (r: ApprovalRequest) => r.command.review_text ?? r.command.summary

/** What an approval's grant lets through until it expires, by scope. */
const SCOPES: Record<ApprovalRequest['approval']['scope'], string> = {
  statement: 'this exact statement text by this requester on this target, in any session (for a statement with $n parameters: with the values shown below only)',
  fingerprint: 'statements of this shape, with any literal values, by this requester on this target',
  session: 'everything this session would be held for',
  target: 'everything this requester would be held for on this target',
}

/** Who must approve: "one of dba, sre", "2 people from dba, sre", "someone from each of dba, sre". */
export function approversRule(a: ApprovalRequest['approval']): string {
  const min = minApprovals(a)
  const sets = a.all_groups ? a.approvers.map((g) => [g]) : a.approver_sets
  const who = sets ? `someone from each of ${sets.map((set) => set.join(' or ')).join(', ')}` : `${min > 1 ? `${min} people` : 'one member'} of ${a.approvers.join(', ')}`
  const all = sets && min > 1 ? `${who}, ${min} people in all` : who
  const counts = (a.quorums ?? []).map((q) => `${q.min_approvals} people from ${q.groups.join(' or ')}`)
  return counts.length ? `${all}; and ${counts.join(', ')}` : all
}

const expiry = (g: { expires_at_ns: number }) => new Date(g.expires_at_ns / 1e6).toISOString()

/** Words of the statement that may read as other words, named before it (lookalikes.ts). */
function lookalikeLines(text: string): string[] {
  const found = lookalikes(text)
  return found.length ? ['look-alike words: the statement has words that may read as other words', ...found.map((l) => oneLine(`  - ${l}`))] : []
}

/** One request in full: who asked, why, what approving allows, and the statement exactly as it will run. */
export function describeRequest(r: ApprovalRequest): string {
  const lines = [
    // Single-line fields stay on their line (a note or a reason cannot forge the lines after it); the statement
    // keeps its lines, each indented under its heading.
    oneLine(`${r.id}  ${r.status}${r.decided_by ? ` by ${r.decided_by}` : ''}${r.note ? ` (${r.note})` : ''}`),
    oneLine(`requester: ${r.requester.sub} (${r.requester.kind}), session ${r.session_id}, target ${r.target}`),
    `created:   ${r.created_at}${r.status === 'pending' ? `, can be approved until ${r.expires_at}` : ''}`,
    `approvers: ${approversRule(r.approval)}`,
    ...(r.approvals?.length ? [oneLine(`approved so far by: ${r.approvals.map((v) => v.sub).join(', ')}`)] : []),
    `if approved: a grant for ${r.approval.ttl_seconds} s covering ${SCOPES[r.approval.scope]}`,
    `risk:      ${r.risk ? `${r.risk.level} (${r.risk.score})` : 'not recorded'}; policy revision ${r.revision ?? 'not recorded'}`,
    'reasons:',
    ...r.reasons.map((x) => oneLine(`  - ${x.message} [${x.rule}]`)),
    ...lookalikeLines(reviewOf(r)),
    'statement, as it will run:',
    ...reviewOf(r).split('\n').map((l) => `  ${l}`),
  ]
  if (r.grant) lines.push(`grant ${r.grant.id}: scope ${r.grant.scope}, expires ${expiry(r.grant)}`)
  return `${visible(lines.join('\n'))}\n`
}

function describeDecision(r: ApprovalRequest): string {
  if (r.status === 'pending') {
    const last = r.approvals.at(-1)
    return `${oneLine(`${r.id} approval by ${last?.sub ?? 'unknown'} recorded; it still needs ${describeNeed(stillNeeded(r.approval, r.approvals))}`)}\n`
  }
  const lines = [`${r.id} ${r.status} by ${r.decided_by ?? 'unknown'}: ${clip(reviewOf(r), 100)}`]
  if (r.grant) lines.push(`grant ${r.grant.id}: scope ${r.grant.scope}, expires ${expiry(r.grant)}`)
  if (r.note) lines.push(`note: ${r.note}`)
  return `${lines.map(oneLine).join('\n')}\n`
}
