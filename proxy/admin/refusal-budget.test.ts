// A caller looping over approve, deny and revoke attempts it is refused cannot fill the audit trail: past its
// budget it is answered 429 unread, with one record saying so, while other callers are served as before.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { agent, alice } from '../../engine/approvals/fixtures.ts'
import { createDurableAuditSink } from '../../engine/audit/durable-sink.ts'
import { openSqliteAuditStore } from '../../engine/audit/store/sqlite.ts'
import { fakeAdminEngine } from './fake-engine.ts'
import { createAdminHandler } from './handler.ts'
import { REFUSAL_WINDOW_MS, RefusalBudget, REFUSALS_PER_WINDOW } from './refusal-budget.ts'

const post = (handle: (r: Request) => Promise<Response>, path: string, token: string) =>
  handle(new Request(`http://admin.test${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ note: 'n'.repeat(1000) }) }))

test(`past ${REFUSALS_PER_WINDOW} refused attempts a caller gets 429 with Retry-After and writes one record more, not two a try; others are still served`, async () => {
  const { engine, held } = await fakeAdminEngine()
  const handle = createAdminHandler({ engine, approverGroups: ['dba'] })
  const statuses: number[] = []
  for (let i = 0; i < 200; i++) {
    const path = i % 3 === 0 ? `/v1/grants/grt_${i}/revoke` : `/v1/approvals/apr_made_up_${i}/${i % 2 ? 'approve' : 'deny'}`
    statuses.push((await post(handle, path, 'agent')).status)
  }
  assert.ok(statuses.slice(0, REFUSALS_PER_WINDOW).every((s) => s === 404 || s === 403), statuses.slice(0, REFUSALS_PER_WINDOW).join(','))
  assert.ok(statuses.slice(REFUSALS_PER_WINDOW).every((s) => s === 429))
  const last = await post(handle, `/v1/approvals/${held.id}/approve`, 'agent')
  assert.is(last.status, 429)
  assert.ok(Number(last.headers.get('retry-after')) > 0)
  const body = await last.json() as { error: { code: string; message: string } }
  assert.is(body.error.code, 'admin.too_many_refusals')
  assert.match(body.error.message, `${REFUSALS_PER_WINDOW} approve, deny or revoke attempts refused`)
  const theirs = engine.audit.events.filter((e) => (e.reviewer as { sub?: string } | undefined)?.sub === agent.sub)
  assert.is(theirs.length, REFUSALS_PER_WINDOW + 1)
  assert.is(theirs.filter((e) => e.outcome === 'refused').length, REFUSALS_PER_WINDOW)
  assert.is(theirs.filter((e) => e.outcome === 'throttled').length, 1)
  // Another caller is not counted with it.
  assert.is((await post(handle, `/v1/approvals/${held.id}/approve`, 'alice')).status, 200)
})

test('an agent\'s approve attempt, which can never succeed, is not first recorded as attempted: one record, not two', async () => {
  const store = openSqliteAuditStore(join(mkdtempSync(join(tmpdir(), 'warden-refusals-')), 'trail.db'))
  const { engine, held } = await fakeAdminEngine()
  const audit = createDurableAuditSink({ store, retryMs: { min: 5, max: 5 } })
  const handle = createAdminHandler({ engine: { ...engine, audit }, approverGroups: ['dba'] })
  assert.is((await post(handle, `/v1/approvals/${held.id}/approve`, 'reviewer-bot')).status, 403)
  assert.is((await post(handle, `/v1/approvals/${held.id}/approve`, 'alice')).status, 200)
  await audit.durable()
  const outcomes: string[] = []
  for await (const r of store.records()) {
    const e = JSON.parse(r.event) as { type: string; outcome?: string; reviewer?: { sub: string } }
    if (e.type === 'approval') outcomes.push(`${e.reviewer?.sub}:${e.outcome}`)
  }
  assert.equal(outcomes, ['reviewer-bot:refused', `${alice.sub}:attempted`, `${alice.sub}:approved`])
  await audit.close()
  await store.close()
})

test('RefusalBudget: a new window starts the count over; callers are counted apart', () => {
  let now = 1_000_000
  const budget = new RefusalBudget(() => now)
  const records: string[] = []
  for (let i = 0; i < REFUSALS_PER_WINDOW; i++) budget.refused(agent)
  assert.ok(budget.refuse(agent, (e) => records.push(e.code)))
  assert.ok(budget.refuse(agent, (e) => records.push(e.code)))
  assert.equal(records, ['admin.too_many_refusals'])
  assert.is(budget.refuse(alice, () => records.push('alice')), undefined)
  now += REFUSAL_WINDOW_MS
  assert.is(budget.refuse(agent, () => records.push('again')), undefined)
  assert.is(records.length, 1)
})

test.run()
