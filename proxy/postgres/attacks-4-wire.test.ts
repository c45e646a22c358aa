// The fourth attacker's review (attacks-4.test.ts), protocol and lexer edges against a real PostgreSQL 15. All of
// these held before the review; they stay as regressions. An agent in production, default policy:
// - extended protocol out of the usual order on a portal reading masked columns: Execute with a row limit
//   (PortalSuspended) and more Executes, binary format; Describe of a portal before its Bind; Close and reuse of
//   statement and portal names; a Bind over an open portal's name; Parse/Bind/Execute without Sync mixed with a
//   simple Query; a frontend message sent one byte per TCP segment;
// - messages the gateway must not pass: FunctionCall ('F', no SQL to judge), CopyData / CopyDone / CopyFail with
//   no COPY running, a NUL inside a Query or Parse text (what follows it would be judged or run apart), an unknown
//   type, a 2 GiB length;
// - startup parameters and options that would make the server read SQL otherwise than the gateway judged it
//   (client encodings whose second byte can be a backslash or quote, standard_conforming_strings, backslash_quote,
//   spelled as a parameter, `-c`, `--name=value` or `-cname=value`);
// - names: U&"…" UESCAPE identifiers spelling a masked column, a 70-character name whose first 63 bytes (all the
//   server keeps) name a view of passwords, a non-ASCII unquoted identifier (the server folds ASCII letters only).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attackSessions, outcomeOf } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { type RawClient, rawMessages as m, rawSession } from './testing/raw-client.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness
const VIEW63 = `v_${'a'.repeat(61)}`

test.before(async () => {
  h = await startHarness({ holdSeconds: 5 })
  await h.cluster.query(LEAK_SEED_SQL)
  await h.cluster.query(`SET ROLE warden; CREATE VIEW "${VIEW63}" AS SELECT id, password AS note FROM credentials`)
})
test.after(async () => {
  await h?.stop()
})

const { session, query } = attackSessions(() => h)

function typed(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5)
  head.write(type, 0, 'latin1')
  head.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([head, body])
}

/** Sends `bufs` (byte by byte when told) and returns what came back up to `ready` ReadyForQuery (or the close). */
async function exchange(c: RawClient, bufs: Buffer[], opts: { ready?: number; drip?: boolean } = {}) {
  c.take()
  const all = Buffer.concat(bufs)
  if (opts.drip) {
    for (const b of all) {
      c.socket.write(Buffer.from([b]))
      await new Promise((r) => setImmediate(r))
    }
  } else c.send(all)
  await c.readyCount(opts.ready ?? 1)
  return outcomeOf(c.take())
}

/** The session still answers. */
async function alive(c: RawClient) {
  assert.equal((await query(c, 'SELECT 1 AS alive')).rows, [['1']])
}

const READ = 'SELECT password, label FROM credentials ORDER BY id'
const masked = [['[redacted]', 'ci deploy'], ['[redacted]', 'analytics'], ['[redacted]', 'backup']]

const sequences: [string, Buffer[], { rows?: (string | null)[][]; error?: string; ready?: number }][] = [
  ['Execute with a row limit, then more Executes', [m.parse('s', READ), m.bind('p', 's'), m.execute('p', 1), m.execute('p', 1), m.execute('p', 0), m.sync()], { rows: masked }],
  ['the same in binary format', [m.parse('s', READ), m.bind('p', 's', 1), m.execute('p', 1), m.execute('p', 5), m.sync()], { rows: masked }],
  ['Describe of a portal before its Bind', [m.parse('s', READ), m.describe('P', 'p'), m.sync()], { error: '34000' }],
  ['Describe of the statement and the portal, unnamed', [m.parse('', READ), m.describe('S', ''), m.bind('', ''), m.describe('P', ''), m.execute(''), m.sync()], { rows: masked }],
  ['a statement closed, then parsed again under its name as a masked read', [m.parse('s', 'SELECT label FROM credentials'), m.close('S', 's'), m.parse('s', READ), m.bind('p', 's'), m.execute('p'), m.sync()], { rows: masked }],
  ['a portal closed, then executed', [m.parse('s', READ), m.bind('p', 's'), m.close('P', 'p'), m.execute('p'), m.sync()], { error: '34000' }],
  ['a Bind over an open portal\'s name', [m.parse('a', 'SELECT label AS password FROM credentials'), m.parse('b', READ), m.bind('p', 'a'), m.execute('p', 1), m.bind('p', 'b'), m.execute('p', 1), m.sync()], { error: '42P03' }],
  ['Parse/Bind/Execute without Sync, then a simple Query, then Execute', [m.parse('s', READ), m.bind('p', 's'), m.execute('p', 1), m.query('SELECT label FROM credentials ORDER BY id'), m.execute('p', 5), m.sync()], { ready: 2, error: '34000' }],
  ['CopyData, CopyDone and CopyFail with no COPY running', [typed('d', Buffer.from('Marzipan-Quokka-5113')), typed('c', Buffer.alloc(0)), typed('f', Buffer.from('x\0')), m.query(READ)], { rows: masked }],
]

for (const [name, bufs, want] of sequences) {
  test(`held: ${name}: masked, or refused as the server would`, async () => {
    const c = await session()
    const got = await exchange(c, bufs, { ready: want.ready })
    assert.equal(got.leaks, [])
    if (want.rows) assert.equal(got.rows.filter((r) => r.length === 2), want.rows)
    if (want.error) assert.ok(got.errors.some((e) => e.startsWith(want.error!)), got.errors.join('; '))
    await alive(c)
    c.close()
  })
}

test('held: a simple Query and an extended batch sent one byte per TCP segment are masked', async () => {
  const c = await session()
  assert.equal((await exchange(c, [m.query(READ)], { drip: true })).rows, masked)
  const got = await exchange(c, [m.parse('s', READ), m.bind('p', 's'), m.execute('p', 1), m.execute('p'), m.sync()], { drip: true })
  assert.equal([got.rows, got.leaks], [masked, []])
  c.close()
})

test('held: a FunctionCall is refused with 42501, the session goes on', async () => {
  const c = await session()
  // A fast-path call of function OID 2624: no argument formats, one text argument, text result.
  const call = typed('F', Buffer.concat([Buffer.from([0, 0, 0x0a, 0x40, 0, 0, 0, 1, 0, 0, 0, 11]), Buffer.from('/etc/passwd'), Buffer.from([0, 0])]))
  const got = await exchange(c, [call])
  assert.match(got.errors.join(), /^42501: .*FunctionCall/)
  await alive(c)
  c.close()
})

test('held: a NUL inside a Query or Parse text, an unknown message type and a 2 GiB length end the session unrun', async () => {
  const frames = [
    typed('Q', Buffer.from('SELECT 1 AS a\0; DROP TABLE orders;\0')),
    typed('Q', Buffer.from('SELECT label FROM credentials\0SELECT password FROM credentials\0')),
    Buffer.concat([typed('P', Buffer.from('s\0SELECT 1\0DROP TABLE orders\0\0\0')), m.sync()]),
    typed('?', Buffer.from('abc')),
    Buffer.from([0x51, 0x7f, 0xff, 0xff, 0xff, 0x53]),
  ]
  for (const f of frames) {
    const c = await session()
    c.send(f)
    const got = await c.until((fs) => fs.some((x) => x.type === 'E'))
    assert.match(outcomeOf(got).errors.join(), /^(08P01|54000)/)
    await c.until(() => false, 5_000).catch(() => undefined)
    assert.ok(c.closed, 'the session ends')
  }
  assert.is((await h.cluster.query("SELECT to_regclass('orders')::text AS r"))[0]?.r, 'orders')
})

const startups: [string, [string, string][]][] = [
  ['client_encoding SJIS', [['client_encoding', 'SJIS']]],
  ['client_encoding JOHAB', [['client_encoding', 'JOHAB']]],
  ['options -c client_encoding=BIG5', [['options', '-c client_encoding=BIG5']]],
  ['options --client_encoding=GBK', [['options', '--client_encoding=GBK']]],
  ['options -cclient_encoding=GB18030', [['options', '-cclient_encoding=GB18030']]],
  ['standard_conforming_strings off', [['standard_conforming_strings', 'off']]],
  ['options -c standard_conforming_strings=off', [['options', '-c standard_conforming_strings=off']]],
  ['options -c backslash_quote=on', [['options', '-c backslash_quote=on']]],
  ['an option name with an escaped space', [['options', '-c\\ client_encoding=SJIS']]],
]

for (const [name, params] of startups) {
  test(`held: startup ${name} is refused`, async () => {
    const r = await rawSession(h.port, await h.agentToken(), [['user', 'agent'], ['database', 'prod-db'], ...params])
    assert.ok('refused' in r && r.refused.code === '42501', JSON.stringify(r))
  })
}

test('held: SET of the pinned settings is refused; the session stays UTF8 with standard strings', async () => {
  const c = await session()
  for (const sql of ["SET client_encoding = 'SJIS'", 'SET standard_conforming_strings = off', "SELECT set_config('standard_conforming_strings', 'off', false)"]) {
    assert.match((await query(c, sql)).errors.join(), /^42501/, sql)
  }
  for (const [name, value] of [['client_encoding', 'UTF8'], ['standard_conforming_strings', 'on']]) {
    assert.equal((await query(c, `SHOW ${name}`)).rows, [[value]], name)
  }
  c.close()
})

test('held: names the server reads otherwise than they are written still resolve to the masked column', async () => {
  const c = await session()
  for (const sql of [
    'SELECT U&"p\\0061ssword" FROM credentials',
    `SELECT U&"!0070assword" UESCAPE '!' FROM credentials`,
    `SELECT note FROM "${VIEW63}XXXXXXX"`,
    `SELECT note FROM ${VIEW63}xxxxxxx`,
    `SELECT x.note AS "${'n'.repeat(70)}" FROM ${VIEW63} x`,
  ]) {
    const got = await query(c, sql)
    assert.equal(got.leaks, [], sql)
    assert.equal(got.rows, [['[redacted]'], ['[redacted]'], ['[redacted]']], sql)
  }
  c.close()
})

test('the server ran nothing the gateway did not allow', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
