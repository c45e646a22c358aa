// Exports each signed checkpoint with an HTTP POST, HMAC-signed, in order, with retries and exponential
// backoff. export() only queues: delivery runs in the background and never blocks or slows the writer.
//   x-warden-timestamp: unix seconds
//   x-warden-signature: v1=<hex HMAC-SHA256(secret, "v1:<timestamp>:<body>")>
// A receiver recomputes the HMAC and rejects old timestamps (as Slack's signing secret scheme does).
import { createHmac } from 'node:crypto'
import type { CheckpointExporter } from '../../engine/audit/checkpointer.ts'
import type { Checkpoint } from '../../engine/audit/chain/checkpoint.ts'
import { AuditError } from '../../engine/audit/errors.ts'

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

export function signWebhookBody(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`v1:${timestamp}:${body}`).digest('hex')}`
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(resolve, ms)
  signal.addEventListener('abort', () => { clearTimeout(t); resolve() }, { once: true })
})

/** 408 and 429 are worth another try, like 5xx and network errors; any other 4xx is not. */
const retryable = (status: number) => status >= 500 || status === 408 || status === 429

export function createWebhookExporter(opts: WebhookExporterOptions): CheckpointExporter & { readonly delivered: number } {
  const maxAttempts = opts.maxAttempts ?? 8
  const backoff = opts.backoffMs ?? { min: 500, max: 60_000 }
  const report = opts.onError ?? (() => undefined)
  const queue: Checkpoint[] = []
  const stop = new AbortController()
  let running: Promise<void> | undefined
  let delivered = 0

  async function deliver(c: Checkpoint): Promise<void> {
    const body = JSON.stringify({ type: 'warden.audit.checkpoint', checkpoint: c })
    let wait = backoff.min
    let last = ''
    for (let attempt = 1; attempt <= maxAttempts && !stop.signal.aborted; attempt++) {
      const timestamp = String(Math.floor(Date.now() / 1000))
      try {
        const res = await fetch(opts.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-warden-timestamp': timestamp, 'x-warden-signature': signWebhookBody(opts.secret, timestamp, body) },
          body,
          signal: AbortSignal.any([stop.signal, AbortSignal.timeout(opts.timeoutMs ?? 5_000)]),
        })
        await res.arrayBuffer().catch(() => undefined)
        if (res.ok) { delivered++; return }
        last = `HTTP ${res.status}`
        if (!retryable(res.status)) break
      } catch (err) {
        last = (err as Error).message
      }
      if (attempt < maxAttempts) {
        // Full jitter keeps several gateways from retrying in step.
        await sleep(Math.round(wait / 2 + Math.random() * wait / 2), stop.signal)
        wait = Math.min(wait * 2, backoff.max)
      }
    }
    report(new AuditError('audit.store_unavailable', `export audit checkpoint ${c.seq} to ${new URL(opts.url).origin}: ${last}; the checkpoint is still in the store and the next one covers it — check audit.checkpoints.webhook`))
  }

  async function drain(): Promise<void> {
    while (queue.length && !stop.signal.aborted) await deliver(queue.shift()!)
  }

  return {
    export(c) {
      if (queue.length >= (opts.maxQueue ?? 1000)) {
        report(new AuditError('audit.overloaded', `checkpoint webhook queue full; checkpoint ${c.seq} not exported (it is in the store)`))
        return
      }
      queue.push(c)
      // Started on the next turn of the event loop: the caller (the writer) never waits for the first fetch.
      running ??= new Promise<void>((r) => setImmediate(r)).then(drain).finally(() => { running = undefined })
    },
    async close() {
      if (running) {
        const grace = new Promise<void>((r) => setTimeout(r, opts.closeGraceMs ?? 5_000).unref())
        await Promise.race([running, grace])
      }
      stop.abort()
      await running
      if (queue.length) report(new AuditError('audit.store_unavailable', `${queue.length} checkpoint(s) not exported to the webhook at shutdown; they are in the store`))
    },
    get delivered() { return delivered },
  }
}
