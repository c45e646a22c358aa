// Opens the audit trail the config asks for: the store (SQLite in the state directory by default, or a
// shared PostgreSQL), the checkpoint signing key, the checkpointer and its exporters, and the durable sink
// the engine records into — plus the JSON-lines copy (audit.destination) as its mirror. close() drains the
// queue, signs a last checkpoint, and closes the store, in that order.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { type Checkpoint, createCheckpointSigner, keyIdOf } from '../../engine/audit/chain/checkpoint.ts'
import { checkpointPast } from '../../engine/audit/chain/verify.ts'
import { type CheckpointExporter, createCheckpointer } from '../../engine/audit/checkpointer.ts'
import { createDurableAuditSink } from '../../engine/audit/durable-sink.ts'
import { AuditError } from '../../engine/audit/errors.ts'
import { openPostgresAuditStore } from '../../engine/audit/store/postgres.ts'
import { openSqliteAuditStore } from '../../engine/audit/store/sqlite.ts'
import { openSqliteAuditStoreThread } from '../../engine/audit/store/sqlite-thread.ts'
import type { AuditStore } from '../../engine/audit/store/types.ts'
import type { AuditSink } from '../../engine/audit/types.ts'
import type { Config } from '../../engine/config/types.ts'
import { oneLine } from '../../engine/printable.ts'
import { type AuditOutput, openAuditOutput } from './audit-destination.ts'
import { type AuditKey, loadOrCreateAuditKey, loadPublicKey } from './audit-key.ts'
import { createCheckpointFileExporter, readCheckpointFile } from './checkpoint-file.ts'
import { createWebhookExporter } from './checkpoint-webhook.ts'
import { describePostgres, postgresConnection } from './postgres-connection.ts'

export interface AuditTrail {
  /** What the engine records into; `durable()` is the fail-closed wait of the frontends. */
  sink: AuditSink
  /** For the start-up summary, e.g. `sqlite .warden/audit/trail.db (fails closed)`. */
  description: string
  close(): Promise<void>
}

export const sqlitePathOf = (config: Config) => config.audit.sqlite.path ?? join(config.state_dir, 'audit', 'trail.db')

/**
 * The store of the config (for the gateway and for the `warden audit` readers). The gateway writes SQLite from
 * a thread of its own (`thread`): a commit's fsync must not stall the sessions.
 */
export async function openAuditStore(config: Config, env: Record<string, string | undefined>, opts: { thread?: boolean } = {}): Promise<AuditStore> {
  const { audit } = config
  if (audit.store === 'postgres') {
    let connection
    try {
      connection = postgresConnection(audit.postgres!, env, 'audit.postgres')
    } catch (err) {
      throw new AuditError('audit.store_open', (err as Error).message, { cause: err })
    }
    return openPostgresAuditStore({ connection, max: audit.postgres!.max_connections })
  }
  return opts.thread ? openSqliteAuditStoreThread(sqlitePathOf(config)) : openSqliteAuditStore(sqlitePathOf(config))
}

/**
 * Refuses a trail whose end was cut while no gateway ran: a signed checkpoint (kept in audit.checkpoints.file, or
 * in the store where the cutter missed it) covers records the store no longer has. Appending would reuse the cut
 * sequence numbers and bury the cut under new records. Only checkpoints a trusted key signed count; the rest of
 * the trail is `warden audit verify`'s to check.
 */
async function refuseCutTrail(store: AuditStore, config: Config, key: AuditKey): Promise<void> {
  const file = config.audit.checkpoints.file
  // Checkpoints first, then the head: a checkpoint another gateway signs meanwhile is never past the head read after it.
  const sources: Array<[string, Checkpoint[]]> = [['in the audit store', await store.checkpoints()]]
  if (file && existsSync(file)) {
    try {
      // A line that is not a checkpoint is verify's to report; it vouches for nothing here, and does not hide the
      // checkpoints around it (one line appended to the file would otherwise let the gateway append onto a cut).
      sources.push([`in ${file} (audit.checkpoints.file)`, readCheckpointFile(file, { skipForeign: true }).checkpoints])
    } catch {
      // Unreadable: the exporter reports it at its first checkpoint.
    }
  }
  const keys = [key.publicKey, ...(config.audit.checkpoints.trusted_keys ?? []).flatMap((f) => {
    try {
      return [loadPublicKey(f)]
    } catch {
      return []
    }
  })]
  const head = await store.head()
  // The exported file is kept where the store's writers cannot reach: a checkpoint there past the end, under a key
  // this gateway does not know, is most likely its own from before its key pair was replaced in the state
  // directory (which a cutter can write as easily as the store). Only a checkpoint's key id is there to go on, so
  // it stops the start until its key is trusted (or the file moved aside), instead of the cut being buried.
  const known = new Set(keys.map((k) => keyIdOf(k)))
  for (const [where, checkpoints] of sources.slice(1)) {
    const foreign = checkpoints.filter((c) => c.seq > head.seq && !known.has(c.key_id)).sort((a, b) => b.seq - a.seq)[0]
    if (!foreign) continue
    throw new AuditError('audit.trail_cut', `the audit trail ends at record ${head.seq}, but checkpoint ${foreign.seq} signed at ${oneLine(foreign.time)} ${where} covers records up to ${foreign.seq}, under key ${oneLine(foreign.key_id)}, which this gateway (key ${key.keyId}) does not trust: the signing key was replaced, and records may have been cut off with it. The gateway does not append onto it. If the key was changed on purpose, list its old public key under audit.checkpoints.trusted_keys; else restore the old key. Run warden audit verify with the old public key`)
  }
  for (const [where, checkpoints] of sources) {
    const past = checkpointPast(head, checkpoints, keys)
    if (!past) continue
    throw new AuditError('audit.trail_cut', `the audit trail ends at record ${head.seq}, but checkpoint ${past.seq} signed at ${oneLine(past.time)} by key ${oneLine(past.key_id)} ${where} covers records up to ${past.seq}: records ${head.seq + 1}…${past.seq} were cut off (or the trail replaced) while no gateway ran. The gateway does not append onto it, which would bury the cut. Run warden audit verify; to start a new trail on purpose, move the old trail and the checkpoints aside (keep them for the auditors)`)
  }
}

export async function openAuditTrail(config: Config, opts: { log: Logger; env: Record<string, string | undefined>; storeThread?: boolean }): Promise<AuditTrail> {
  const { audit } = config
  const { log } = opts
  const output: AuditOutput | undefined = audit.destination === 'off' ? undefined : openAuditOutput(audit.destination)
  if (audit.store === 'pino') {
    return { sink: output!.sink, description: `${audit.destination} (JSON lines, not tamper-evident)`, close: output!.close }
  }
  const onError = (err: AuditError) => log.error({ code: err.code }, `audit: ${err.message}`)
  let store: AuditStore
  try {
    store = await openAuditStore(config, opts.env, { thread: opts.storeThread ?? true })
  } catch (err) {
    await output?.close()
    throw err
  }
  let key: AuditKey
  try {
    key = loadOrCreateAuditKey(config.state_dir)
    await refuseCutTrail(store, config, key)
  } catch (err) {
    await store.close().catch(() => undefined)
    await output?.close()
    throw err
  }
  const exporters: CheckpointExporter[] = []
  if (audit.checkpoints.file) exporters.push(createCheckpointFileExporter(audit.checkpoints.file, onError))
  const hook = audit.checkpoints.webhook
  if (hook) {
    const secret = opts.env[hook.secret_env]
    if (!secret) {
      await store.close()
      await output?.close()
      throw new AuditError('audit.key', `audit.checkpoints.webhook.secret_env names ${hook.secret_env}, which is not set; export the webhook's HMAC secret before starting`)
    }
    exporters.push(createWebhookExporter({ url: hook.url, secret, maxAttempts: hook.max_attempts, onError }))
  }
  const checkpointer = createCheckpointer({
    store,
    signer: createCheckpointSigner(key.privateKey),
    everyRecords: audit.checkpoints.every_records,
    everySeconds: audit.checkpoints.every_seconds,
    exporters,
    onError,
  })
  if (audit.on_failure === 'continue') {
    log.warn('audit.on_failure is continue: statements are released even when their audit record cannot be stored')
  }
  const sink = createDurableAuditSink({ store, onFailure: audit.on_failure, onError, onCommit: checkpointer.committed, mirror: output?.sink })
  const where = store.kind === 'sqlite' ? sqlitePathOf(config) : describePostgres(audit.postgres!)
  return {
    sink,
    description: `${store.kind === 'sqlite' ? `sqlite ${where}` : where}, checkpoints signed by key ${key.keyId}${audit.on_failure === 'fail' ? ', fails closed' : ', on_failure: continue'}${output ? `; copy in ${audit.destination}` : ''}`,
    async close() {
      await sink.close().catch((err: AuditError) => onError(err))
      await checkpointer.close()
      await store.close().catch(() => undefined)
      await output?.close()
    },
  }
}
