// Opens the approval store the config asks for (SQLite in the state directory by default, a shared
// PostgreSQL, or memory), with the review-text key of the state directory and the webhook. close() closes the
// store first (held statements end with a clear error and their requests stay pending), then drains the webhook.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ApprovalError } from '../../engine/approvals/errors.ts'
import { createMemoryApprovalStore } from '../../engine/approvals/memory.ts'
import { openPostgresApprovalStore } from '../../engine/approvals/postgres.ts'
import { createReviewCipher } from '../../engine/approvals/review-cipher.ts'
import { openSqliteApprovalStore } from '../../engine/approvals/sqlite.ts'
import type { ApprovalEvent, ApprovalStoreOptions } from '../../engine/approvals/store.ts'
import type { ApprovalStore } from '../../engine/approvals/types.ts'
import type { Config } from '../../engine/config/types.ts'
import { type ApprovalsWebhook, createApprovalsWebhook } from './approvals-webhook.ts'
import { describePostgres, postgresConnection } from './postgres-connection.ts'
import { loadOrCreateApprovalsKey } from './state.ts'

export interface Approvals {
  store: ApprovalStore
  /** For the start-up summary, e.g. `sqlite .warden/approvals.db`. */
  description: string
  close(): Promise<void>
}

export interface OpenApprovalsOptions {
  env: Record<string, string | undefined>
  /** The admin API's URL (once it listens), for the webhook's links when approvals.webhook.admin_url is absent. */
  adminUrl?(): string | undefined
  onError?(message: string): void
  /** Told of new and resolved requests besides the webhook. */
  onEvent?(event: ApprovalEvent): void
  /** At close, how long statements whose hold ended may take to answer before the listeners close (ms). */
  shutdownGraceMs?: number
}

export const approvalsSqlitePathOf = (config: Config) => config.approvals.sqlite.path ?? join(config.state_dir, 'approvals.db')

function webhookSecret(config: Config, env: Record<string, string | undefined>): string {
  const hook = config.approvals.webhook!
  if (hook.secret_env) {
    const secret = env[hook.secret_env]
    if (!secret) throw new ApprovalError('approval.store_open', `approvals.webhook.secret_env names ${hook.secret_env}, which is not set; export the webhook's HMAC secret before starting`)
    return secret
  }
  try {
    const secret = readFileSync(hook.secret_file!, 'utf8').trim()
    if (!secret) throw new Error('the file is empty')
    return secret
  } catch (err) {
    throw new ApprovalError('approval.store_open', `read approvals.webhook.secret_file ${hook.secret_file}: ${(err as Error).message}`, { cause: err })
  }
}

export async function openApprovals(config: Config, opts: OpenApprovalsOptions): Promise<Approvals> {
  const { approvals } = config
  const report = opts.onError ?? (() => undefined)
  let webhook: ApprovalsWebhook | undefined
  if (approvals.webhook) {
    const hook = approvals.webhook
    const adminUrl = () => hook.admin_url ?? opts.adminUrl?.() ?? `http://${config.listeners.admin.host}:${config.listeners.admin.port}`
    webhook = createApprovalsWebhook({ url: hook.url, secret: webhookSecret(config, opts.env), adminUrl, maxAttempts: hook.max_attempts, maxQueue: hook.queue_size, onError: report })
  }
  const options: ApprovalStoreOptions = {
    cipher: createReviewCipher(loadOrCreateApprovalsKey(config.state_dir)),
    requestTtlMs: approvals.request_ttl_seconds * 1000,
    onEvent: (e) => {
      webhook?.notify(e)
      opts.onEvent?.(e)
    },
  }
  let store: ApprovalStore
  let description: string
  try {
    if (approvals.store === 'memory') {
      store = createMemoryApprovalStore(options)
      description = 'memory (pending requests and grants end with the process)'
    } else if (approvals.store === 'postgres') {
      const pg = approvals.postgres ?? config.audit.postgres!
      const field = approvals.postgres ? 'approvals.postgres' : 'audit.postgres'
      let connection
      try {
        connection = postgresConnection(pg, opts.env, field)
      } catch (err) {
        throw new ApprovalError('approval.store_open', (err as Error).message, { cause: err })
      }
      store = await openPostgresApprovalStore({ ...options, connection, max: pg.max_connections })
      description = `${describePostgres(pg)} (shared${approvals.postgres ? '' : ' with the audit trail'})`
    } else {
      const path = approvalsSqlitePathOf(config)
      store = await openSqliteApprovalStore(path, options)
      description = `sqlite ${path}`
    }
  } catch (err) {
    await webhook?.close()
    throw err
  }
  let closing: Promise<void> | undefined
  return {
    store,
    description: `${description}${webhook ? `; webhook ${new URL(approvals.webhook!.url).origin}` : ''}`,
    close: () => (closing ??= (async () => {
      const ended = await store.close().catch((err: Error) => {
        report(`approvals: close the store: ${err.message}`)
        return 0
      })
      // Statements whose wait just ended get a moment to send that answer before the listeners close their
      // connections: a refused simple query is answered once the upstream replied to the query standing in for it
      // (proxy/postgres/simple-query.ts), one round trip away. Bounded, and only when something was held.
      if (ended) await new Promise((resolve) => setTimeout(resolve, opts.shutdownGraceMs ?? 500))
      await webhook?.close()
    })()),
  }
}
