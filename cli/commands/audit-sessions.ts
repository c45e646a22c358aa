// warden audit sessions: the sessions in the trail, with counts; filtered by time, identity and target.
import { parseFlags, withUsage } from '../args.ts'
import { auditConfig, COMMON_FLAGS, COMMON_USAGE, openAuditSource } from '../audit-source.ts'
import { type ExitCode, type Io, UsageError } from '../io.ts'

const usage = `usage: warden audit sessions [--since TIME] [--identity SUB] [--target NAME] [--json]

  --since TIME     sessions active at or after TIME (ISO 8601, e.g. 2026-11-29T15:00:00Z, or a duration like 2h, 30m, 7d)
  --identity SUB   sessions of this identity (the token's sub)
  --target NAME    sessions on this target
  --json           print JSON instead of a table
${COMMON_USAGE}
`

const DURATION = /^(\d+)([smhd])$/
const UNIT = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

export function parseSince(text: string, now = Date.now()): string {
  const d = DURATION.exec(text)
  if (d) return new Date(now - Number(d[1]) * UNIT[d[2] as keyof typeof UNIT]).toISOString()
  const t = Date.parse(text)
  if (Number.isNaN(t)) throw new UsageError('usage.since', `--since must be an ISO 8601 time (2026-11-29T15:00:00Z) or a duration (30m, 2h, 7d); got ${JSON.stringify(text)}`)
  return new Date(t).toISOString()
}

export async function runAuditSessions(args: string[], io: Io): Promise<ExitCode> {
  return withUsage(io, async () => {
    const { values } = parseFlags(args, { ...COMMON_FLAGS, since: { type: 'string' }, identity: { type: 'string' }, target: { type: 'string' }, json: { type: 'boolean' } }, usage)
    if (values.help) { io.out(usage); return 0 }
    const since = values.since === undefined ? undefined : parseSince(values.since as string)
    const config = await auditConfig(values, io)
    const store = await openAuditSource(config, io)
    try {
      const sessions = await store.sessions({ since, identity: values.identity as string | undefined, target: values.target as string | undefined })
      if (values.json) { io.out(`${JSON.stringify(sessions)}\n`); return 0 }
      if (!sessions.length) { io.out('no sessions\n'); return 0 }
      const rows = [['SESSION', 'IDENTITY', 'TARGET', 'FIRST', 'LAST', 'STATEMENTS', 'DENIED'],
        ...sessions.map((s) => [s.session_id, s.identity ?? '-', s.target ?? '-', s.first_time, s.last_time, String(s.statements), String(s.denied)])]
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
      io.out(rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n')
      return 0
    } finally {
      await store.close()
    }
  })
}
