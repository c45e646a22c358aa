// Delivers JSON messages to a webhook with an HTTP POST each, HMAC-signed, in order, with retries and
// exponential backoff. send() only queues (bounded): delivery runs in the background and never blocks or slows
// the caller; a full queue drops the new message and says so.
//   x-warden-timestamp: unix seconds
//   x-warden-signature: v1=<hex HMAC-SHA256(secret, "v1:<timestamp>:<body>")>
// A receiver recomputes the HMAC and rejects old timestamps (as Slack's signing secret scheme does).
// Redirects are not followed: the messages go to the configured URL only, never to wherever its answer points (a
// 307 or 308 would carry the body and signature on to another host, an internal one included).
import { createHmac } from 'node:crypto'

export interface WebhookSenderOptions<T> {
  url: string
  secret: string
  /** The JSON text of a message. */
  body(item: T): string
  maxAttempts?: number
  backoffMs?: { min: number; max: number }
  timeoutMs?: number
  maxQueue?: number
  /** How long close() waits for deliveries in flight. */
  closeGraceMs?: number
  /** A message that was not delivered: `last` is the last attempt's HTTP status or error. */
  onFailed(item: T, last: string): void
  /** A message dropped because the queue was full. */
  onDropped(item: T): void
  /** Messages still queued when close() gave up waiting. */
  onUnsent(count: number): void
}

export interface WebhookSender<T> {
  send(item: T): void
  close(): Promise<void>
  readonly delivered: number
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

export function createWebhookSender<T>(opts: WebhookSenderOptions<T>): WebhookSender<T> {
  const maxAttempts = opts.maxAttempts ?? 8
  const backoff = opts.backoffMs ?? { min: 500, max: 60_000 }
  const queue: T[] = []
  const stop = new AbortController()
  let running: Promise<void> | undefined
  let delivered = 0

  async function deliver(item: T): Promise<void> {
    const body = opts.body(item)
    let wait = backoff.min
    let last = ''
    for (let attempt = 1; attempt <= maxAttempts && !stop.signal.aborted; attempt++) {
      const timestamp = String(Math.floor(Date.now() / 1000))
      try {
        const res = await fetch(opts.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-warden-timestamp': timestamp, 'x-warden-signature': signWebhookBody(opts.secret, timestamp, body) },
          body,
          redirect: 'manual',
          signal: AbortSignal.any([stop.signal, AbortSignal.timeout(opts.timeoutMs ?? 5_000)]),
        })
        await res.arrayBuffer().catch(() => undefined)
        if (res.ok) { delivered++; return }
        const redirected = res.status >= 300 && res.status < 400
        last = `HTTP ${res.status}${redirected ? ' (a redirect, not followed: set the receiver\'s final URL)' : ''}`
        if (redirected || !retryable(res.status)) break
      } catch (err) {
        last = (err as Error).message
      }
      if (attempt < maxAttempts) {
        // Full jitter keeps several gateways from retrying in step.
        await sleep(Math.round(wait / 2 + Math.random() * wait / 2), stop.signal)
        wait = Math.min(wait * 2, backoff.max)
      }
    }
    opts.onFailed(item, last)
  }

  async function drain(): Promise<void> {
    while (queue.length && !stop.signal.aborted) await deliver(queue.shift()!)
  }

  return {
    send(item) {
      if (queue.length >= (opts.maxQueue ?? 1000)) return opts.onDropped(item)
      queue.push(item)
      // Started on the next turn of the event loop: the caller never waits for the first fetch.
      running ??= new Promise<void>((r) => setImmediate(r)).then(drain).finally(() => { running = undefined })
    },
    async close() {
      if (running) {
        const grace = new Promise<void>((r) => setTimeout(r, opts.closeGraceMs ?? 5_000).unref())
        await Promise.race([running, grace])
      }
      stop.abort()
      await running
      if (queue.length) opts.onUnsent(queue.length)
    },
    get delivered() { return delivered },
  }
}
