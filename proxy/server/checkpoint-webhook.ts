// Exports each signed checkpoint to a webhook (proxy/server/webhook-sender.ts: HMAC-signed, in order, retried
// with backoff). export() only queues: delivery never blocks or slows the writer.
import type { CheckpointExporter } from '../../engine/audit/checkpointer.ts'
import type { Checkpoint } from '../../engine/audit/chain/checkpoint.ts'
import { AuditError } from '../../engine/audit/errors.ts'
import { createWebhookSender } from './webhook-sender.ts'

export { signWebhookBody } from './webhook-sender.ts'

export interface WebhookExporterOptions {
  url: string
  secret: string
  maxAttempts?: number
  backoffMs?: { min: number; max: number }
  timeoutMs?: number
  maxQueue?: number
  /** How long close() waits for deliveries in flight. */
  closeGraceMs?: number
  onError?: (err: AuditError) => void
}

export function createWebhookExporter(opts: WebhookExporterOptions): CheckpointExporter & { readonly delivered: number } {
  const report = opts.onError ?? (() => undefined)
  const sender = createWebhookSender<Checkpoint>({
    ...opts,
    body: (c) => JSON.stringify({ type: 'warden.audit.checkpoint', checkpoint: c }),
    onFailed: (c, last) => report(new AuditError('audit.store_unavailable', `export audit checkpoint ${c.seq} to ${new URL(opts.url).origin}: ${last}; the checkpoint is still in the store and the next one covers it — check audit.checkpoints.webhook`)),
    onDropped: (c) => report(new AuditError('audit.overloaded', `checkpoint webhook queue full; checkpoint ${c.seq} not exported (it is in the store)`)),
    onUnsent: (n) => report(new AuditError('audit.store_unavailable', `${n} checkpoint(s) not exported to the webhook at shutdown; they are in the store`)),
  })
  return {
    export: (c) => sender.send(c),
    close: () => sender.close(),
    get delivered() { return sender.delivered },
  }
}
