// Masking by origin through the wire, against PostgreSQL 15 and the default policy: transforms of a masked
// column come back redacted whole and undecodable, plain references keep partial masking, safe derivations come
// back as they are; server errors and notices never echo a masked value; huge values never stall other sessions.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type pg from 'pg'
import type { Decision, InputDocument } from '../../engine/types.ts'
import { startHarness, type Harness } from './testing/harness.ts'

let h: Harness

const allow = (): Decision => ({ effect: 'allow', reasons: [], obligations: { mask: [{ column: '*email*', strategy: 'partial' }, { detector: 'all' }] } })

/** DO blocks and LISTEN are refused or held by the default policy; these tests need them, with the same masks. */
function override(input: InputDocument): Decision | undefined {
  if (/^(DO |LISTEN )/.test(input.command.raw)) return allow()
  return undefined
}

const RAW = ['ada@example.com', 'moc.elpmaxe@ada', 'YWRhQGV4YW1wbGUuY29t', '616461406578616d706c652e636f6d', 'ada', 'example']
const leaks = (v: unknown) => RAW.some((raw) => JSON.stringify(v ?? null).includes(raw))

const ROW1 = ' FROM users WHERE id = 1'
const TRANSFORMS = "SELECT reverse(email) AS r, split_part(email, '@', 1) AS s, translate(email, 'a', 'b') AS t, 'to: ' || email AS c, " +
  "encode(convert_to(email, 'UTF8'), 'base64') AS b64, encode(convert_to(email, 'UTF8'), 'hex') AS hx, to_tsvector(email) AS ts, " +
  'length(email) AS len, email::bytea AS raw, upper(name) AS n' + ROW1
const AGGREGATES = "SELECT string_agg(email, ',') AS a, json_agg(email) AS j, array_agg(email) AS arr, max(email) AS m FROM users"
const WINDOWS = 'SELECT lag(email) OVER (ORDER BY id) AS prev, first_value(email) OVER (ORDER BY id) AS first FROM users ORDER BY id'
const WHOLE_ROW = 'SELECT u, row_to_json(u) AS j, to_jsonb(u) AS jb FROM users u WHERE id = 1'
const SAFE = 'SELECT count(email) AS n, bool_and(email IS NULL) AS z FROM users'
const PLAIN = 'SELECT email, email AS e, name' + ROW1
const STAR = 'SELECT *' + ROW1
const CURSOR = 'DECLARE c CURSOR FOR SELECT reverse(email) AS r, email FROM users ORDER BY id'
const PREPARED = 'PREPARE by_id AS SELECT reverse(email) AS r, email FROM users WHERE id = $1'
const EXTENDED = 'SELECT reverse(email) AS r, email FROM users WHERE id = $1'
const ERR_CAST = 'SELECT email::int FROM users WHERE id = 1'
const ERR_DATE = 'SELECT email::date FROM users'
const ERR_XML = 'SELECT xmlparse(document email) FROM users'
const ERR_ROW = 'SELECT u::text::int FROM users u WHERE id = 1'
const BIG = "SELECT repeat(name || ' ', 1500000) AS big" + ROW1
const BIG_CONTROL = "SELECT length(repeat(name || ' ', 1500000)) AS big" + ROW1

test.before(async () => {
  h = await startHarness({ override })
})
test.after(async () => {
  await h?.stop()
})

const failure = (p: Promise<unknown>): Promise<pg.DatabaseError> =>
  p.then(() => {
    throw new Error('expected an error')
  }, (e: pg.DatabaseError) => e)

test('transforms of a masked column come back redacted whole: text as [redacted], other types NULL, never decodable', async () => {
  const c = await h.client()
  const [r] = (await c.query(TRANSFORMS)).rows
  assert.equal([r.r, r.s, r.t, r.c, r.b64, r.hx], Array(6).fill('[redacted]'))
  assert.equal([r.ts, r.len, r.raw], [null, null, null])
  assert.is(r.n, 'ADA LOVELACE', 'a transform of an unmasked column is left alone')
  assert.not.ok(leaks(r))
})

test('aggregates, windows and whole-row references of masked columns are redacted too', async () => {
  const c = await h.client()
  const [a] = (await c.query(AGGREGATES)).rows
  assert.equal([a.a, a.j, a.arr, a.m], ['[redacted]', '[redacted]', null, '[redacted]'])
  const w = (await c.query(WINDOWS)).rows
  assert.ok(w.every((row) => (row.prev === null || row.prev === '[redacted]') && row.first === '[redacted]'))
  const [u] = (await c.query(WHOLE_ROW)).rows
  assert.equal([u.u, u.j, u.jb], [null, '[redacted]', '[redacted]'])
  assert.not.ok(leaks([a, w, u]))
})

test('count(email) and email IS NULL come back as they are', async () => {
  const c = await h.client()
  assert.equal((await c.query(SAFE)).rows[0], { n: '5', z: false })
})

test('plain references keep partial masking, through an alias and a star', async () => {
  const c = await h.client()
  assert.equal((await c.query(PLAIN)).rows[0], { email: '***********.com', e: '***********.com', name: 'Ada Lovelace' })
  const [s] = (await c.query(STAR)).rows
  assert.is(s.email, '***********.com')
  assert.match(s.card_number, /^\*+4242$/)
  assert.is(s.plan, 'pro')
})

test('binary format: derived values NULL or a JSON string, plain text partial', async () => {
  const c = await h.client({ binary: true })
  const [r] = (await c.query(EXTENDED, [1])).rows
  assert.equal([r.r, r.email], ['[redacted]', '***********.com'])
})

test('cursor rows and EXECUTE results are masked by the statement that defined them', async () => {
  const c = await h.client()
  await c.query('BEGIN')
  await c.query(CURSOR)
  const fetched = (await c.query('FETCH 2 FROM c')).rows
  await c.query('COMMIT')
  assert.equal(fetched, [{ r: '[redacted]', email: '***********.com' }, { r: '[redacted]', email: '*************.com' }])
  await c.query(PREPARED)
  assert.equal((await c.query('EXECUTE by_id(2)')).rows, [{ r: '[redacted]', email: '*************.com' }])
})

test('errors of statements reading masked columns are withheld: SQLSTATE and position kept, text replaced', async () => {
  const c = await h.client()
  for (const [sql, code, condition] of [
    [ERR_CAST, '22P02', 'invalid_text_representation'],
    [ERR_DATE, '22007', 'invalid_datetime_format'],
    [ERR_XML, '2200M', 'invalid_xml_document'],
  ] as const) {
    const e = await failure(c.query(sql))
    assert.is(e.code, code, sql)
    assert.match(e.message, `the server's error text was withheld because the statement reads masked columns (email); SQLSTATE ${code} (${condition})`)
    assert.is(e.detail, undefined)
    assert.not.ok(leaks([e.message, e.detail, e.hint, e.where, e.internalQuery]), sql)
  }
  const row = await failure(c.query(ERR_ROW))
  assert.is(row.code, '22P02')
  assert.match(row.message, 'withheld because the statement reads masked columns (email, phone, card_number)')
  assert.not.ok(leaks(row.message))
  assert.is((await c.query('SELECT 1 AS one')).rows[0].one, 1, 'the session goes on')
})

test('errors and notices of other statements go through the detectors', async () => {
  const c = await h.client()
  const e = await failure(c.query("SELECT 'ada@example.com'::int"))
  assert.is(e.code, '22P02')
  assert.is(e.message, 'invalid input syntax for type integer: "[email]"')
  const notices: { message?: string; detail?: string }[] = []
  c.on('notice', (n) => notices.push(n))
  await c.query("DO $$BEGIN RAISE NOTICE 'write to %', 'grace@example.com' USING DETAIL = 'card 4242 4242 4242 4242'; END$$")
  assert.equal(notices.map((n) => [n.message, n.detail]), [['write to [email]', 'card [card]']])
})

test('a notice raised while reading a masked column is withheld even when no detector would see the value', async () => {
  const c = await h.client()
  const notices: { message?: string; detail?: string }[] = []
  c.on('notice', (n) => notices.push(n))
  await c.query("DO $$DECLARE e text; BEGIN SELECT email INTO e FROM users WHERE id = 1; RAISE NOTICE 'got %', reverse(e); END$$")
  assert.is(notices.length, 1)
  assert.match(notices[0]!.message ?? '', 'notice text was withheld because the statement reads masked columns (email); SQLSTATE 00000 (successful_completion)')
  assert.not.ok(leaks(notices))
})

test('notification payloads go through the detectors (a JSON object; any other payload is replaced whole)', async () => {
  const c = await h.client()
  const got: pg.Notification[] = []
  c.on('notification', (n) => got.push(n))
  await c.query('LISTEN jobs')
  await h.cluster.query(`SELECT pg_notify('jobs', '{"note": "mail ada@example.com now"}'); SELECT pg_notify('jobs', 'mail ada@example.com now')`)
  for (let i = 0; i < 200 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 20))
  assert.equal(got.map((n) => n.payload), ['{"note":"mail [email] now"}', '[redacted]'])
})

test('EXPLAIN output goes through the detectors', async () => {
  const c = await h.client()
  const { rows } = await c.query("EXPLAIN SELECT id FROM users WHERE name = 'ada@example.com'")
  const text = rows.map((r) => r['QUERY PLAN']).join('\n')
  assert.match(text, "'[email]'")
  assert.not.ok(leaks(text))
})

test('a huge value is redacted whole and does not stall a concurrent SELECT 1', async () => {
  const a = await h.client()
  const b = await h.client()
  const ping = async () => {
    const t = performance.now()
    await b.query('SELECT 1 AS one')
    return performance.now() - t
  }
  /** The slowest SELECT 1 on `b` while `sql` runs on `a`. */
  const slowestDuring = async (sql: string) => {
    let done = false
    const running = a.query(sql).finally(() => {
      done = true
    })
    const times: number[] = []
    while (!done && times.length < 500) times.push(await ping())
    return { slowest: Math.max(0, ...times), rows: (await running).rows }
  }
  // The usual latency is measured under the same server work (the server builds the same 20 MB value, but only
  // its length crosses the gateway), so what is compared is the gateway's own work on the huge row. A stall
  // (quadratic buffering, scanning 20 MB) shows on every try; a scheduling hiccup of a loaded machine does not,
  // so the best of three tries is kept.
  const tries: string[] = []
  for (let i = 0; i < 3; i++) {
    const usual = await slowestDuring(BIG_CONTROL)
    const masked = await slowestDuring(BIG)
    assert.is(masked.rows[0].big, '[redacted]')
    tries.push(`${masked.slowest.toFixed(0)} ms (usual ${usual.slowest.toFixed(0)} ms)`)
    if (masked.slowest < usual.slowest + 100) return
  }
  assert.unreachable(`SELECT 1 stalled while a huge value was masked: ${tries.join(', ')}`)
})

test('a relation created behind the gateway is looked up before the statement is judged, so its star expands', async () => {
  const c = await h.client()
  await c.query('SELECT 1 AS one')
  await h.cluster.query("CREATE TABLE contacts (id int, work_email text); INSERT INTO contacts VALUES (1, 'ada@example.com'); GRANT SELECT ON contacts TO warden")
  try {
    const { rows } = await c.query('SELECT * FROM contacts')
    assert.equal(rows, [{ id: 1, work_email: '***********.com' }])
    const effects = h.te.judged.filter((j) => j.text === 'SELECT * FROM contacts').map((j) => j.effect)
    assert.is(effects.length, 2, 'judged once with a miss, then again once the catalog had loaded it')
  } finally {
    await h.cluster.query('DROP TABLE contacts')
  }
})

test('the server ran only allowed statements', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
