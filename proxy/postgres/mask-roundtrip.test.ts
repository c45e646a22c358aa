// A masked value written back with psql: the agent reads users through the gateway (email and card_number come
// back partially masked), then writes what it read. Such writes are refused with 42501 and the reason
// (warden.rules.mask_writes), and the real values stay. staging-db is not production, so an agent's plain
// writes there pass without approval; in production a reviewer's approval no longer lets the mask through.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startHarness, type Harness } from './testing/harness.ts'
import { runPsql } from './testing/psql.ts'

let h: Harness
const REASON = /writes a value Warden masked in an earlier answer; it would overwrite the real value with the mask/

test.before(async () => {
  h = await startHarness({ holdSeconds: 5 })
})
test.after(async () => {
  await h?.stop()
})

const psql = async (database: string, script: string) =>
  runPsql({ port: h.port, database, token: await h.agentToken(), script, sslmode: 'require', args: ['-A', '-t', '-v', 'ON_ERROR_STOP=0'] })
const real = async (id: number) => (await h.cluster.query<{ email: string; card_number: string }>(`SELECT email, card_number FROM users WHERE id = ${id}`))[0]!

test('psql: an UPDATE writing back the masked email and card it read is denied; the real values stay', async () => {
  const read = await psql('staging-db', 'SELECT email, card_number FROM users WHERE id = 1;\n')
  assert.is(read.code, 0, read.stderr)
  const [email, card] = read.stdout.trim().split('|')
  assert.is.not(email, 'ada@example.com', read.stdout)
  assert.not.match(card!, /4242/, read.stdout)
  const out = await psql('staging-db', `UPDATE users SET email = '${email}', card_number = '${card}' WHERE id = 1;\n`)
  assert.match(out.stderr, /warden: denied/)
  assert.match(out.stderr, REASON)
  assert.equal(await real(1), { email: 'ada@example.com', card_number: '4242 4242 4242 4242' })
})

test('psql: INSERT … SELECT of a redaction label is denied; the table is unchanged', async () => {
  const before = (await h.cluster.query<{ n: number }>('SELECT count(*)::int AS n FROM users'))[0]!.n
  const out = await psql('staging-db', "INSERT INTO users (name, email) SELECT name, '[email]' FROM users WHERE id = 2;\n")
  assert.match(out.stderr, REASON)
  assert.is((await h.cluster.query<{ n: number }>('SELECT count(*)::int AS n FROM users'))[0]!.n, before)
})

test('psql: a masked value rebuilt from pieces (||, concat, lpad, a JSON escape) is denied; the real value stays', async () => {
  for (const value of ["'[em' || 'ail]'", "concat(chr(91), 'email]')", "lpad('4242', 16, '*')", String.raw`('{"e":"\u005bemail]"}'::jsonb)->>'e'`]) {
    const out = await psql('staging-db', `UPDATE users SET email = ${value} WHERE id = 1;\n`)
    assert.match(out.stderr, REASON, value)
  }
  assert.is((await real(1)).email, 'ada@example.com')
})

test('a masked value handed to a function that stores it, in a SELECT, is denied (literal or bound); a known-safe call passes', async () => {
  await h.cluster.query("CREATE OR REPLACE FUNCTION set_email(i int, e text) RETURNS void LANGUAGE sql AS 'UPDATE users SET email = e WHERE id = i'")
  const out = await psql('staging-db', "SELECT set_email(1, '[email]');\n")
  assert.match(out.stderr, REASON)
  const c = await h.client({ database: 'staging-db' })
  const err = await c.query('SELECT set_email($1, $2)', [1, '****************.com']).then(() => undefined, (e: Error) => e)
  assert.match(err?.message ?? '', REASON)
  const ok = await c.query('SELECT lower($1) AS l', ['[EMAIL]'])
  assert.is(ok.rows[0].l, '[email]')
  await c.end()
  assert.is((await real(1)).email, 'ada@example.com')
})

test('psql: an ordinary UPDATE holding `*` and brackets still writes', async () => {
  const out = await psql('staging-db', "UPDATE users SET plan = 'pro*' , name = 'Grace [admin] Hopper' WHERE id = 2;\n")
  assert.is(out.stderr, '')
  assert.is((await h.cluster.query<{ plan: string }>('SELECT plan FROM users WHERE id = 2'))[0]!.plan, 'pro*')
})

test('pg with bound parameters: a write of a masked value bound to $1 is denied; a read and an ordinary write pass', async () => {
  const c = await h.client({ database: 'staging-db' })
  const refusal = (e: { code?: string; message: string }) => e
  const err = await c.query('UPDATE users SET email = $1 WHERE id = $2', ['[email]', 4]).then(() => undefined, refusal)
  assert.is(err?.code, '42501')
  assert.match(err?.message ?? '', REASON)
  assert.is((await h.cluster.query<{ email: string }>('SELECT email FROM users WHERE id = 4'))[0]!.email, 'kj@example.net')
  // The same statement judged once at Parse: a Bind with other values runs, one with a mask again is refused.
  await c.query({ name: 'set-plan', text: 'UPDATE users SET plan = $1 WHERE id = $2', values: ['team', 4] })
  const again = await c.query({ name: 'set-plan', text: 'UPDATE users SET plan = $1 WHERE id = $2', values: ['************4444', 4] }).then(() => undefined, refusal)
  assert.match(again?.message ?? '', REASON)
  assert.is((await h.cluster.query<{ plan: string }>('SELECT plan FROM users WHERE id = 4'))[0]!.plan, 'team')
  assert.equal((await c.query('SELECT id FROM users WHERE email = $1', ['[email]'])).rows, [])
})

test('production: a masked write-back is denied at once, not held for a reviewer who might approve it', async () => {
  const read = await psql('prod-db', 'SELECT email FROM users WHERE id = 3;\n')
  const email = read.stdout.trim()
  assert.is.not(email, 'alan@example.org', read.stdout)
  const out = await psql('prod-db', `UPDATE users SET email = '${email}' WHERE id = 3;\n`)
  assert.match(out.stderr, REASON)
  assert.equal(await h.te.approvals.list({ status: 'pending' }), [])
  assert.is((await real(3)).email, 'alan@example.org')
})

test.run()
