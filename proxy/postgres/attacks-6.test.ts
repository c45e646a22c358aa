// A sixth attacker's review, of this session's own changes, against a real PostgreSQL 15.
// - Statement grants of `$n` statements (3b70994) cover the values the reviewer saw. A hold made without values
//   (a Bind that sends none, or the same text sent as a simple query, both refused by the server afterwards) showed
//   the reviewer the bare `$1`; its grant was on the text's digest, which a later Parse of that text is judged with,
//   so every Bind of it then passed with any values. A Parse allowed by a grant is now judged again at its Bind, with
//   its values, as a SQL PREPARE allowed by a grant already was (statement-effects.ts).
// Tests named "held" passed before any fix and stay as regressions.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type pg from 'pg'
import { encodeBind } from './messages/bind.ts'
import { encodeExecute } from './messages/execute.ts'
import { encodeParse } from './messages/parse.ts'
import { encodeQuery } from './messages/query.ts'
import { encodeSync } from './messages/sync.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { errorsOf, RawClient } from './testing/raw-client.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({ holdSeconds: 20 })
})
test.after(async () => {
  await h?.stop()
})

const dba = () => h.te.identity('alice', ['dba'], 'human')

async function pendingApproval(known = new Set<string>()): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const p = (await h.te.approvals.list({ status: 'pending' })).find((r) => !known.has(r.id))
    if (p) return p.id
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error('no approval request appeared')
}

const planOf = async (id: number) => (await h.cluster.query<{ plan: string }>('SELECT plan FROM users WHERE id = $1', [id]))[0]!.plan

/** The template approved without values, then run with values nobody saw: held again, rejected, nothing changed. */
async function valuesNobodySaw(text: string, approved: string) {
  const before = await planOf(3)
  const c2 = await h.client()
  const other = c2.query(text, ['stolen', 3]).catch((e: pg.DatabaseError) => e)
  const id = await pendingApproval(new Set([approved]))
  assert.is((await h.te.approvals.get(id))!.command.review_text, text.replace('$1', "'stolen'").replace('$2', "'3'"))
  await h.te.approvals.reject(id, dba())
  assert.is(((await other) as pg.DatabaseError).code, '42501')
  assert.is(await planOf(3), before)
  await c2.end()
}

test('a $n statement approved from a Bind without values does not cover a later Bind with values', async () => {
  const text = 'UPDATE users SET plan = $1 WHERE id = $2'
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(
    encodeParse({ name: 'none', text, paramTypes: [] }),
    encodeBind({ portal: '', statement: 'none', paramFormats: [], params: [], resultFormats: [] }),
    encodeExecute({ portal: '', maxRows: 0 }),
    encodeSync(),
  )
  const approved = await pendingApproval()
  await h.te.approvals.approve(approved, dba())
  // The server refuses the Bind (it needs two values); the grant stays.
  assert.is(errorsOf(await c.readyCount(1))[0]?.code, '08P01')
  c.close()
  await valuesNobodySaw(text, approved)
})

test('a $n statement approved as a simple query does not cover a later Bind with values', async () => {
  const text = 'UPDATE users SET plan = $1 WHERE id = $2 '
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(encodeQuery(text))
  const approved = await pendingApproval()
  await h.te.approvals.approve(approved, dba())
  assert.is(errorsOf(await c.readyCount(1))[0]?.code, '42P02')
  c.close()
  await valuesNobodySaw(text, approved)
})

test('nothing reached the server without an allow decision', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
