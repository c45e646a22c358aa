// Approval holds: the client is told at once that its statement waits for a reviewer; an approval (by a
// human in the approver group, from the test) lets it run, a rejection or the hold timeout fails it, and a
// client that leaves stops the wait.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type pg from 'pg'
import { encodeBind } from './messages/bind.ts'
import { encodeExecute } from './messages/execute.ts'
import { encodeFlush } from './messages/flush.ts'
import { decodeNoticeResponse } from './messages/notice-response.ts'
import { encodeParse } from './messages/parse.ts'
import { encodeQuery } from './messages/query.ts'
import { encodeSync } from './messages/sync.ts'
import { decodeReadyForQuery } from './messages/ready-for-query.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { errorsOf, RawClient, types } from './testing/raw-client.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({ holdSeconds: 20 })
})
test.after(async () => {
  await h?.stop()
})

const dba = () => h.te.identity('alice', ['dba'], 'human')

const pendingApproval = (known?: ReadonlySet<string>) => h.pendingApproval(known)

const planOf = async (id: number) => (await h.cluster.query<{ plan: string }>('SELECT plan FROM users WHERE id = $1', [id]))[0]!.plan

test('held, notified immediately, approved by a dba, then run', async () => {
  const c = await h.client()
  const notices: string[] = []
  c.on('notice', (n) => notices.push(n.message ?? ''))
  const query = c.query("UPDATE users SET plan = 'enterprise' WHERE id = 1")
  const id = await pendingApproval()
  for (let i = 0; i < 200 && !notices.length; i++) await new Promise((r) => setTimeout(r, 10))
  assert.match(notices[0] ?? '', `warden: held for approval ${id}; approve with: npx warden approvals approve ${id}`)
  assert.is(await planOf(1), 'pro')
  await h.te.approvals.approve(id, dba())
  const r = await query
  assert.is(r.rowCount, 1)
  assert.is(await planOf(1), 'enterprise')
  const audited = h.te.audit.events.find((e) => e.type === 'statement' && e.approval_id === id)
  assert.is(audited?.effect, 'allow')
})

test('a statement approved on one connection passes on another of the same agent while its grant lasts', async () => {
  const first = await h.client()
  const pending = first.query("UPDATE users SET plan = plan WHERE id = 5")
  await h.te.approvals.approve(await pendingApproval(), dba())
  assert.is((await pending).rowCount, 1)
  const before = (await h.te.approvals.list()).length
  const second = await h.client()
  assert.is((await second.query("UPDATE users SET plan = plan WHERE id = 5")).rowCount, 1)
  assert.is((await h.te.approvals.list()).length, before, 'no new request')
  const other = await h.client()
  const held = other.query("UPDATE users SET plan = plan WHERE id = 5 AND true").catch((e: pg.DatabaseError) => e)
  const id = await pendingApproval()
  await h.te.approvals.reject(id, dba())
  assert.is(((await held) as pg.DatabaseError).code, '42501', 'another statement is another request')
})

test('rejected: 42501 naming the approval and how to approve', async () => {
  const c = await h.client()
  const query = c.query("UPDATE users SET plan = 'free' WHERE id = 2").catch((e: pg.DatabaseError) => e)
  const id = await pendingApproval()
  await h.te.approvals.reject(id, dba(), 'not today')
  const err = (await query) as pg.DatabaseError
  assert.is(err.code, '42501')
  assert.match(err.message, `approval ${id} was rejected by alice (not today)`)
  assert.match(err.hint ?? '', `npx warden approvals approve ${id}`)
  assert.is(await planOf(2), 'team')
})

test('an agent cannot approve; the statement stays held', async () => {
  const c = await h.client()
  const query = c.query("UPDATE users SET plan = 'free' WHERE id = 3").catch((e: pg.DatabaseError) => e)
  const id = await pendingApproval()
  const refused = await h.te.approvals.approve(id, h.te.identity('bot', ['dba', 'agents'], 'agent')).then(() => undefined, (err: { code?: string }) => err.code)
  assert.is(refused, 'approval.forbidden')
  assert.is((await h.te.approvals.get(id))?.status, 'pending')
  await h.te.approvals.reject(id, dba())
  assert.is(((await query) as pg.DatabaseError).code, '42501')
})

test('extended protocol: a parameterized write is held and approved', async () => {
  const c = await h.client()
  const query = c.query('UPDATE users SET plan = $1 WHERE id = $2', ['pro-plus', 4])
  const id = await pendingApproval()
  await h.te.approvals.approve(id, dba())
  assert.is((await query).rowCount, 1)
  assert.is(await planOf(4), 'pro-plus')
})

test('inside a transaction: rejection fails the transaction, approval keeps it going', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(encodeQuery('BEGIN'))
  await c.readyCount(1)
  c.take()
  c.send(encodeQuery("UPDATE users SET plan = 'a' WHERE id = 5"))
  let id = await pendingApproval()
  await h.te.approvals.approve(id, dba())
  let frames = await c.readyCount(1)
  assert.is(types(frames), 'NCZ')
  assert.match(decodeNoticeResponse(frames[0]!.payload).message, id)
  assert.is(decodeReadyForQuery(frames.at(-1)!.payload), 'T')
  c.take()
  c.send(encodeQuery("UPDATE users SET plan = 'b' WHERE id = 5"))
  id = await pendingApproval(new Set([id]))
  await h.te.approvals.reject(id, dba())
  frames = await c.readyCount(1)
  assert.is(types(frames), 'NEZ')
  assert.is(decodeReadyForQuery(frames.at(-1)!.payload), 'E')
  c.take()
  c.send(encodeQuery('ROLLBACK'))
  await c.readyCount(1)
  assert.is(await planOf(5), 'free')
  c.close()
})

test('a client that disconnects while held stops the wait; nothing runs', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(encodeQuery("UPDATE users SET plan = 'gone' WHERE id = 3"))
  const id = await pendingApproval()
  c.close()
  for (let i = 0; i < 200 && (await h.te.approvals.get(id))?.status === 'pending'; i++) await new Promise((r) => setTimeout(r, 20))
  assert.is.not((await h.te.approvals.get(id))?.status, 'pending')
  assert.is(await planOf(3), 'free')
})

test('timeout: the hold expires with 42501 naming the approval', async () => {
  const short = await startHarness({ holdSeconds: 1 })
  try {
    const c = await short.client()
    const err = await c.query("UPDATE users SET plan = 'late' WHERE id = 1").then(() => undefined, (e: pg.DatabaseError) => e)
    assert.is(err?.code, '42501')
    assert.match(err!.message, /approval apr_\w+ expired after 1 s without a decision/)
    // The hint sends the user to a new request: the expired one cannot be approved any more.
    const id = /approval (apr_\w+) expired/.exec(err!.message)![1]!
    assert.not.match(err!.hint ?? '', id)
    assert.match(err!.hint ?? '', /Run the statement again: it is held as a new request/)
    assert.is((await short.te.approvals.get(id))?.status, 'expired')
    assert.is((await short.cluster.query<{ plan: string }>('SELECT plan FROM users WHERE id = 1'))[0]!.plan, 'pro')
    assert.equal(short.unjudgedStatements(), [])
  } finally {
    await short.stop()
  }
})

/** Runs `fn` with every Date.now() reader (approval store, policy clock, gateway) moved `ms` ahead. */
async function later<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  const realNow = Date.now
  Date.now = () => realNow() + ms
  try {
    return await fn()
  } finally {
    Date.now = realNow
  }
}

const auditText = () => JSON.stringify(h.te.audit.events)

test('extended protocol: the reviewer sees the bound values; the audit does not', async () => {
  const c = await h.client()
  // Its own text: a statement grant from an earlier test covers the agent's other connections too.
  const query = c.query('UPDATE users SET plan = $2 WHERE id = $1', [4, "gold'7-secret"])
  const id = await pendingApproval()
  const held = (await h.te.approvals.get(id))!
  assert.is(held.command.review_text, "UPDATE users SET plan = 'gold''7-secret' WHERE id = '4'")
  assert.is(held.command.summary, 'UPDATE users SET plan = $2 WHERE id = $1')
  await h.te.approvals.approve(id, dba())
  assert.is((await query).rowCount, 1)
  assert.is(await planOf(4), "gold'7-secret")
  assert.not.match(auditText(), '7-secret')
})

test('a named prepared statement approved once is held again, with its new values, after the grant expired', async () => {
  const c = await h.client()
  const update = (plan: string) => ({ name: 'set_plan', text: 'UPDATE users SET plan = $1 WHERE $2 = id', values: [plan, 2] })
  const first = c.query(update('silver'))
  const approved = await pendingApproval()
  assert.is((await h.te.approvals.get(approved))!.command.review_text, "UPDATE users SET plan = 'silver' WHERE '2' = id")
  await h.te.approvals.approve(approved, dba())
  assert.is((await first).rowCount, 1)
  const ttlMs = (await h.te.approvals.get(approved))!.approval.ttl_seconds * 1000
  // The driver sends only Bind / Execute for a statement it prepared before: the grant is checked there.
  await later(ttlMs + 1000, async () => {
    const again = c.query(update('platinum')).catch((e: pg.DatabaseError) => e)
    const id = await pendingApproval(new Set([approved]))
    assert.is((await h.te.approvals.get(id))!.command.review_text, "UPDATE users SET plan = 'platinum' WHERE '2' = id")
    assert.is(await planOf(2), 'silver')
    await h.te.approvals.reject(id, dba(), 'not that one')
    const err = (await again) as pg.DatabaseError
    assert.is(err.code, '42501')
    assert.match(err.message, `approval ${id} was rejected`)
  })
  assert.is(await planOf(2), 'silver')
  assert.not.match(auditText(), 'platinum')
})

test('extended protocol: a binary parameter is shown to the reviewer as hex with its type OID', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(
    encodeParse({ name: 'bin', text: "UPDATE users SET plan = 'binary' WHERE id = $1", paramTypes: [23] }),
    encodeBind({ portal: '', statement: 'bin', paramFormats: [1], params: [Buffer.from([0, 0, 0, 3])], resultFormats: [] }),
    encodeExecute({ portal: '', maxRows: 0 }),
    encodeSync(),
  )
  const id = await pendingApproval()
  assert.is((await h.te.approvals.get(id))!.command.review_text, "UPDATE users SET plan = 'binary' WHERE id = '\\x00000003' /* binary, type OID 23 */")
  await h.te.approvals.reject(id, dba())
  const frames = await c.readyCount(1)
  assert.is(errorsOf(frames)[0]?.code, '42501')
  assert.is(await planOf(3), 'free')
  c.close()
})

test('a portal bound while its grant held is judged again at Execute once the grant has expired', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  const bindTo = (portal: string, plan: string) =>
    encodeBind({ portal, statement: 'p', paramFormats: [], params: [Buffer.from(plan), Buffer.from('1')], resultFormats: [] })
  c.send(encodeParse({ name: 'p', text: 'UPDATE users SET plan = ($1) WHERE id = $2', paramTypes: [] }), bindTo('', 'copper'), encodeExecute({ portal: '', maxRows: 0 }), encodeSync())
  const approved = await pendingApproval()
  await h.te.approvals.approve(approved, dba())
  assert.is(errorsOf(await c.readyCount(1)).length, 0)
  c.take()
  // Bound while the grant holds, with the values it covers.
  c.send(bindTo('later', 'copper'), encodeFlush())
  await c.until((fs) => fs.some((f) => f.type === '2'))
  c.take()
  const ttlMs = (await h.te.approvals.get(approved))!.approval.ttl_seconds * 1000
  await later(ttlMs + 1000, async () => {
    c.send(encodeExecute({ portal: 'later', maxRows: 0 }), encodeSync())
    const id = await pendingApproval(new Set([approved]))
    assert.is((await h.te.approvals.get(id))!.command.review_text, "UPDATE users SET plan = ('copper') WHERE id = '1'")
    await h.te.approvals.reject(id, dba())
    assert.is(errorsOf(await c.readyCount(1))[0]?.code, '42501')
  })
  assert.is(await planOf(1), 'copper')
  c.close()
})

test('a SQL PREPARE approved by a reviewer is held again at its first Bind, with the values', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(encodeQuery('PREPARE up3 AS UPDATE users SET plan = $1 WHERE id = 3'))
  const prepared = await pendingApproval()
  await h.te.approvals.approve(prepared, dba())
  assert.is(errorsOf(await c.readyCount(1)).length, 0)
  c.take()
  c.send(
    encodeBind({ portal: '', statement: 'up3', paramFormats: [], params: [Buffer.from('zinc')], resultFormats: [] }),
    encodeExecute({ portal: '', maxRows: 0 }),
    encodeSync(),
  )
  const id = await pendingApproval(new Set([prepared]))
  assert.is((await h.te.approvals.get(id))!.command.review_text, "UPDATE users SET plan = 'zinc' WHERE id = 3")
  await h.te.approvals.reject(id, dba())
  assert.is(errorsOf(await c.readyCount(1))[0]?.code, '42501')
  assert.is(await planOf(3), 'free')
  c.close()
})

test('a grant for a parameterized statement covers the values the reviewer saw, not others, while it lasts', async () => {
  const c = await h.client()
  const update = (plan: string, id: number) => ({ name: 'set_plan_by_id', text: 'UPDATE users SET plan = $1 WHERE id = $2', values: [plan, id] })
  const first = c.query(update('silver', 5))
  const approved = await pendingApproval()
  await h.te.approvals.approve(approved, dba())
  assert.is((await first).rowCount, 1)
  const before = await planOf(3)
  // The same prepared statement, other values, well inside the grant's lifetime: held again, with the new values.
  const other = c.query(update('stolen', 3)).catch((e: pg.DatabaseError) => e)
  const id = await pendingApproval(new Set([approved]))
  assert.is((await h.te.approvals.get(id))!.command.review_text, "UPDATE users SET plan = 'stolen' WHERE id = '3'")
  await h.te.approvals.reject(id, dba(), 'not that row')
  assert.is(((await other) as pg.DatabaseError).code, '42501')
  assert.is(await planOf(3), before)
  // The values approved run again without a hold, on this connection and on a new one (unnamed statement).
  assert.is((await c.query(update('silver', 5))).rowCount, 1)
  const c2 = await h.client()
  assert.is((await c2.query('UPDATE users SET plan = $1 WHERE id = $2', ['silver', 5])).rowCount, 1)
  assert.equal((await h.te.approvals.list({ status: 'pending' })).map((r) => r.id), [])
})

test('nothing reached the server without an allow decision', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
