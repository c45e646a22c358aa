// warden audit verify: checks the chain and the signed checkpoints, names the first bad record and why.
import { existsSync } from 'node:fs'
import type { KeyObject } from 'node:crypto'
import { resolve } from 'node:path'
import type { Checkpoint } from '../../engine/audit/chain/checkpoint.ts'
import { verifyChain } from '../../engine/audit/chain/verify.ts'
import { auditKeyPaths, loadPublicKey } from '../../proxy/server/audit-key.ts'
import { readCheckpointFile } from '../../proxy/server/checkpoint-file.ts'
import { parseFlags, withUsage } from '../args.ts'
import { auditConfig, COMMON_FLAGS, COMMON_USAGE, openAuditSource } from '../audit-source.ts'
import type { ExitCode, Io } from '../io.ts'

const usage = `usage: warden audit verify [--public-key FILE]… [--checkpoints FILE] [--json]

Checks every record's hash and link, the sequence, and every signed checkpoint. Names the first bad record:
edited, rewritten, deleted, reordered, truncated, or a forged checkpoint. Exit 1 when the trail fails.

  --public-key FILE   a trusted checkpoint key (repeatable; default <state_dir>/audit/signing-key.pub.pem)
  --checkpoints FILE  exported checkpoints to check too (default audit.checkpoints.file of the config)
  --json              print the report as JSON
${COMMON_USAGE}
`

export async function runAuditVerify(args: string[], io: Io): Promise<ExitCode> {
  return withUsage(io, async () => {
    const { values } = parseFlags(args, { ...COMMON_FLAGS, 'public-key': { type: 'string', multiple: true }, checkpoints: { type: 'string' }, json: { type: 'boolean' } }, usage)
    if (values.help) { io.out(usage); return 0 }
    const config = await auditConfig(values, io)
    const keyFiles = (values['public-key'] as string[] | undefined)?.map((f) => resolve(io.cwd, f)) ?? [auditKeyPaths(config.state_dir).public]
    const store = await openAuditSource(config, io)
    try {
      const keys: KeyObject[] = keyFiles.map(loadPublicKey)
      const checkpoints: Checkpoint[] = await store.checkpoints()
      const exported = (values.checkpoints as string | undefined) ? resolve(io.cwd, values.checkpoints as string) : config.audit.checkpoints.file
      if (exported && (values.checkpoints || existsSync(exported))) checkpoints.push(...readCheckpointFile(exported))
      const report = await verifyChain({ records: () => store.records(), has: (seq) => store.has(seq), checkpoints, keys })
      if (values.json) io.out(`${JSON.stringify(report)}\n`)
      else if (report.ok) io.out(`ok: ${report.records} records, chain intact up to record ${report.head.seq}; ${report.checkpoints} signed checkpoints verified\n`)
      else io.out(`FAIL: record ${report.failure!.seq}: ${report.failure!.reason}: ${report.failure!.message}\n(${report.records} records verified before it)\n`)
      return report.ok ? 0 : 1
    } finally {
      await store.close()
    }
  })
}
