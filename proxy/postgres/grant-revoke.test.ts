// A revoked grant ends at once (README, Grants), for every way a statement can run again: a text sent again is
// judged with the grants in force; a statement prepared (protocol Parse) while a grant covered it must not keep
// running on the judgement that grant gave it until the grant's expiry.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type pg from 'pg'
import { startHarness, type Harness } from './testing/harness.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({ holdSeconds: 5 })
})
test.after(async () => {
  await h?.stop()
})

const dba = () => h.te.identity('alice', ['dba'], 'human')

async function newPending(known: Set<string>): Promise<string | undefined> {
  for (let i = 0; i < 300; i++) {
    const p = (await h.te.approvals.list({ status: 'pending' })).find((r) => !known.has(r.id))
    if (p) return p.id
    await new Promise((r) => setTimeout(r, 20))
  }
  return undefined
}

const planOf = async (id: number) => (await h.cluster.query<{ plan: string }>('SELECT plan FROM users WHERE id = $1', [id]))[0]!.plan

test('a prepared statement allowed by a grant stops running when that grant is revoked', async () => {
  const c = await h.client({ token: await h.agentToken('agent-revoke') })
  const update = (plan: string): pg.QueryConfig => ({ name: 'set_plan', text: 'UPDATE users SET plan = $1 WHERE id = 4', values: [plan] })
  const known = new Set((await h.te.approvals.list()).map((r) => r.id))
  const first = c.query(update('team'))
  const id = await newPending(known)
  assert.ok(id, 'the first run is held')
  const approved = await h.te.approvals.approve(id!, dba())
  assert.is((await first).rowCount, 1)
  assert.is(await planOf(4), 'team')
  await h.te.approvals.revoke(approved.grant!.id, dba(), 'changed my mind')
  // pg binds the statement it prepared before, under the same name: no Parse, so no new judgement of the text.
  const again = c.query(update('enterprise')).then(() => 'ran', (e: pg.DatabaseError) => `${e.code}: ${e.message}`)
  const held = await newPending(new Set([...known, id!]))
  if (held) await h.te.approvals.reject(held, dba(), 'no')
  assert.match(await again, '42501')
  assert.is(await planOf(4), 'team', 'the revoked grant did not let the UPDATE run again')
})

test.run()
