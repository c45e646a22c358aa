// warden audit show SESSION: the session replayed in chain order, as text or JSON.
import { terminalJson } from '../../engine/printable.ts'
import { formatReplay } from '../../engine/audit/replay.ts'
import { parseFlags, withUsage } from '../args.ts'
import { adminFailure } from '../admin-access.ts'
import { AUDIT_FLAGS, AUDIT_USAGE, openAuditReader } from '../audit-source.ts'
import { type ExitCode, type Io, UsageError } from '../io.ts'

const usage = `usage: warden audit show SESSION [--json] [--admin URL]

Replays one session from the audit trail: connection, statements with their decisions and response
summaries (rows, masked values), approvals, errors, disconnect. Find sessions with \`warden audit sessions\`.

  --json           print the replay as JSON
${AUDIT_USAGE}
`

export async function runAuditShow(args: string[], io: Io): Promise<ExitCode> {
  return withUsage(io, async () => {
    const { values, positionals } = parseFlags(args, { ...AUDIT_FLAGS, json: { type: 'boolean' } }, usage, true)
    if (values.help) { io.out(usage); return 0 }
    if (positionals.length !== 1) throw new UsageError('usage.arguments', `show takes exactly one session id, e.g. warden audit show 7f3c…\n\n${usage}`)
    const id = positionals[0]!
    const reader = await openAuditReader(values, io)
    try {
      const replay = await reader.replay(id)
      if (!replay) {
        io.err(`no session ${JSON.stringify(id)} in the audit trail; list sessions with warden audit sessions\n`)
        return 1
      }
      io.out(values.json ? `${terminalJson(replay)}\n` : formatReplay(replay))
      return 0
    } catch (err) {
      return adminFailure(err, io, 'warden audit show')
    } finally {
      await reader.close()
    }
  })
}
