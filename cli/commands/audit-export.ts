// warden audit export --format jsonl: every decision in the trail as an OPA decision log entry, one a line.
import { toDecisionLog } from '../../engine/audit/decision-log.ts'
import { parseFlags, withUsage } from '../args.ts'
import { auditConfig, COMMON_FLAGS, COMMON_USAGE, openAuditSource } from '../audit-source.ts'
import { type ExitCode, type Io, UsageError } from '../io.ts'

const usage = `usage: warden audit export --format jsonl

Prints each decision in the audit trail as an OPA decision log entry (decision_id, path, input, result,
timestamp, labels, bundles, masked), one JSON object a line, in chain order.

  --format jsonl   the only format
${COMMON_USAGE}
`

export async function runAuditExport(args: string[], io: Io): Promise<ExitCode> {
  return withUsage(io, async () => {
    const { values } = parseFlags(args, { ...COMMON_FLAGS, format: { type: 'string' } }, usage)
    if (values.help) { io.out(usage); return 0 }
    if ((values.format ?? 'jsonl') !== 'jsonl') throw new UsageError('usage.format', `--format must be jsonl; got ${JSON.stringify(values.format)}`)
    const config = await auditConfig(values, io)
    const store = await openAuditSource(config, io)
    const labels = { app: 'warden', store: store.kind }
    try {
      let batch = ''
      for await (const r of store.records()) {
        const entry = toDecisionLog(r, labels)
        if (!entry) continue
        batch += `${JSON.stringify(entry)}\n`
        if (batch.length > 64 * 1024) { io.out(batch); batch = '' }
      }
      if (batch) io.out(batch)
      return 0
    } finally {
      await store.close()
    }
  })
}
