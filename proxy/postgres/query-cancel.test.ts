// Query cancellation through the gateway's own keys: a running statement is cancelled on the server with the
// server's key, a held statement is cancelled by the gateway itself, and a wrong key cancels nothing.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Decision, InputDocument } from '../../engine/types.ts'
import type { BackendKeyData } from './messages/backend-key-data.ts'
import { encodeCancelRequest } from './messages/cancel-request.ts'
import { encodeQuery } from './messages/query.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { errorsOf, RawClient, types } from './testing/raw-client.ts'

let h: Harness

// The default policy denies pg_sleep for agents; this file needs a statement that runs until cancelled.
const allowSleep = (input: InputDocument): Decision | undefined =>
  /^SELECT pg_sleep\(/.test(input.command.raw) ? { effect: 'allow', reasons: [], obligations: { mask: [] } } : undefined

test.before(async () => {
  h = await startHarness({ override: allowSleep, holdSeconds: 60 })
})
test.after(async () => {
  await h?.stop()
})

/** Sends a CancelRequest on a new connection and waits until the gateway has handled it (it closes the socket). */
async function sendCancel(key: BackendKeyData): Promise<void> {
  const c = await RawClient.open(h.port)
  c.send(encodeCancelRequest(key))
  await c.until(() => false).catch(() => undefined)
}

async function sleeping(): Promise<boolean> {
  const rows = await h.cluster.query("SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep(%'")
  return rows.length > 0
}

async function waitForSleep(): Promise<void> {
  for (let i = 0; i < 500 && !(await sleeping()); i++) await new Promise((r) => setTimeout(r, 20))
}

test('a CancelRequest with the gateway key cancels the running statement on the server', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(encodeQuery('SELECT pg_sleep(60)'))
  await waitForSleep()
  assert.ok(await sleeping())
  await sendCancel(c.key!)
  const frames = await c.readyCount(1)
  assert.is(errorsOf(frames)[0]!.code, '57014')
  c.take()
  c.send(encodeQuery('SELECT 1'))
  assert.is(types(await c.readyCount(1)), 'TDCZ')
  c.close()
})

test('a wrong secret cancels nothing', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(encodeQuery('SELECT pg_sleep(60)'))
  await waitForSleep()
  await sendCancel({ processId: c.key!.processId, secret: Buffer.from(c.key!.secret.map((b) => b ^ 0xff)) })
  await sendCancel({ processId: c.key!.processId + 1, secret: c.key!.secret })
  assert.ok(await sleeping())
  assert.is(c.frames.length, 0)
  await sendCancel(c.key!)
  await c.readyCount(1)
  c.close()
})

test('cancelling a statement held for approval ends the hold with 57014; nothing runs', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(encodeQuery("UPDATE users SET plan = 'x' WHERE id = 1"))
  let pending
  for (let i = 0; i < 500 && !pending; i++) {
    pending = (await h.te.approvals.list({ status: 'pending' }))[0]
    if (!pending) await new Promise((r) => setTimeout(r, 20))
  }
  assert.ok(pending)
  await sendCancel(c.key!)
  const frames = await c.readyCount(1)
  assert.is(types(frames), 'NEZ')
  assert.is(errorsOf(frames)[0]!.code, '57014')
  assert.is.not((await h.te.approvals.get(pending!.id))?.status, 'pending')
  assert.is((await h.cluster.query<{ plan: string }>('SELECT plan FROM users WHERE id = 1'))[0]!.plan, 'pro')
  c.close()
})

test('only allowed statements reached the server', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
