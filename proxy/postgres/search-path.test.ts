// search_path through the gateway, against a real PostgreSQL: the gateway resolves unqualified names with the
// default search_path (catalog.ts), so once a session changes it (an approved SET search_path) a name can mean
// another relation to the server. Here `profiles` is a harmless table in public and, in schema reporting, a view
// of vault.accounts.password renamed `motto`: with search_path = reporting, public the server reads the view.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type pg from 'pg'
import { startHarness, type Harness } from './testing/harness.ts'
import { SHADOWED_SECRET, SHADOWING_VIEW_SQL } from './testing/shadowing-view.ts'

let h: Harness
const SECRET = SHADOWED_SECRET

test.before(async () => {
  h = await startHarness({ holdSeconds: 20 })
  await h.cluster.query(SHADOWING_VIEW_SQL)
})
test.after(async () => {
  await h?.stop()
})

const dba = () => h.te.identity('alice', ['dba'], 'human')

/** Runs `text` on `c`, approving the hold it needs (a dba approves whatever is pending). */
async function approved<T>(run: Promise<T>): Promise<T> {
  const known = new Set((await h.te.approvals.list()).map((r) => r.id))
  await h.te.approvals.approve(await h.pendingApproval(known), dba())
  return run
}

/** The rows (of every result) as JSON, or the error's SQLSTATE and message. */
const outcome = (c: pg.Client, q: string | pg.QueryConfig) =>
  c.query(q).then(
    (r: pg.QueryResult | pg.QueryResult[]) => JSON.stringify(Array.isArray(r) ? r.map((x) => x.rows) : r.rows),
    (e: pg.DatabaseError) => `${e.code}: ${e.message}`,
  )

/** A client of its own agent identity: grants belong to an identity, and each test starts without any. */
const client = async (sub: string) => h.client({ token: await h.agentToken(sub) })

test('the setup: the password is masked when read directly, the view really shows it to the server', async () => {
  const c = await h.client()
  assert.is(await outcome(c, 'SELECT password FROM vault.accounts'), JSON.stringify([{ password: '[redacted]' }]))
  assert.equal(await h.cluster.query('SELECT motto FROM reporting.profiles'), [{ motto: SECRET }])
})

test('after an approved SET search_path, an unqualified name cannot show a masked column under another name', async () => {
  const c = await client('agent-simple')
  const notices: string[] = []
  c.on('notice', (n) => notices.push(n.message ?? ''))
  assert.is(await outcome(c, 'SELECT * FROM profiles'), JSON.stringify([{ id: 1, motto: 'harmless' }]))
  await approved(c.query('SET search_path = reporting, public'))
  assert.ok(notices.some((n) => n.startsWith('warden: search_path changed')), 'the client is told why unqualified names stop resolving')
  for (const q of ['SELECT * FROM profiles', 'SELECT motto FROM profiles', 'SELECT p.motto FROM profiles p']) {
    const got = await outcome(c, q)
    assert.not.match(got, SECRET, q)
    assert.match(got, '42501', q)
  }
  assert.is(await outcome(c, 'SELECT motto FROM public.profiles'), JSON.stringify([{ motto: 'harmless' }]), 'qualified names still resolve')
})

test('a statement prepared before the change is judged again when it runs after it', async () => {
  const c = await client('agent-prepared')
  const early = { name: 'early', text: 'SELECT motto FROM profiles' }
  assert.is(await outcome(c, early), JSON.stringify([{ motto: 'harmless' }]))
  await approved(c.query('SET search_path = reporting, public'))
  const got = await outcome(c, early)
  assert.not.match(got, SECRET)
  assert.match(got, '42501')
})

test('a search_path change in the same query string as other statements is refused', async () => {
  const c = await client('agent-mixed')
  const got = await approved(outcome(c, 'SET search_path = reporting, public; SELECT motto FROM profiles'))
  assert.not.match(got, SECRET)
  assert.match(got, '42501')
  assert.match(got, 'search_path')
})

test.run()
