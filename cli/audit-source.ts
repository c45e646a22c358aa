// What the `warden audit` readers open: the config (embedded defaults or --config), the state directory
// (--state-dir, else $WARDEN_STATE_DIR, else the config's), and the audit store it names — read straight
// from the store, no running gateway needed.
import { existsSync } from 'node:fs'
import type { AuditStore } from '../engine/audit/store/types.ts'
import type { Config } from '../engine/config/types.ts'
import { openAuditStore, sqlitePathOf } from '../proxy/server/audit-trail.ts'
import { CONFIG_FLAGS, CONFIG_USAGE, loadCommandConfig } from './command-config.ts'
import { type Io, UsageError } from './io.ts'

export const COMMON_FLAGS = CONFIG_FLAGS
export const COMMON_USAGE = CONFIG_USAGE

export async function auditConfig(values: { config?: unknown; 'state-dir'?: unknown }, io: Io): Promise<Config> {
  return (await loadCommandConfig(values, io)).config
}

export async function openAuditSource(config: Config, io: Io): Promise<AuditStore> {
  if (config.audit.store === 'pino') {
    throw new UsageError('usage.audit_store', `audit.store is pino: the JSON lines in ${config.audit.destination} are not a tamper-evident trail, so there is nothing to verify or replay; set audit.store: sqlite`)
  }
  if (config.audit.store === 'sqlite' && !existsSync(sqlitePathOf(config))) {
    throw new UsageError('usage.audit_store', `no audit trail at ${sqlitePathOf(config)}; start the gateway once, or pass --state-dir (or $WARDEN_STATE_DIR) of the gateway whose trail to read`)
  }
  return openAuditStore(config, io.env)
}
