// Attacks on "one view of the session": what the gateway judges must be what the server runs. Byte-exact
// clients try to make the two disagree — prepared statement and portal names the server truncates to 63 bytes,
// invalid UTF-8, standard_conforming_strings off, client encodings whose second byte is a backslash, startup
// parameters that pick another database — and check the outcome on the server (a canary table still there, no
// role created, no unmasked value back, nothing run without an allow). Then a message too large or too long
// must not stall other sessions, an agent must not read other sessions' SQL or column statistics, and
// ownership / RLS changes hidden behind comments must be denied.
import net from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import pg from 'pg'
import { FrameReader, type Frame } from './framing.ts'
import { decodeDataRow } from './messages/data-row.ts'
import { decodeErrorResponse } from './messages/error-response.ts'
import { DIRECT_APP } from './testing/cluster.ts'
import { createTestEngine, testTarget } from './testing/engine.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { createLeakChecker } from './testing/leak-check.ts'
import { type Bytes, errorsOf, RawClient, rawMessages as m, rawSession } from './testing/raw-client.ts'
import { receivedFromBytes } from './testing/received.ts'
import { LEAK_SEED_SQL, SEEDED_SECRETS } from './testing/seed-leaks.ts'

let h: Harness
const checker = createLeakChecker(SEEDED_SECRETS)
const CANARIES = 64

test.before(async () => {
  h = await startHarness({ holdSeconds: 1 })
  await h.cluster.query(LEAK_SEED_SQL)
  // The gateway's role may create roles, so a smuggled CREATE ROLE would work; each attack drops its own canary.
  await h.cluster.query(`ALTER ROLE warden CREATEROLE`)
  const tables = Array.from({ length: CANARIES }, (_, i) => `CREATE TABLE canary_${i} (id int);`).join(' ')
  await h.cluster.query(`SET ROLE warden; ${tables} RESET ROLE`)
})
test.after(async () => {
  await h?.stop()
})

let nextCanary = 0
/** A table the upstream role could drop and a role name it could create, unique to one attack. */
function canary(): { table: string; role: string } {
  const i = nextCanary++
  if (i >= CANARIES) throw new Error('out of canary tables')
  return { table: `canary_${i}`, role: `smuggled_role_${i}` }
}

async function intact(c: { table: string; role: string }): Promise<string[]> {
  const problems: string[] = []
  const t = await h.cluster.query(`SELECT 1 FROM pg_class WHERE relname = $1`, [c.table])
  if (t.length !== 1) problems.push(`table ${c.table} was dropped`)
  const r = await h.cluster.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [c.role])
  if (r.length !== 0) problems.push(`role ${c.role} was created`)
  return problems
}

let unjudgedSeen = 0
/** Statements run without an allow since the last call: each section reports only its own. */
function newUnjudged(): string[] {
  const all = h.unjudgedStatements()
  const fresh = all.slice(unjudgedSeen)
  unjudgedSeen = all.length
  return fresh
}

const rawOf = (frames: Frame[]) => Buffer.concat(frames.map((f) => f.raw))

function leaksIn(frames: Frame[]): string[] {
  return checker.scan(receivedFromBytes(rawOf(frames))).map((l) => `${l.column} via ${l.via}: ${JSON.stringify(l.received)}`)
}

async function agentSession(params?: Record<string, string>): Promise<RawClient> {
  return RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db', params })
}

/** Sends messages ending in Sync or a Query and collects everything up to the `n`th ReadyForQuery (or close). */
async function exchange(c: RawClient, msgs: Buffer[], n = 1, timeoutMs = 15_000): Promise<Frame[]> {
  c.send(...msgs)
  await c.readyCount(n, timeoutMs).catch(() => undefined)
  return c.take()
}

function firstValue(frames: Frame[]): string | undefined {
  const d = frames.find((f) => f.type === 'D')
  const v = d ? decodeDataRow(d.payload)[0] : undefined
  return v ? v.toString('utf8') : undefined
}

/** A superuser session on the cluster's Unix socket that sends bytes as they are (the tests' own checks). */
async function direct(queries: Bytes[]): Promise<Frame[][]> {
  const socket = net.connect({ path: `${h.cluster.socketDir}/.s.PGSQL.${h.cluster.port}` })
  const reader = new FrameReader({ typed: true })
  const frames: Frame[] = []
  let wake: () => void = () => undefined
  socket.on('data', (chunk: Buffer) => {
    reader.push(chunk)
    for (let f = reader.next(); f; f = reader.next()) frames.push({ ...f, raw: Buffer.from(f.raw), payload: Buffer.from(f.payload) })
    wake()
  })
  socket.on('error', () => wake())
  const ready = async (count: number) => {
    const deadline = Date.now() + 15_000
    while (frames.filter((f) => f.type === 'Z').length < count && Date.now() < deadline) {
      await new Promise<void>((r) => {
        wake = r
        setTimeout(r, 100)
      })
    }
  }
  socket.write(m.startup([['user', 'postgres'], ['database', h.cluster.database], ['application_name', DIRECT_APP]]))
  await ready(1)
  const out: Frame[][] = []
  for (const [i, q] of queries.entries()) {
    const before = frames.length
    socket.write(m.query(q))
    await ready(i + 2)
    out.push(frames.slice(before))
  }
  socket.destroy()
  return out
}

// ---- (a) statement and portal names the server truncates to 63 bytes ----

const PAD = 'n'.repeat(63)
const A = `${PAD}A`
const B = `${PAD}B`
const EMAIL_SQL = 'SELECT email, phone, card_number FROM users'

const longNameAttacks: [string, () => Buffer[][]][] = [
  ['Parse A = SELECT 1, Parse B = email, Bind/Execute A', () => [[m.parse(A, 'SELECT 1'), m.parse(B, EMAIL_SQL), m.bind('', A), m.execute(''), m.sync()]]],
  ['Parse A = empty, Parse B = email, Bind/Execute A', () => [[m.parse(A, ''), m.parse(B, EMAIL_SQL), m.bind('', A), m.execute(''), m.sync()]]],
  ['Parse A = SELECT 1; Close B (closes A on the server); Parse B = email; Bind/Execute A', () => [
    [m.parse(A, 'SELECT 1'), m.sync()],
    [m.close('S', B), m.sync()],
    [m.parse(B, EMAIL_SQL), m.sync()],
    [m.bind('', A), m.execute(''), m.sync()],
  ]],
  ['Parse A = empty; Close B; Parse B = email; Describe and Execute A', () => [
    [m.parse(A, ''), m.sync()],
    [m.close('S', B), m.parse(B, EMAIL_SQL), m.sync()],
    [m.describe('S', A), m.bind('', A), m.describe('P', ''), m.execute(''), m.sync()],
  ]],
  ['Parse A = SELECT 1; DEALLOCATE "…B" by SQL; Parse B = email; Bind/Execute A', () => [
    [m.parse(A, 'SELECT 1'), m.sync()],
    [m.query(`DEALLOCATE "${B}"`)],
    [m.parse(B, EMAIL_SQL), m.sync()],
    [m.bind('', A), m.execute(''), m.sync()],
  ]],
  ['PREPARE …A AS SELECT 1 by SQL; Close B; Parse B = email; Bind/Execute A', () => [
    [m.query(`PREPARE "${A}" AS SELECT 1`)],
    [m.close('S', B), m.sync()],
    [m.parse(B, EMAIL_SQL), m.sync()],
    [m.bind('', A), m.execute(''), m.sync()],
  ]],
  ['portal A bound to SELECT 1; Close portal B; portal B bound to email; Execute portal A', () => [[
    m.parse('s1', 'SELECT 1'), m.parse('s2', EMAIL_SQL),
    m.bind(A, 's1'), m.close('P', B), m.bind(B, 's2'), m.execute(A), m.sync(),
  ]]],
  ['portal A bound to SELECT 1 in binary; Close portal B; portal B bound to email in text; Describe and Execute A', () => [[
    m.parse('s3', 'SELECT 1'), m.parse('s4', EMAIL_SQL),
    m.bind(A, 's3', 1), m.close('P', B), m.bind(B, 's4'), m.describe('P', A), m.execute(A), m.sync(),
  ]]],
  ['multibyte name cut inside a character at byte 63', () => {
    const a = Buffer.concat([Buffer.from('n'.repeat(62)), Buffer.from('é1', 'utf8')])
    const b = Buffer.concat([Buffer.from('n'.repeat(62)), Buffer.from('é2', 'utf8')])
    return [[m.parse(a, 'SELECT 1'), m.sync()], [m.close('S', b), m.parse(b, EMAIL_SQL), m.sync()], [m.bind('', a), m.execute(''), m.sync()]]
  }],
]

for (const [name, batches] of longNameAttacks) {
  test(`63-byte names: ${name} — no unmasked value comes back`, async () => {
    const c = await agentSession()
    const got: Frame[] = []
    for (const b of batches()) got.push(...await exchange(c, b))
    c.close()
    assert.equal(leaksIn(got), [])
  })
}

test('63-byte names: the server ran nothing the gateway did not allow', () => {
  assert.equal(newUnjudged(), [])
})

// ---- (b) invalid UTF-8 in names and query text ----

const ff = (s: string) => Buffer.concat([Buffer.from(s), Buffer.from([0xff])])
const fe = (s: string) => Buffer.concat([Buffer.from(s), Buffer.from([0xfe])])

const invalidUtf8Attacks: [string, () => Buffer[][]][] = [
  ['two names that differ only in invalid bytes: email under one, SELECT 1 under the other', () => [
    [m.parse(ff('x'), EMAIL_SQL), m.sync()],
    [m.parse(fe('x'), 'SELECT 1'), m.sync()],
    [m.bind('', ff('x')), m.execute(''), m.sync()],
  ]],
  ['the same, in one batch', () => [[m.parse(ff('y'), EMAIL_SQL), m.parse(fe('y'), 'SELECT 1'), m.bind('', ff('y')), m.execute(''), m.sync()]]],
  ['portal names that differ only in invalid bytes', () => [[
    m.parse('p1', EMAIL_SQL), m.parse('p2', 'SELECT 1'), m.bind(ff('z'), 'p1'), m.bind(fe('z'), 'p2'), m.execute(ff('z')), m.sync(),
  ]]],
  ['an invalid byte in a comment of the query text', () => [[m.query(Buffer.concat([Buffer.from(`${EMAIL_SQL} /* `), Buffer.from([0xc0, 0xaf]), Buffer.from(' */')]))]]],
  ['an invalid byte before a newline that ends a line comment', () => [[m.query(Buffer.concat([Buffer.from('SELECT 1 -- '), Buffer.from([0xe2]), Buffer.from(`\n; ${EMAIL_SQL}`)]))]]],
  ['an invalid byte inside a Parse text', () => [[m.parse('', Buffer.concat([Buffer.from(`${EMAIL_SQL} -- `), Buffer.from([0xff, 0xfe])])), m.bind('', ''), m.execute(''), m.sync()]]],
]

for (const [name, batches] of invalidUtf8Attacks) {
  test(`invalid UTF-8: ${name} — no unmasked value comes back`, async () => {
    const c = await agentSession()
    const got: Frame[] = []
    for (const b of batches()) got.push(...await exchange(c, b))
    c.close()
    assert.equal(leaksIn(got), [])
  })
}

test('invalid UTF-8: the server ran nothing the gateway did not allow', () => {
  assert.equal(newUnjudged(), [])
})

// ---- (c) standard_conforming_strings = off ----

/**
 * libpg-query (strings standard) reads one SELECT of two string literals; with standard_conforming_strings off,
 * `\'` escapes the quote, so the server reads a SELECT, then the smuggled statement, then a comment.
 */
const scsPayload = (smuggled: string) => `SELECT 'a\\' || '; ${smuggled}; --'`

test('standard_conforming_strings: the payload really is two statements to a server with it off', async () => {
  const c = canary()
  const [, second] = await direct(['SET standard_conforming_strings = off', scsPayload(`DROP TABLE ${c.table}`)])
  assert.ok((await intact(c)).length === 1, `precondition: the payload did not drop ${c.table} on the server directly: ${errorsOf(second!).map((e) => e.message)}`)
})

const scsRoutes: [string, { params?: Record<string, string>; setup?: Buffer[][] }][] = [
  ['SET standard_conforming_strings = off', { setup: [[m.query('SET standard_conforming_strings = off')]] }],
  ['SET SESSION standard_conforming_strings TO false', { setup: [[m.query('SET SESSION standard_conforming_strings TO false')]] }],
  ['SET "standard_conforming_strings" = \'off\'', { setup: [[m.query(`SET "standard_conforming_strings" = 'off'`)]] }],
  ['SET STANDARD_CONFORMING_STRINGS = OFF', { setup: [[m.query('SET STANDARD_CONFORMING_STRINGS = OFF')]] }],
  ["set_config('standard_conforming_strings', 'off', false)", { setup: [[m.query(`SELECT set_config('standard_conforming_strings', 'off', false)`)]] }],
  ['SET by the extended protocol', { setup: [[m.parse('', 'SET standard_conforming_strings = off'), m.bind('', ''), m.execute(''), m.sync()]] }],
  ['BEGIN; SET LOCAL, then the payload inside the transaction', { setup: [[m.query('BEGIN')], [m.query('SET LOCAL standard_conforming_strings = off')]] }],
  ['startup parameter standard_conforming_strings=off', { params: { standard_conforming_strings: 'off' } }],
  ['startup options -c standard_conforming_strings=off', { params: { options: '-c standard_conforming_strings=off' } }],
  ['startup options --standard-conforming-strings=off', { params: { options: '--standard-conforming-strings=off' } }],
  ['startup options -cstandard_conforming_strings=off', { params: { options: '-cstandard_conforming_strings=off' } }],
]

for (const [name, route] of scsRoutes) {
  for (const smuggled of ['DROP TABLE', 'CREATE ROLE'] as const) {
    test(`standard_conforming_strings off by ${name}: the smuggled ${smuggled} never runs`, async () => {
      const c = canary()
      const stmt = smuggled === 'DROP TABLE' ? `DROP TABLE ${c.table}` : `CREATE ROLE ${c.role}`
      const s = await rawSession(h.port, await h.agentToken(), [['user', 'agent'], ['database', 'prod-db'], ...Object.entries(route.params ?? {})])
      if ('client' in s) {
        for (const b of route.setup ?? []) await exchange(s.client, b)
        await exchange(s.client, [m.query(scsPayload(stmt))])
        await exchange(s.client, [m.query('COMMIT')])
        s.client.close()
      }
      assert.equal(await intact(c), [])
    })
  }
}

test('standard_conforming_strings: the server ran nothing the gateway did not allow', () => {
  assert.equal(newUnjudged(), [])
})

// ---- (d) client encodings whose multibyte characters end in a backslash ----

/**
 * A two-byte character of each encoding whose second byte is 0x5c (a backslash in ASCII). PostgreSQL's JOHAB
 * accepts only 0xa1–0xfe as a second byte, so it has none: its payload is refused by the server, and its test
 * checks only that the session stays UTF8.
 */
const ENCODINGS: [string, number][] = [['SJIS', 0x95], ['BIG5', 0xa5], ['GBK', 0x95], ['GB18030', 0x95], ['JOHAB', 0x95]]
const BACKSLASH_TRAIL = new Set(['SJIS', 'BIG5', 'GBK', 'GB18030'])

/**
 * Read as UTF-8 (what the gateway sees), `E'<lead>\'` escapes the quote and the rest is one string; read in the
 * client encoding (what the server sees after converting), `<lead>\` is one character, the string ends, and the
 * smuggled statement runs.
 */
function encodingPayload(lead: number, smuggled: string): Buffer {
  return Buffer.concat([Buffer.from(`SELECT E'`), Buffer.from([lead, 0x5c]), Buffer.from(`' ; ${smuggled}; --'`)])
}

for (const [encoding, lead] of ENCODINGS.filter(([e]) => BACKSLASH_TRAIL.has(e))) {
  test(`${encoding}: the payload really is two statements to a server with that client encoding`, async () => {
    const c = canary()
    const [valid] = await direct([`SELECT convert_from('\\x${lead.toString(16)}5c'::bytea, '${encoding}')`])
    assert.equal(errorsOf(valid!), [], `${encoding} 0x${lead.toString(16)} 0x5c is no character`)
    const [, second] = await direct([`SET client_encoding = '${encoding}'`, encodingPayload(lead, `DROP TABLE ${c.table}`)])
    assert.ok((await intact(c)).length === 1, `precondition: the payload did not drop ${c.table} directly: ${errorsOf(second!).map((e) => e.message)}`)
  })
}

const encodingRoutes: [string, (e: string) => { params?: Record<string, string>; setup?: Buffer[][] }][] = [
  ['SET client_encoding', (e) => ({ setup: [[m.query(`SET client_encoding = '${e}'`)]] })],
  ['SET NAMES', (e) => ({ setup: [[m.query(`SET NAMES '${e}'`)]] })],
  ['set_config', (e) => ({ setup: [[m.query(`SELECT set_config('client_encoding', '${e}', false)`)]] })],
  ['the extended protocol', (e) => ({ setup: [[m.parse('', `SET client_encoding TO ${e}`), m.bind('', ''), m.execute(''), m.sync()]] })],
  ['startup parameter client_encoding', (e) => ({ params: { client_encoding: e } })],
  ['startup options -c client_encoding', (e) => ({ params: { options: `-c client_encoding=${e}` } })],
]

for (const [encoding, lead] of ENCODINGS) {
  for (const [route, how] of encodingRoutes) {
    test(`${encoding} by ${route}: the session stays UTF8 or refuses, and the smuggled statement never runs`, async () => {
      const c = canary()
      const { params, setup } = how(encoding)
      const s = await rawSession(h.port, await h.agentToken(), [['user', 'agent'], ['database', 'prod-db'], ...Object.entries(params ?? {})])
      let encodingNow: string | undefined
      if ('client' in s) {
        for (const b of setup ?? []) await exchange(s.client, b)
        encodingNow = firstValue(await exchange(s.client, [m.query('SHOW client_encoding')]))
        await exchange(s.client, [m.query(encodingPayload(lead, `DROP TABLE ${c.table}`))])
        await exchange(s.client, [m.query(encodingPayload(lead, `CREATE ROLE ${c.role}`))])
        s.client.close()
      }
      assert.equal(await intact(c), [])
      if (encodingNow !== undefined) assert.is(encodingNow.toUpperCase(), 'UTF8', `client_encoding is ${encodingNow}`)
    })
  }
}

test('client encodings: the server ran nothing the gateway did not allow', () => {
  assert.equal(newUnjudged(), [])
})

// ---- (e) startup parameters that name another database ----

const databaseAttacks: [string, [Bytes, Bytes][]][] = [
  ['options=-c database=postgres', [['user', 'agent'], ['database', 'prod-db'], ['options', '-c database=postgres']]],
  ['options=--database=postgres', [['user', 'agent'], ['database', 'prod-db'], ['options', '--database=postgres']]],
  ['options=-cdatabase=postgres', [['user', 'agent'], ['database', 'prod-db'], ['options', '-cdatabase=postgres']]],
  ['options=-c user=postgres', [['user', 'agent'], ['database', 'prod-db'], ['options', '-c user=postgres']]],
  ['database repeated: postgres, then prod-db', [['user', 'agent'], ['database', 'postgres'], ['database', 'prod-db']]],
  ['database repeated: prod-db, then postgres', [['user', 'agent'], ['database', 'prod-db'], ['database', 'postgres']]],
  ['an unknown parameter named dbname', [['user', 'agent'], ['database', 'prod-db'], ['dbname', 'postgres']]],
  ['an unknown parameter', [['user', 'agent'], ['database', 'prod-db'], ['warden_unknown_parameter', 'x']]],
  ['an unknown parameter with a dot', [['user', 'agent'], ['database', 'prod-db'], ['custom.database', 'postgres']]],
  ['options with two settings, the second a database', [['user', 'agent'], ['database', 'prod-db'], ['options', '-c application_name=x -c database=postgres']]],
  ['options with an escaped space', [['user', 'agent'], ['database', 'prod-db'], ['options', '-c application_name=a\\ -c\\ database=postgres']]],
  ['replication=database', [['user', 'agent'], ['database', 'prod-db'], ['replication', 'database']]],
  ['a trailing database argument in options', [['user', 'agent'], ['database', 'prod-db'], ['options', 'postgres']]],
]

for (const [name, pairs] of databaseAttacks) {
  test(`startup ${name}: the session reaches only its target's database (or is refused)`, async () => {
    const s = await rawSession(h.port, await h.agentToken(), pairs)
    if ('refused' in s) return
    const frames = await exchange(s.client, [m.query('SELECT current_database() || \' \' || current_user')])
    s.client.close()
    assert.is(firstValue(frames), `${h.cluster.database} ${h.cluster.roles.scram.user}`)
  })
}

// ---- (f) one huge message, twenty thousand statements: an answer in bounded time, other sessions unaffected ----

const ANSWER_WITHIN_MS = 30_000
const EXTRA_LATENCY_MS = 100

async function latency(c: pg.Client): Promise<number> {
  const t = performance.now()
  await c.query('SELECT 1')
  return performance.now() - t
}

const bulky: [string, () => Buffer][] = [
  ['a 1.1 MiB string literal', () => m.query(`SELECT length('${'a'.repeat(1_150_000)}')`)],
  ['a 1.1 MiB comment', () => m.query(`SELECT 1 /* ${'x'.repeat(1_150_000)} */`)],
  ['a 1.1 MiB IN list', () => m.query(`SELECT count(*) FROM users WHERE id IN (${Array.from({ length: 160_000 }, (_, i) => i).join(',')})`)],
  ['SELECT 1; twenty thousand times', () => m.query('SELECT 1;'.repeat(20_000))],
  ['a 1.1 MiB Parse', () => Buffer.concat([m.parse('', `SELECT length('${'b'.repeat(1_150_000)}')`), m.bind('', ''), m.execute(''), m.sync()])],
]

// One bulky message sent while another session measures SELECT 1.
async function stallTrial(message: () => Buffer) {
  const other = await h.client()
  const samples: number[] = []
  for (let i = 0; i < 15; i++) samples.push(await latency(other))
  samples.sort((a, b) => a - b)
  const baseline = samples[Math.floor(samples.length * 0.8)]!
  const c = await agentSession()
  const started = performance.now()
  c.send(message())
  let answered = false
  // Looks only at frames not seen yet: rescanning 60,000 frames on every chunk would stall this very process,
  // which also runs the gateway, and be charged to it.
  let seen = 0
  const sawReady = (fs: Frame[]) => {
    for (; seen < fs.length; seen++) if (fs[seen]!.type === 'Z') return true
    return false
  }
  let answeredAt = Infinity
  const done = c.until(sawReady, ANSWER_WITHIN_MS).then(() => {
    answered = true
    answeredAt = performance.now()
  }, () => undefined)
  const during: number[] = []
  while (!answered && performance.now() - started < ANSWER_WITHIN_MS) {
    during.push(await latency(other))
    await new Promise((r) => setTimeout(r, 10))
  }
  await done
  const elapsed = performance.now() - started
  const frames = c.take()
  c.close()
  await other.end()
  // until() also returns when the gateway closes the connection: a clear end, if it comes in time.
  assert.ok(answeredAt - started <= ANSWER_WITHIN_MS, `no answer, error or close within ${ANSWER_WITHIN_MS} ms (took ${elapsed.toFixed(0)} ms)`)
  assert.ok(frames.some((f) => f.type === 'Z' || f.type === 'E') || c.closed, 'neither an answer nor an error')
  return { worst: Math.max(0, ...during), baseline, elapsed }
}

for (const [name, message] of bulky) {
  test(`${name}: answered or refused in bounded time, while another session's SELECT 1 stays within ${EXTRA_LATENCY_MS} ms of its baseline`, async () => {
    // A stall the gateway causes happens every time; a busy machine's hiccup does not: a second trial decides.
    let t = await stallTrial(message)
    if (t.worst > t.baseline + EXTRA_LATENCY_MS) t = await stallTrial(message)
    assert.ok(t.worst <= t.baseline + EXTRA_LATENCY_MS, `another session waited ${t.worst.toFixed(0)} ms for SELECT 1 (baseline ${t.baseline.toFixed(1)} ms) while this took ${t.elapsed.toFixed(0)} ms`)
  })
}

// ---- (g) other sessions' SQL and column statistics ----

const MARKER = 'wm-7f3a9-private-note'

const catalogReads = [
  'SELECT query FROM pg_stat_activity',
  'SELECT * FROM pg_catalog.pg_stat_activity',
  'SELECT pid, query FROM pg_stat_activity WHERE pid <> pg_backend_pid()',
  'SELECT pg_stat_get_backend_activity(s) FROM pg_stat_get_backend_idset() AS s',
  'SELECT query FROM pg_stat_get_activity(NULL)',
  'SELECT * FROM pg_stats',
  `SELECT attname, most_common_vals, histogram_bounds FROM pg_stats WHERE tablename IN ('credentials', 'customers', 'users')`,
  `SELECT histogram_bounds::text FROM pg_catalog.pg_stats WHERE tablename = 'credentials'`,
  'SELECT * FROM pg_stats_ext',
  'SELECT stavalues1, stavalues2 FROM pg_statistic',
]

test('catalogs: the secrets and the marker are really there for the gateway\'s role to read', async () => {
  const other = await h.client({ token: await h.te.token('other-agent', ['agents']) })
  await other.query(`SELECT count(*) FROM orders WHERE status = '${MARKER}'`)
  await h.cluster.query('ANALYZE users; ANALYZE customers; ANALYZE credentials')
  const [, stats, activity] = await direct(['SET ROLE warden', `SELECT histogram_bounds::text FROM pg_stats WHERE tablename = 'credentials'`, 'SELECT query FROM pg_stat_activity'])
  assert.ok(leaksIn(stats!).length > 0, 'pg_stats shows no secret to the gateway role')
  assert.ok(rawOf(activity!).includes(MARKER), 'pg_stat_activity shows no other session\'s query to the gateway role')
})

for (const sql of catalogReads) {
  test(`catalogs: an agent cannot read them: ${sql}`, async () => {
    const c = await agentSession()
    const frames = await exchange(c, [m.query(sql)])
    c.close()
    // Refused or not: no secret and no other session's SQL, in rows or in the error.
    assert.equal(leaksIn(frames), [])
    assert.not.ok(rawOf(frames).includes(MARKER), 'another session\'s query text came back')
  })
}

// ---- (h) ownership and row-level security behind comments: denied, not held ----

const privilegeChanges = [
  'ALTER TABLE users OWNER/**/TO x',
  'ALTER TABLE users OWNER TO x',
  'ALTER TABLE users OWNER--\nTO x',
  'ALTER TABLE public.users OWNER /* a */ TO CURRENT_USER',
  'ALTER TABLE users DISABLE ROW/**/LEVEL SECURITY',
  'ALTER TABLE users DISABLE ROW LEVEL SECURITY',
  'ALTER TABLE users DISABLE/**/ROW/**/LEVEL/**/SECURITY',
  'ALTER TABLE IF EXISTS ONLY users NO FORCE ROW/**/LEVEL SECURITY',
  'ALTER TABLE users ADD COLUMN z int, DISABLE ROW/**/LEVEL SECURITY',
  'ALTER TABLE users ADD COLUMN z int, OWNER/**/TO x',
  'ALTER VIEW user_directory OWNER/**/TO x',
  'ALTER SEQUENCE users_id_seq OWNER/**/TO x',
  'ALTER SCHEMA public OWNER/**/TO x',
]

test('ownership and RLS changes are denied, whatever comments split their keywords', async () => {
  const te = await createTestEngine({ targets: [testTarget('prod-db')] })
  try {
    const session = { id: 'attacks', started_at: new Date().toISOString(), identity: te.identity('cursor', ['agents'], 'agent'), target: te.engine.target('prod-db')! }
    const wrong = privilegeChanges
      .map((text) => ({ text, effect: te.engine.judge({ kind: 'sql', session, text }).decision.effect }))
      .filter((j) => j.effect !== 'deny')
      .map((j) => `${j.effect}: ${JSON.stringify(j.text)}`)
    assert.equal(wrong, [])
  } finally {
    te.close()
  }
})

test('the server ran nothing the gateway did not allow', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
