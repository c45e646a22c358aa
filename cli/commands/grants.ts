// warden grants list|revoke: the time-bound grants approvals created, through a running gateway's admin API.
import type { GrantRecord } from '../../engine/approvals/types.ts'
import { actionAndId, ADMIN_FLAGS, ADMIN_USAGE, adminClientFor, adminFailure } from '../admin-access.ts'
import { parseFlags, withUsage } from '../args.ts'
import { CONFIG_FLAGS, CONFIG_USAGE } from '../command-config.ts'
import type { ExitCode, Io } from '../io.ts'
import { oneLine, terminalJson } from '../../engine/printable.ts'

const usage = `usage: warden grants list [--all] [--target NAME] [--json]
       warden grants revoke ID [--note TEXT]

Lists the grants approvals created (what each lets through, for whom, until when) and revokes one: the
gateway stops honouring it at once, on every gateway sharing the approval store.

  --all            also grants that were revoked or have expired
  --target NAME    only grants on this target
  --json           print JSON instead of a table
  --note TEXT      a note recorded with the revocation
  --admin URL      the admin API (default: $WARDEN_ADMIN_URL, else listeners.admin of the config)
${ADMIN_USAGE}
${CONFIG_USAGE}

Example: npx warden grants revoke grt_x --as alice --group dba
`

export async function runGrants(args: string[], io: Io): Promise<ExitCode> {
  return withUsage(io, async () => {
    const { values, positionals } = parseFlags(args, {
      all: { type: 'boolean' },
      target: { type: 'string' },
      json: { type: 'boolean' },
      note: { type: 'string' },
      ...ADMIN_FLAGS,
      ...CONFIG_FLAGS,
    }, usage, true)
    if (values.help) { io.out(usage); return 0 }
    const { action, id } = actionAndId(positionals, ['list', 'revoke'] as const, usage, () => 'warden grants revoke grt_abc123')
    const client = await adminClientFor(values, io)
    try {
      if (action === 'list') {
        const grants = await client.grants({ all: values.all === true, target: values.target as string | undefined })
        io.out(values.json ? `${terminalJson(grants, 2)}\n` : formatGrants(grants, Date.now()))
        return 0
      }
      const revoked = await client.revoke(id as string, values.note as string | undefined)
      io.out(values.json ? `${terminalJson(revoked, 2)}\n` : `${oneLine(`${revoked.id} revoked by ${revoked.revoked_by ?? 'unknown'} at ${revoked.revoked_at ?? '?'}; it covered ${covers(revoked)}`)}\n`)
      return 0
    } catch (err) {
      return adminFailure(err, io, 'warden grants')
    }
  })
}

/** What a grant lets through. */
export function covers(g: GrantRecord): string {
  const who = `${g.subject.sub} on ${g.target}`
  switch (g.scope) {
    case 'statement': return `one statement (${g.digest?.slice(0, 12) ?? '?'}…) by ${who}`
    case 'fingerprint': return `statements of one shape (${g.fingerprint?.slice(0, 12) ?? '?'}…) by ${who}`
    case 'session': return `session ${g.session_id} (${who})`
    case 'target': return `everything ${who} would be held for`
  }
}

function state(g: GrantRecord, nowMs: number): string {
  if (g.revoked_at) return `revoked by ${g.revoked_by ?? '?'}`
  const left = Math.floor(g.expires_at_ns / 1e6) - nowMs
  if (left <= 0) return 'expired'
  return left >= 3_600_000 ? `${Math.floor(left / 3_600_000)}h left` : left >= 60_000 ? `${Math.floor(left / 60_000)}m left` : `${Math.ceil(left / 1000)}s left`
}

export function formatGrants(grants: readonly GrantRecord[], nowMs: number): string {
  if (!grants.length) return 'no grants in force\n'
  const header = ['ID', 'SCOPE', 'STATE', 'APPROVAL', 'APPROVED BY', 'COVERS']
  const rows = grants.map((g) => [g.id, g.scope, state(g, nowMs), g.approval_id, g.approved_by, covers(g)].map(oneLine))
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')
  return `${[line(header), ...rows.map(line)].join('\n')}\n`
}
