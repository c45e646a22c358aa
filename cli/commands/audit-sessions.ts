// warden audit sessions: the sessions in the trail, with counts; filtered by time, identity and target.
import { AuditError } from '../../engine/audit/errors.ts'
import { parseSince } from '../../engine/audit/reader.ts'
import { parseFlags, withUsage } from '../args.ts'
import { adminFailure } from '../admin-access.ts'
import { AUDIT_FLAGS, AUDIT_USAGE, openAuditReader } from '../audit-source.ts'
import { type ExitCode, type Io, UsageError } from '../io.ts'
import { oneLine, terminalJson } from '../../engine/printable.ts'

const usage = `usage: warden audit sessions [--since TIME] [--identity SUB] [--target NAME] [--json] [--admin URL]

  --since TIME     sessions active at or after TIME (ISO 8601, e.g. 2026-11-29T15:00:00Z, or a duration like 2h, 30m, 7d)
  --identity SUB   sessions of this identity (the token's sub)
  --target NAME    sessions on this target
  --json           print JSON instead of a table
${AUDIT_USAGE}
`

/** --since as an ISO time; a text that is neither a time nor a duration is a usage error. */
export function since(text: string | undefined): string | undefined {
  if (text === undefined) return undefined
  try {
    return parseSince(text)
  } catch (err) {
    if (err instanceof AuditError) throw new UsageError('usage.since', `--${err.message}`)
    throw err
  }
}

export async function runAuditSessions(args: string[], io: Io): Promise<ExitCode> {
  return withUsage(io, async () => {
    const { values } = parseFlags(args, { ...AUDIT_FLAGS, since: { type: 'string' }, identity: { type: 'string' }, target: { type: 'string' }, json: { type: 'boolean' } }, usage)
    if (values.help) { io.out(usage); return 0 }
    const filter = { since: since(values.since as string | undefined), identity: values.identity as string | undefined, target: values.target as string | undefined }
    const reader = await openAuditReader(values, io)
    try {
      const { sessions, truncated } = await reader.sessions(filter)
      // The JSON stays a list (scripts read it so); the cut is said on stderr.
      if (truncated) io.err(`only the ${sessions.length} most recent sessions are listed; narrow with --since, --identity or --target\n`)
      if (values.json) { io.out(`${terminalJson(sessions)}\n`); return 0 }
      if (!sessions.length) { io.out('no sessions\n'); return 0 }
      const rows = [['SESSION', 'IDENTITY', 'TARGET', 'FIRST', 'LAST', 'STATEMENTS', 'DENIED'],
        ...sessions.map((s) => [s.session_id, s.identity ?? '-', s.target ?? '-', s.first_time, s.last_time, String(s.statements), String(s.denied)].map(oneLine))]
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
      io.out(rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n')
      return 0
    } catch (err) {
      return adminFailure(err, io, 'warden audit sessions')
    } finally {
      await reader.close()
    }
  })
}
