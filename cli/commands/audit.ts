// warden audit verify|sessions|show|export|diff-dry-run: readers of the tamper-evident audit trail, straight from the store.
import type { ExitCode, Io } from '../io.ts'
import { UsageError } from '../io.ts'
import { withUsage } from '../args.ts'

const usage = `usage: warden audit verify    check the chain and the signed checkpoints; names the first bad record
       warden audit sessions  list sessions [--since TIME] [--identity SUB] [--target NAME]
       warden audit show ID   replay one session in order (text or --json)
       warden audit export    every decision as OPA decision-log JSON lines (--format jsonl)
       warden audit diff-dry-run  where the dry-run policy disagrees with the enforced one

Run \`warden audit <action> --help\` for its options.
`

const actions: Record<string, () => Promise<(args: string[], io: Io) => Promise<ExitCode>>> = {
  verify: async () => (await import('./audit-verify.ts')).runAuditVerify,
  sessions: async () => (await import('./audit-sessions.ts')).runAuditSessions,
  show: async () => (await import('./audit-show.ts')).runAuditShow,
  export: async () => (await import('./audit-export.ts')).runAuditExport,
  'diff-dry-run': async () => (await import('./audit-diff-dry-run.ts')).runAuditDiffDryRun,
}

export async function runAudit(args: string[], io: Io): Promise<ExitCode> {
  const [action, ...rest] = args
  if (action === '--help' || action === '-h') { io.out(usage); return 0 }
  const run = action ? actions[action] : undefined
  if (!run) {
    return withUsage(io, async () => {
      throw new UsageError('usage.action', `${action ? `unknown action ${JSON.stringify(action)}` : 'an action is required'}\n\n${usage}`)
    })
  }
  return (await run())(rest, io)
}
