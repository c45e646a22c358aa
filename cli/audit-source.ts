// What the `warden audit` readers read: the store the config names, straight from disk or database (no running
// gateway needed; --state-dir, else $WARDEN_STATE_DIR, else the config's state_dir), or with --admin URL a
// running gateway's admin API as an auditor. Either way an AuditReader (engine/audit/reader.ts): the same
// reader code answers both, so the output is the same.
import type { AuditReader } from '../engine/audit/reader.ts'
import type { Config } from '../engine/config/types.ts'
import { createAdminAuditReader } from '../proxy/admin/audit-client.ts'
import { openTrailReader, type TrailReaderOptions } from '../proxy/server/audit-reader.ts'
import { ADMIN_FLAGS, ADMIN_USAGE, adminAccess, type AdminAccessValues } from './admin-access.ts'
import { CONFIG_FLAGS, CONFIG_USAGE, loadCommandConfig } from './command-config.ts'
import { oneLine } from '../engine/printable.ts'
import { type Io, UsageError } from './io.ts'

export const AUDIT_FLAGS = { ...CONFIG_FLAGS, ...ADMIN_FLAGS } as const

export const AUDIT_USAGE = `${CONFIG_USAGE}
  --admin URL      read through a running gateway's admin API, as an auditor (roles.auditor or roles.admin),
                   instead of opening the store
${ADMIN_USAGE}`

type Values = AdminAccessValues & { config?: unknown; 'state-dir'?: unknown }

/** Opens the reader the flags ask for; `local` are the options that only apply to the store itself. */
export async function openAuditReader(values: Values, io: Io, local: TrailReaderOptions & { flags?: string[] } = {}): Promise<AuditReader> {
  let config: Config | undefined
  const loaded = async () => (config ??= (await loadCommandConfig(values, io)).config)
  if (values.admin !== undefined) {
    if (local.flags?.length) throw new UsageError('usage.arguments', `${local.flags.join(', ')} read the store itself; through --admin the gateway verifies with its own keys`)
    const { url, token } = await adminAccess(values, io.env, loaded)
    return createAdminAuditReader(url, token)
  }
  const stray = (['token', 'as', 'group'] as const).filter((f) => values[f] !== undefined)
  if (stray.length) throw new UsageError('usage.arguments', `--${stray.join(', --')} only apply with --admin URL (reading through a running gateway)`)
  return openTrailReader(await loaded(), io.env, local)
}

/**
 * Throws unless the trail verifies: a report read from records edited or deleted to hide something (what a policy
 * change flips, where the dry run disagrees) would say nothing is there. `use` names what would have been done with it.
 */
export async function requireVerified(reader: AuditReader, use: string): Promise<void> {
  const report = await reader.verify()
  if (report.ok) return
  const f = report.failure!
  throw new UsageError('usage.corpus', `the audit trail does not verify (record ${f.seq}: ${f.reason}: ${oneLine(f.message)}), so it is not ${use}: a tampered trail could hide what it holds. Run warden audit verify`)
}
