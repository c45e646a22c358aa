// Opens a reader on the trail a config names, with the keys and exported checkpoints that verify it: what
// `warden audit` uses on the store directly, and what the gateway's admin API opens for each auditor request
// (a connection of its own, so a long export never shares the writer's).
import { existsSync } from 'node:fs'
import { AuditError } from '../../engine/audit/errors.ts'
import { type AuditReader, createStoreReader } from '../../engine/audit/reader.ts'
import type { Config } from '../../engine/config/types.ts'
import { auditKeyPaths, loadPublicKey } from './audit-key.ts'
import { openAuditStore, sqlitePathOf } from './audit-trail.ts'
import { readCheckpointFile } from './checkpoint-file.ts'

export interface TrailReaderOptions {
  /** Trusted checkpoint keys (PEM files); default the gateway's own, <state_dir>/audit/signing-key.pub.pem, and
   * audit.checkpoints.trusted_keys (the other gateways signing into a shared trail). */
  publicKeyFiles?: string[]
  /**
   * Exported checkpoints to check: this file (which must exist), else audit.checkpoints.file, which the gateway
   * makes at start: its absence fails verify (a trail rewritten with the file deleted would pass otherwise).
   */
  checkpointsFile?: string
  labels?: Record<string, string>
  pause?(): Promise<void>
}

const NOTHING_OUTSIDE = 'no checkpoints kept outside the store were checked (audit.checkpoints.file is not set, and no --checkpoints FILE): the checkpoints verified are the store\'s own, signed with the key in the state directory, so this shows the trail agrees with itself, not that whoever can write the state directory did not rewrite or cut it; export checkpoints (audit.checkpoints.file or .webhook) and verify against a copy kept elsewhere'

export async function openTrailReader(config: Config, env: Record<string, string | undefined>, opts: TrailReaderOptions = {}): Promise<AuditReader> {
  if (config.audit.store === 'pino') {
    throw new AuditError('audit.no_trail', `audit.store is pino: the JSON lines in ${config.audit.destination} are not a tamper-evident trail, so there is nothing to verify or replay; set audit.store: sqlite`)
  }
  if (config.audit.store === 'sqlite' && !existsSync(sqlitePathOf(config))) {
    throw new AuditError('audit.no_trail', `no audit trail at ${sqlitePathOf(config)}; start the gateway once, or pass --state-dir (or $WARDEN_STATE_DIR) of the gateway whose trail to read`)
  }
  const store = await openAuditStore(config, env)
  const keyFiles = opts.publicKeyFiles ?? [auditKeyPaths(config.state_dir).public, ...(config.audit.checkpoints.trusted_keys ?? [])]
  const exported = opts.checkpointsFile ?? config.audit.checkpoints.file
  return createStoreReader(store, {
    keys: () => keyFiles.map(loadPublicKey),
    exportedCheckpoints: () => {
      // Without a copy kept outside, the checkpoints checked are the store's own, under a key kept beside it: they
      // show the trail agrees with itself, not that whoever can write the state directory did not rewrite it.
      if (!exported) return { checkpoints: [], warnings: [NOTHING_OUTSIDE] }
      if (!opts.checkpointsFile && !existsSync(exported)) return { checkpoints: [] }
      const { checkpoints, torn } = readCheckpointFile(exported)
      const warnings = torn.length
        ? [`${exported}: line${torn.length > 1 ? 's' : ''} ${torn.join(', ')} ${torn.length > 1 ? 'are' : 'is'} not JSON, as a write cut short by a crash or a power cut leaves a line; skipped (the store keeps its own copy of each checkpoint)`]
        : []
      return { checkpoints, warnings }
    },
    missingCheckpoints: () => (exported && !opts.checkpointsFile && !existsSync(exported)
      ? `the exported checkpoint file ${exported} (audit.checkpoints.file) is missing; the gateway makes it at start, so it was deleted or moved, and nothing outside the store vouches for the trail: restore it, or verify against a copy with --checkpoints FILE`
      : undefined),
    labels: opts.labels,
    pause: opts.pause,
  })
}
