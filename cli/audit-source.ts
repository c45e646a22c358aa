// What the `warden audit` readers open: the config (embedded defaults or --config), the state directory
// (--state-dir, else $WARDEN_STATE_DIR, else the config's), and the audit store it names — read straight
// from the store, no running gateway needed.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { AuditStore } from '../engine/audit/store/types.ts'
import type { Config } from '../engine/config/types.ts'
import { openAuditStore, sqlitePathOf } from '../proxy/server/audit-trail.ts'
import { loadConfig } from './config-file.ts'
import { type Io, UsageError } from './io.ts'

export const COMMON_FLAGS = {
  config: { type: 'string' },
  'state-dir': { type: 'string' },
} as const

export const COMMON_USAGE = `  --state-dir DIR  the gateway's state directory (default: $WARDEN_STATE_DIR, else state_dir of the config)
  --config FILE    the gateway config (default: the embedded defaults)`

export async function auditConfig(values: { config?: unknown; 'state-dir'?: unknown }, io: Io): Promise<Config> {
  const { config } = await loadConfig(values.config as string | undefined, io.cwd)
  const stateDir = (values['state-dir'] as string | undefined) ?? io.env.WARDEN_STATE_DIR
  if (stateDir !== undefined) config.state_dir = resolve(io.cwd, stateDir)
  return config
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
