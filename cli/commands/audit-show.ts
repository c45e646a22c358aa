// warden audit show SESSION: the session replayed in chain order, as text or JSON.
import { formatReplay, replaySession } from '../../engine/audit/replay.ts'
import { parseFlags, withUsage } from '../args.ts'
import { auditConfig, COMMON_FLAGS, COMMON_USAGE, openAuditSource } from '../audit-source.ts'
import { type ExitCode, type Io, UsageError } from '../io.ts'

const usage = `usage: warden audit show SESSION [--json]

Replays one session from the audit trail: connection, statements with their decisions and response
summaries (rows, masked values), approvals, errors, disconnect. Find sessions with \`warden audit sessions\`.

  --json           print the replay as JSON
${COMMON_USAGE}
`

export async function runAuditShow(args: string[], io: Io): Promise<ExitCode> {
  return withUsage(io, async () => {
    const { values, positionals } = parseFlags(args, { ...COMMON_FLAGS, json: { type: 'boolean' } }, usage, true)
    if (values.help) { io.out(usage); return 0 }
    if (positionals.length !== 1) throw new UsageError('usage.arguments', `show takes exactly one session id, e.g. warden audit show 7f3c…\n\n${usage}`)
    const id = positionals[0]!
    const config = await auditConfig(values, io)
    const store = await openAuditSource(config, io)
    try {
      const records = await store.sessionRecords(id)
      if (!records.length) {
        io.err(`no session ${JSON.stringify(id)} in the audit trail; list sessions with warden audit sessions\n`)
        return 1
      }
      const replay = replaySession(id, records)
      io.out(values.json ? `${JSON.stringify(replay)}\n` : formatReplay(replay))
      return 0
    } finally {
      await store.close()
    }
  })
}
