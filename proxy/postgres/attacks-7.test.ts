// A seventh attacker's review, of this session's value-bound statement grants and probes of secrets, with raw wire
// clients against a real PostgreSQL 15. Tests named "held" passed before any fix and stay as regressions.
// - Fixed: a named statement whose Bind sent no values (refused by the server: the text has $n) was held, and the
//   reviewer approved the bare $1; the judgement that approval made was kept on the statement without
//   needsApproval, so the next Bind of that statement in the session, with any values, ran unjudged (extended.ts).
// - Fixed: a Bind's (and Parse's) item counts are unsigned 16 bits, as PostgreSQL reads them: a Bind of 32,768 to
//   65,535 parameters was a protocol violation that ended the session (wire.ts).
// - Fixed: a column masked whole compared with `= ANY ($1)` (or `= ANY (ARRAY[$1])`, $1 a text[]: a two-dimensional
//   array) was a lookup "by a given value"; one Bind of 200,000 guesses (4 MB, past the 16 KiB a text may hold)
//   found a password in one statement. An array holding a parameter is no lookup now (lineage-query.ts).
// - Held: a SQL PREPARE approved as a template and bound by protocol with values is held with them.
// - Held: a Bind approved with its values does not cover other values, binary formats of the same bytes, a NULL or a
//   trailing NUL; pipelined Binds reusing the unnamed statement are judged each with its own values; a 4 MB value of
//   invalid UTF-8 is shown cut and kept out of the audit; mismatched format counts and unknown format codes are the
//   server's refusals; U&"…" and quoted spellings of a secret, = ANY / > ANY of an array, 8,000 nested parentheses
//   and 1,500 nested ORs over a secret are denied (texts past 16 KiB are refused whole, 54000); a probe by Parse is
//   denied.
import { test } from 'uvu'
import { MAX_REVIEW_CHARS } from '../../engine/approvals/review-text.ts'
import * as assert from 'uvu/assert'
import { encodeBind } from './messages/bind.ts'
import { encodeExecute } from './messages/execute.ts'
import { encodeParse } from './messages/parse.ts'
import { encodeSync } from './messages/sync.ts'
import { attackSessions, outcomeOf } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { errorsOf, RawClient, rawMessages as m } from './testing/raw-client.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness
const LONG = `n${'o'.repeat(62)}te_tail`

test.before(async () => {
  h = await startHarness({ holdSeconds: 20 })
  await h.cluster.query(LEAK_SEED_SQL)
  await h.cluster.query(`SET ROLE warden; CREATE VIEW v7 AS SELECT id, password AS "${LONG.slice(0, 63)}" FROM credentials`)
})
test.after(async () => {
  await h?.stop()
})

const { session, query } = attackSessions(() => h)
const dba = () => h.te.identity('alice', ['dba'], 'human')
const auditText = () => JSON.stringify(h.te.audit.events)
const planOf = async (id: number) => (await h.cluster.query<{ plan: string }>('SELECT plan FROM users WHERE id = $1', [id]))[0]!.plan

async function pendingApproval(known: Set<string>): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const p = (await h.te.approvals.list({ status: 'pending' })).find((r) => !known.has(r.id))
    if (p) return p.id
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error('no approval request appeared')
}
const seen = new Set<string>()
async function nextApproval(): Promise<string> {
  const id = await pendingApproval(seen)
  seen.add(id)
  return id
}

const bindRun = (statement: string, params: (Buffer | null)[], paramFormats: number[] = []) => [
  encodeBind({ portal: '', statement, paramFormats, params, resultFormats: [] }),
  encodeExecute({ portal: '', maxRows: 0 }),
  encodeSync(),
]

function typedRaw(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5)
  head.write(type, 0, 'latin1')
  head.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([head, body])
}

async function alive(c: RawClient) {
  assert.equal((await query(c, 'SELECT 1 AS alive')).rows, [['1']])
}

/** Binds `statement` with other values: held showing them, refused once rejected, the row (plan `before`) untouched. */
async function otherValuesHeld(c: RawClient, statement: string, before: string) {
  c.take()
  c.send(...bindRun(statement, [Buffer.from('stolen'), Buffer.from('3')]))
  const id = await nextApproval()
  assert.match((await h.te.approvals.get(id))!.command.review_text, "'stolen'")
  await h.te.approvals.reject(id, dba())
  assert.is(errorsOf(await c.readyCount(1))[0]?.code, '42501')
  assert.is(await planOf(3), before)
}

test('a named statement approved at a Bind without values does not pass a later Bind of it with values', async () => {
  const text = 'UPDATE users SET plan = $1 WHERE id = $2'
  const before = await planOf(3)
  const c = await session()
  c.send(encodeParse({ name: 's', text, paramTypes: [] }), ...bindRun('s', []))
  await h.te.approvals.approve(await nextApproval(), dba())
  assert.is(errorsOf(await c.readyCount(1))[0]?.code, '08P01')
  await otherValuesHeld(c, 's', before)
  c.close()
})

test('held: a Bind approved with its values does not cover the next Bind of the statement, with others or with format codes changed', async () => {
  const text = 'UPDATE users SET plan = $1 WHERE id = $2'
  const before = await planOf(3)
  const c = await session()
  c.send(encodeParse({ name: 'v', text, paramTypes: [] }), ...bindRun('v', [Buffer.from('gold'), Buffer.from('2')]))
  await h.te.approvals.approve(await nextApproval(), dba())
  assert.equal(errorsOf(await c.readyCount(1)), [])
  for (const [params, formats] of [
    [[Buffer.from('stolen'), Buffer.from('3')], []],
    // The same bytes, as binary int4 for the id: another value altogether.
    [[Buffer.from('gold'), Buffer.from([0, 0, 0, 3])], [0, 1]],
    [[Buffer.from('gold'), null], []],
    [[Buffer.from('gold\0'), Buffer.from('2')], []],
  ] as [(Buffer | null)[], number[]][]) {
    c.take()
    c.send(...bindRun('v', params, formats))
    const id = await nextApproval()
    await h.te.approvals.reject(id, dba())
    assert.is(errorsOf(await c.readyCount(1))[0]?.code, '42501', JSON.stringify(params))
  }
  assert.is(await planOf(3), before)
  await alive(c)
  c.close()
})

test('a SQL PREPARE approved as a template does not pass a protocol Bind of it with values', async () => {
  const before = await planOf(3)
  const c = await session()
  c.send(m.query('PREPARE sqlp AS UPDATE users SET plan = $1 WHERE id = $2'))
  await h.te.approvals.approve(await nextApproval(), dba())
  assert.equal(errorsOf(await c.readyCount(1)), [])
  await otherValuesHeld(c, 'sqlp', before)
  c.close()
})

test('held: Binds pipelined behind a held one, reusing the unnamed statement, are each judged with their own values', async () => {
  const before = await planOf(3)
  const c = await session()
  c.send(
    encodeParse({ name: '', text: 'UPDATE users SET plan = $1 WHERE id = $2', paramTypes: [] }),
    ...bindRun('', [Buffer.from('bronze'), Buffer.from('2')]),
    encodeParse({ name: '', text: 'UPDATE users SET plan = $1 WHERE id = $2', paramTypes: [] }),
    ...bindRun('', [Buffer.from('stolen'), Buffer.from('3')]),
  )
  const first = await nextApproval()
  assert.match((await h.te.approvals.get(first))!.command.review_text, "'bronze'")
  await h.te.approvals.approve(first, dba())
  const second = await nextApproval()
  assert.match((await h.te.approvals.get(second))!.command.review_text, "'stolen'")
  await h.te.approvals.reject(second, dba())
  const got = errorsOf(await c.readyCount(2))
  assert.equal(got.map((e) => e.code), ['42501'])
  assert.is(await planOf(3), before)
  c.close()
})

test('a statement of 65,535 parameters (the most PostgreSQL takes) is bound and run; its count is unsigned on the wire', async () => {
  const c = await session()
  const n = 65535
  const parse = typedRaw('P', Buffer.concat([Buffer.from('\0SELECT $65535 IS NULL AS n\0'), Buffer.from([0xff, 0xff]), Buffer.concat(Array.from({ length: n }, () => Buffer.from([0, 0, 0, 25])))]))
  const bind = typedRaw('B', Buffer.concat([Buffer.from([0, 0, 0, 0, 0xff, 0xff]), Buffer.alloc(4 * n, 0xff), Buffer.from([0, 0])]))
  c.send(parse, bind, encodeExecute({ portal: '', maxRows: 0 }), encodeSync())
  const o = outcomeOf(await c.readyCount(1))
  assert.equal([o.errors, o.rows], [[], [['t']]])
  await alive(c)
  c.close()
})

test('Bind with 65,535 NULLs, mismatched format counts and a format code 7 is refused by the server; the session goes on', async () => {
  for (const [params, formats] of [
    [65535, []],
    [[Buffer.from('1'), Buffer.from('2')], [0, 0, 0]],
    [[Buffer.from('1')], [7]],
  ] as [(Buffer | null)[] | number, number[]][]) {
    const c = await session()
    // 65,535 NULLs: the count is an unsigned 16-bit field, past what the encoder writes.
    const bind = typeof params === 'number'
      ? [typedRaw('B', Buffer.concat([Buffer.from([0, 0, 0, 0, 0xff, 0xff]), Buffer.alloc(4 * params, 0xff), Buffer.from([0, 0])])), encodeExecute({ portal: '', maxRows: 0 }), encodeSync()]
      : bindRun('', params, formats)
    c.send(encodeParse({ name: '', text: 'SELECT password FROM credentials WHERE id = $1', paramTypes: [] }), ...bind)
    const o = outcomeOf(await c.readyCount(1))
    assert.equal(o.leaks, [])
    assert.ok(o.errors.length === 1 && /^(08P01|22023)/.test(o.errors[0]!), `${String(params).slice(0, 20)} closed=${c.closed} ${o.types} ${o.errors.join('; ')}`)
    await alive(c)
    c.close()
  }
})

test('held: a held Bind with a 4 MB value of invalid UTF-8 and NULs is shown cut, rejected, and kept out of the audit', async () => {
  const c = await session()
  const big = Buffer.concat([Buffer.from('Xq7-secret-'), Buffer.alloc(4 << 20, 0xff), Buffer.from([0, 0xc3, 0x28])])
  c.send(encodeParse({ name: '', text: 'UPDATE users SET plan = $1 WHERE id = $2', paramTypes: [] }), ...bindRun('', [big, Buffer.from('3')]))
  const id = await nextApproval()
  const shown = (await h.te.approvals.get(id))!.command.review_text
  assert.ok(shown.length < MAX_REVIEW_CHARS + 200 && shown.endsWith('deny it, since what would run is not all here]'), `${shown.length}`)
  await h.te.approvals.reject(id, dba())
  assert.is(errorsOf(await c.readyCount(1))[0]?.code, '42501')
  assert.not.match(auditText(), 'Xq7-secret')
  await alive(c)
  c.close()
})

test('held: identifiers that spell a secret otherwise are read as it (U& escapes, quoted case, 63-byte truncation)', async () => {
  const c = await session()
  for (const sql of [
    `SELECT id FROM credentials WHERE U&"pass\\0077ord" LIKE 'M%'`,
    `SELECT id FROM credentials WHERE U&"!0070assword" UESCAPE '!' > 'M'`,
    `SELECT id FROM credentials WHERE "password" LIKE 'M%'`,
    `SELECT id FROM credentials WHERE ${'p'}assword::text ~ '^M'`,
  ]) {
    const o = await query(c, sql)
    assert.equal(o.rows, [], sql)
    assert.match(o.errors[0] ?? '', /^42501/, sql)
  }
  // A 70-byte name the server cuts to the view's 63-byte column of passwords.
  const cut = await query(c, `SELECT id FROM v7 WHERE ${LONG} LIKE 'M%'`)
  assert.equal(cut.rows, [])
  assert.match(cut.errors[0] ?? '', /^42501/)
  // Cyrillic а and р: another name, which does not exist.
  assert.match((await query(c, `SELECT id FROM credentials WHERE \u0440\u0430ssword LIKE 'M%'`)).errors[0] ?? '', /^(42703|42501)/)
  // "PASSWORD" quoted is another column, which does not exist.
  assert.match((await query(c, `SELECT id FROM credentials WHERE "PASSWORD" LIKE 'M%'`)).errors[0] ?? '', /^(42703|42501)/)
  c.close()
})

test('held: a secret compared with = ANY of a huge array, or inside 10,000 nested parentheses and ORs, is denied without a crash', async () => {
  const c = await session()
  // Texts past 16 KiB are refused whole (54000); these stay under it.
  const arr = `ARRAY[${Array.from({ length: 800 }, (_, i) => `'g${i}'`).join(',')}]`
  const nested = `${'('.repeat(8_000)}password > 'M'${')'.repeat(8_000)}`
  const ors = Array.from({ length: 1_500 }, () => '(id=1 OR').join(' ') + ` password > 'M'` + ')'.repeat(1_500)
  for (const sql of [
    `SELECT id FROM credentials WHERE password > ANY(${arr})`,
    `SELECT id FROM credentials WHERE password = ANY(${arr}${'||' + arr})`,
    `SELECT id FROM credentials WHERE ${nested}`,
    `SELECT id FROM credentials WHERE ${ors}`,
  ]) {
    const o = await query(c, sql)
    assert.equal(o.rows, [], sql.slice(0, 60))
    assert.ok(o.errors.length === 1 && /^(42501|54001)/.test(o.errors[0]!), o.errors.join('; ').slice(0, 300))
    assert.equal(o.leaks, [])
  }
  await alive(c)
  c.close()
})

test('a secret looked up with = ANY of one bound array (a dictionary of guesses in one statement) is denied', async () => {
  const c = await session()
  // 200,000 guesses and the right one: 4 MB of Bind, past the 16 KiB a statement's text may hold.
  const guesses = [...Array.from({ length: 200_000 }, (_, i) => `Guess-${i}`), 'Marzipan-Quokka-5113']
  // ARRAY[$1] with $1 a text[] is a two-dimensional array, whose every element ANY compares.
  for (const text of ['SELECT id FROM credentials WHERE password = ANY ($1)', 'SELECT id FROM credentials WHERE NOT (password <> ALL ($1::text[]))', 'SELECT id FROM credentials WHERE password = ANY (ARRAY[$1])']) {
    c.take()
    c.send(encodeParse({ name: '', text, paramTypes: [1009] }), ...bindRun('', [Buffer.from(`{${guesses.join(',')}}`)]))
    const o = outcomeOf(await c.readyCount(1))
    assert.equal(o.rows, [], text)
    assert.match(o.errors[0] ?? '', /^42501: .*is masked whole/, text)
  }
  // One given value, or a list the text gives, stays a lookup.
  assert.equal((await query(c, "SELECT id FROM credentials WHERE password = ANY ('{x,y}')")).errors, [])
  c.take()
  c.send(encodeParse({ name: '', text: 'SELECT id FROM credentials WHERE password = $1', paramTypes: [] }), ...bindRun('', [Buffer.from('x')]))
  assert.equal(outcomeOf(await c.readyCount(1)).errors, [])
  await alive(c)
  c.close()
})

test('held: a probe of a secret through the extended protocol is denied at Parse', async () => {
  const c = await session()
  c.send(encodeParse({ name: '', text: 'SELECT id FROM credentials WHERE password LIKE $1', paramTypes: [] }), ...bindRun('', [Buffer.from('M%')]))
  const o = outcomeOf(await c.readyCount(1))
  assert.equal(o.rows, [])
  assert.match(o.errors[0] ?? '', /^42501/)
  c.close()
})

test('held: a named statement parsed again under its name (refused by the server, 42P05) keeps the first text\'s masking', async () => {
  const c = await session()
  const run = async (...bufs: Buffer[]) => {
    c.take()
    c.send(...bufs)
    return outcomeOf(await c.readyCount(1))
  }
  assert.equal((await run(encodeParse({ name: 'd', text: 'SELECT password AS label FROM credentials ORDER BY id', paramTypes: [] }), encodeSync())).errors, [])
  const again = await run(encodeParse({ name: 'd', text: 'SELECT label FROM credentials ORDER BY id', paramTypes: [] }), ...bindRun('d', []))
  assert.match(again.errors.join(), /^42P05/)
  for (const formats of [0, 1]) {
    const o = await run(encodeBind({ portal: '', statement: 'd', paramFormats: [], params: [], resultFormats: [formats] }), encodeExecute({ portal: '', maxRows: 0 }), encodeSync())
    assert.equal(o.leaks, [])
    assert.equal(o.errors, [])
  }
  c.close()
})

test('held: errors whose text would carry a secret (casts, formats, json) do not give it back', async () => {
  const c = await session()
  for (const sql of [
    'SELECT password::int FROM credentials',
    'SELECT password::json FROM credentials',
    'SELECT password::uuid FROM credentials',
    "SELECT to_date(password, 'YYYY') FROM credentials",
    'SELECT api_key::numeric FROM credentials',
    "SELECT 1/0 FROM credentials WHERE password::int = 1",
  ]) {
    const o = await query(c, sql)
    assert.equal(o.leaks, [], sql)
    assert.ok(o.errors.length === 1, sql)
  }
  c.take()
  c.send(encodeParse({ name: '', text: 'SELECT password::int FROM credentials', paramTypes: [] }), ...bindRun('', []))
  const o = outcomeOf(await c.readyCount(1))
  assert.equal(o.leaks, [])
  assert.ok(o.errors.length === 1, JSON.stringify(o.errors))
  await alive(c)
  c.close()
})

test('held: 4,000 NOTs, 1,500 nested subqueries and 1,000 nested CASEs over a secret are denied, by Parse too; the gateway goes on', async () => {
  const c = await session()
  const texts = [
    `SELECT id FROM credentials WHERE ${'NOT '.repeat(4_000)}password > 'M'`,
    `SELECT id FROM credentials WHERE ${'(SELECT '.repeat(1_500)}password${')'.repeat(1_500)} > 'M'`,
    `SELECT id FROM credentials WHERE ${'CASE WHEN id=1 THEN '.repeat(600)}password > 'M'${' END'.repeat(600)}`,
  ]
  for (const sql of texts) {
    const o = await query(c, sql)
    assert.equal([o.rows, o.leaks], [[], []], sql.slice(0, 80))
    assert.ok(o.errors.length === 1 && /^(42501|54001)/.test(o.errors[0]!), o.errors.join('; ').slice(0, 300))
    c.take()
    c.send(encodeParse({ name: '', text: sql, paramTypes: [] }), ...bindRun('', []))
    const e = outcomeOf(await c.readyCount(1))
    assert.equal([e.rows, e.leaks], [[], []])
    assert.ok(e.errors.length === 1 && /^(42501|54001)/.test(e.errors[0]!), e.errors.join('; ').slice(0, 300))
  }
  await alive(c)
  c.close()
})

test('nothing reached the server without an allow decision', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
