// The checkpoint webhook against a real local receiver on 127.0.0.1: signature, retries, order, never blocking.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { AuditError } from '../../engine/audit/errors.ts'
import { createWebhookExporter, signWebhookBody } from './checkpoint-webhook.ts'
import { startReceiver as receiver } from './testing/webhook-receiver.ts'

const cp = (seq: number) => ({ seq, hash: 'ab'.repeat(32), time: '2026-01-01T00:00:00.000Z', key_id: '0123456789abcdef', signature: 'c2ln' })

test('retries with backoff until delivered, every attempt HMAC-signed, and export() does not wait', async () => {
  const rx = await receiver((n) => (n <= 2 ? 503 : 200))
  const hook = createWebhookExporter({ url: rx.url, secret: 's3cret', backoffMs: { min: 20, max: 40 } })
  hook.export(cp(10))
  await Promise.resolve()
  assert.is(rx.got.length, 0, 'export only queues: delivery starts on a later turn of the event loop')
  await hook.close()
  assert.equal(rx.got.map((g) => g.status), [503, 503, 200])
  assert.is(hook.delivered, 1)
  for (const g of rx.got) {
    const ts = g.headers['x-warden-timestamp'] as string
    assert.is(g.headers['x-warden-signature'], signWebhookBody('s3cret', ts, g.body))
    assert.not.equal(g.headers['x-warden-signature'], signWebhookBody('other', ts, g.body))
    assert.equal(JSON.parse(g.body), { type: 'warden.audit.checkpoint', checkpoint: cp(10) })
  }
  await rx.close()
})

test('checkpoints are delivered in order; a permanent 4xx is reported without retrying', async () => {
  const rx = await receiver((n) => (n === 1 ? 400 : 200))
  const errors: AuditError[] = []
  const hook = createWebhookExporter({ url: rx.url, secret: 'k', backoffMs: { min: 10, max: 10 }, onError: (e) => errors.push(e) })
  hook.export(cp(1))
  hook.export(cp(2))
  hook.export(cp(3))
  await hook.close()
  assert.equal(rx.got.map((g) => JSON.parse(g.body).checkpoint.seq), [1, 2, 3])
  assert.is(errors.length, 1)
  assert.match(errors[0]!.message, 'export audit checkpoint 1 to http://127.0.0.1')
  assert.match(errors[0]!.message, 'HTTP 400')
  await rx.close()
})

test('a receiver that is down: attempts stop at maxAttempts and the failure is reported', async () => {
  const rx = await receiver(() => 200)
  await rx.close()
  const errors: AuditError[] = []
  const hook = createWebhookExporter({ url: rx.url, secret: 'k', maxAttempts: 3, backoffMs: { min: 5, max: 5 }, onError: (e) => errors.push(e) })
  hook.export(cp(7))
  await hook.close()
  assert.is(hook.delivered, 0)
  assert.match(errors[0]!.message, 'checkpoint 7')
})

test.run()
