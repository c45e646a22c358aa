// warden audit export --format jsonl: every decision in the trail as an OPA decision log entry, one a line.
import { terminalJson } from '../../engine/printable.ts'
import { parseFlags, withUsage } from '../args.ts'
import { adminFailure } from '../admin-access.ts'
import { AUDIT_FLAGS, AUDIT_USAGE, openAuditReader } from '../audit-source.ts'
import { type ExitCode, type Io, UsageError } from '../io.ts'

const usage = `usage: warden audit export --format jsonl [--admin URL]

Prints each decision in the audit trail as an OPA decision log entry (decision_id, path, input, result,
timestamp, labels, bundles, masked, erased), one JSON object a line, in chain order. Every value was redacted
before it was stored: no token, password or masked value is in the trail to export.

  --format jsonl   the only format
${AUDIT_USAGE}
`

export async function runAuditExport(args: string[], io: Io): Promise<ExitCode> {
  return withUsage(io, async () => {
    const { values } = parseFlags(args, { ...AUDIT_FLAGS, format: { type: 'string' } }, usage)
    if (values.help) { io.out(usage); return 0 }
    if ((values.format ?? 'jsonl') !== 'jsonl') throw new UsageError('usage.format', `--format must be jsonl; got ${JSON.stringify(values.format)}`)
    const reader = await openAuditReader(values, io)
    try {
      let batch = ''
      for await (const entry of reader.decisionLog()) {
        batch += `${terminalJson(entry)}\n`
        if (batch.length > 64 * 1024) { io.out(batch); batch = '' }
      }
      if (batch) io.out(batch)
      return 0
    } catch (err) {
      return adminFailure(err, io, 'warden audit export')
    } finally {
      await reader.close()
    }
  })
}
