// Syntax newer than the server (engine/normalize/sql/syntax-since.ts) sent through the extended protocol in odd
// orders: Describe before Bind, the unnamed statement reused after a refusal, Parse without Sync in a pipelined
// batch, a Query in the middle of an extended batch, escaped texts in DO/EXECUTE, and the limits of one text.
// The server is PostgreSQL 15, where functions of these names read credentials.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attackSessions, type Outcome, outcomeOf } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { rawMessages as m } from './testing/raw-client.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness

const SHADOWS = `
CREATE FUNCTION public.merge_action() RETURNS text LANGUAGE sql SECURITY DEFINER AS $$ SELECT string_agg(password, ',') FROM credentials $$;
CREATE FUNCTION public.json_scalar(x int) RETURNS text LANGUAGE sql SECURITY DEFINER AS $$ SELECT string_agg(password, ',') FROM credentials $$;
CREATE FUNCTION public.json_value(x text, y text) RETURNS text LANGUAGE sql SECURITY DEFINER AS $$ SELECT string_agg(password, ',') FROM credentials $$;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO PUBLIC;
`

test.before(async () => {
  h = await startHarness({ seed: [LEAK_SEED_SQL, SHADOWS] })
})
test.after(async () => {
  await h?.stop()
})

const { session, approving } = attackSessions(() => h)

/** Sends `messages` in one write on a new session and returns what came back up to the `ready`-th ReadyForQuery. */
async function batch(messages: Buffer[], ready: number): Promise<Outcome> {
  const c = await session()
  c.take()
  c.send(Buffer.concat(messages))
  await approving(c.readyCount(ready, 20_000))
  const got = outcomeOf(c.take())
  c.close()
  return got
}

const REFUSED = /^42501: warden: denied: refused before policy evaluation: the statement uses .*; the server runs PostgreSQL 15/
const EMAILS = [['**************************test'], ['***************************r.io'], ['***************************.dev']]

const NEWER = [
  'SELECT merge_action()',
  'SELECT json_scalar(1)',
  "SELECT json_value('1', '$')",
  'SELECT system_user',
  'SELECT email FROM customers WHERE email IS /* between */ JSON',
  "DO E'BEGIN PERFORM json\\x5fvalue(''1'', ''$''); END'",
  "DO $q$ DECLARE r text; BEGIN EXECUTE E'SELECT merge\\x5faction()' INTO r; RAISE NOTICE '%', r; END $q$",
  'UPDATE customers SET tier = tier WHERE id = 1 RETURNING WITH (OLD AS o) o.email',
  'BEGIN; DECLARE c CURSOR FOR SELECT json_scalar(1); FETCH c',
  'COPY (SELECT merge_action()) TO STDOUT',
]

test('Parse, Describe before Bind, Execute with maxRows, and the statement bound again after Sync: refused at Parse', async () => {
  for (const sql of NEWER) {
    const got = await batch([m.parse('', sql), m.describe('S', ''), m.bind('', ''), m.execute('', 1), m.execute('', 1), m.sync(), m.bind('', ''), m.execute(''), m.sync()], 2)
    assert.equal([got.leaks, got.rows], [[], []], sql)
    assert.match(got.errors[0] ?? '', REFUSED, sql)
    assert.equal(got.errors[1], '26000: unnamed prepared statement does not exist', sql)
  }
})

test('quoted or U& escaped, the names are ordinary calls: judged as the database\'s functions', async () => {
  for (const sql of ['SELECT "merge_action"()', 'SELECT U&"merge\\005faction"()', 'SELECT "json_scalar"(1)', 'BEGIN; DECLARE c CURSOR FOR SELECT "merge_action"(); FETCH c']) {
    const got = await batch([m.parse('', sql), m.describe('S', ''), m.bind('', ''), m.execute(''), m.sync()], 1)
    assert.equal([got.leaks, got.rows], [[], []], sql)
    assert.match(got.errors.join(), /^42501: warden: denied: .*passes through (merge_action|json_scalar),/, sql)
  }
})

test('a pipelined batch: statements after the refused Parse are skipped up to Sync, and the next Sync starts clean', async () => {
  const got = await batch([
    m.parse('s2', 'SELECT merge_action()'), m.flush(), m.parse('s1', 'SELECT email FROM customers'), m.bind('', 's1'), m.execute(''), m.sync(),
    m.parse('s1', 'SELECT email FROM customers'), m.bind('', 's1'), m.execute(''), m.sync(),
  ], 2)
  assert.equal(got.leaks, [])
  assert.equal(got.errors.length, 1)
  assert.match(got.errors[0]!, REFUSED)
  assert.equal(got.rows, EMAILS)
})

test('the unnamed or a named statement parsed before a refused Parse of the same name is the one bound, masked', async () => {
  for (const name of ['', 'q']) {
    const got = await batch([m.parse(name, 'SELECT email FROM customers'), m.sync(), m.parse(name, 'SELECT merge_action()'), m.sync(), m.bind('', name), m.execute(''), m.sync()], 3)
    assert.equal(got.leaks, [], name)
    assert.match(got.errors.join(), REFUSED, name)
    assert.equal(got.rows, EMAILS, name)
  }
})

test('a Query inside an extended batch is judged on its own and ends the unnamed statement', async () => {
  const got = await batch([m.parse('', 'SELECT id FROM customers'), m.bind('', ''), m.execute(''), m.query('SELECT merge_action()'), m.bind('', ''), m.execute(''), m.sync()], 2)
  assert.equal(got.leaks, [])
  assert.equal(got.rows, [['1'], ['2'], ['3']])
  assert.match(got.errors[0] ?? '', REFUSED)
  assert.equal(got.errors[1], '26000: unnamed prepared statement does not exist')
})

test('at the limits of one text: the 100th statement, or after 16 KiB less a little of comment', async () => {
  const hundredth = Array.from({ length: 99 }, () => 'SELECT 1').join(';') + ';SELECT merge_action()'
  const padded = `SELECT 1 /*${'x'.repeat(16 * 1024 - 60)}*/; SELECT merge_action()`
  for (const sql of [hundredth, padded]) {
    assert.ok(Buffer.byteLength(sql) <= 16 * 1024)
    const got = await batch([m.query(sql)], 1)
    assert.equal([got.leaks, got.rows, got.types], [[], [], 'EZ'])
    assert.match(got.errors.join(), REFUSED)
  }
})

test.run()
