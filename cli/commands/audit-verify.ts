// warden audit verify: checks the chain and the signed checkpoints, names the first bad record and why.
import { resolve } from 'node:path'
import type { VerifyReport } from '../../engine/audit/chain/verify.ts'
import { oneLine, terminalJson } from '../../engine/printable.ts'
import { parseFlags, withUsage } from '../args.ts'
import { adminFailure } from '../admin-access.ts'
import { AUDIT_FLAGS, AUDIT_USAGE, openAuditReader } from '../audit-source.ts'
import type { ExitCode, Io } from '../io.ts'

const usage = `usage: warden audit verify [--public-key FILE]… [--checkpoints FILE] [--json] [--admin URL]

Checks every record's hash and link, the sequence, and every signed checkpoint. Names the first bad record:
edited, rewritten, deleted, reordered, truncated, or a forged checkpoint. Exit 1 when the trail fails.

  --public-key FILE   a trusted checkpoint key (repeatable; default <state_dir>/audit/signing-key.pub.pem)
  --checkpoints FILE  exported checkpoints to check too (default audit.checkpoints.file of the config)
  --json              print the report as JSON
${AUDIT_USAGE}
  Through --admin the gateway verifies with its own key and exported checkpoints; an auditor who keeps their
  own copy of the public key or the checkpoints verifies the store itself, with --public-key / --checkpoints.
`

/**
 * Where the trail ends and how much of it a signature vouches for: a trail cut at its end verifies, unless a
 * checkpoint kept outside the store covers what was cut; the times let an auditor see the end is not where the
 * gateway's activity ended.
 */
function coverage(report: VerifyReport): string {
  if (!report.records) return ''
  const end = `last record ${report.head.seq} written ${oneLine(report.head_time ?? '?')}`
  const c = report.last_checkpoint
  if (!c) return `${end}; no signed checkpoint covers any record yet: a cut at the end would not show\n`
  const tail = c.seq < report.head.seq ? `; records ${c.seq + 1}…${report.head.seq} are not under a signed checkpoint yet: a cut after record ${c.seq} would not show` : ''
  return `${end}; last signed checkpoint at record ${c.seq}, signed ${oneLine(c.time)}${tail}\n`
}

export async function runAuditVerify(args: string[], io: Io): Promise<ExitCode> {
  return withUsage(io, async () => {
    const { values } = parseFlags(args, { ...AUDIT_FLAGS, 'public-key': { type: 'string', multiple: true }, checkpoints: { type: 'string' }, json: { type: 'boolean' } }, usage)
    if (values.help) { io.out(usage); return 0 }
    const keys = values['public-key'] as string[] | undefined
    const checkpoints = values.checkpoints as string | undefined
    const reader = await openAuditReader(values, io, {
      publicKeyFiles: keys?.map((f) => resolve(io.cwd, f)),
      checkpointsFile: checkpoints === undefined ? undefined : resolve(io.cwd, checkpoints),
      flags: [...(keys ? ['--public-key'] : []), ...(checkpoints !== undefined ? ['--checkpoints'] : [])],
    })
    try {
      const report = await reader.verify()
      if (values.json) io.out(`${terminalJson(report)}\n`)
      else if (report.ok) io.out(`ok: ${report.records} records, chain intact up to record ${report.head.seq}; ${report.checkpoints} signed checkpoints verified\n${coverage(report)}`)
      // The message quotes the store (a checkpoint's time and key id), which whoever tampered with it wrote.
      else io.out(`FAIL: record ${report.failure!.seq}: ${report.failure!.reason}: ${oneLine(report.failure!.message)}\n(${report.records} records verified before it)\n`)
      if (!values.json) for (const w of report.warnings ?? []) io.out(`warning: ${oneLine(w)}\n`)
      return report.ok ? 0 : 1
    } catch (err) {
      return adminFailure(err, io, 'warden audit verify')
    } finally {
      await reader.close()
    }
  })
}
