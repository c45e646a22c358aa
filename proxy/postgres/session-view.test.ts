// One view of the session, through the wire against a real PostgreSQL: names as the server reads them
// (63 bytes, valid UTF-8), pinned settings (client_encoding, standard_conforming_strings, backslash_quote)
// that no statement or startup parameter can change, and a session ended if the server changes one anyway.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type pg from 'pg'
import type { Decision, InputDocument } from '../../engine/types.ts'
import { encodeBind } from './messages/bind.ts'
import { encodeClose } from './messages/close.ts'
import { decodeDataRow } from './messages/data-row.ts'
import { decodeErrorResponse } from './messages/error-response.ts'
import { encodeExecute } from './messages/execute.ts'
import { encodeParse } from './messages/parse.ts'
import { encodeQuery } from './messages/query.ts'
import { encodeSync } from './messages/sync.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { errorsOf, RawClient, types } from './testing/raw-client.ts'
import { frame, untypedFrame } from './wire.ts'

let h: Harness

/** `/* allow-all *\/` is allowed without masks, to show the gateway's own refusals hold whatever the policy says. */
function override(input: InputDocument): Decision | undefined {
  if (input.command.raw.includes('/* allow-all */')) return { effect: 'allow', reasons: [], obligations: { mask: [] } }
  return undefined
}

test.before(async () => {
  h = await startHarness({ override })
  await h.cluster.query(`CREATE FUNCTION sneaky() RETURNS int LANGUAGE plpgsql AS $$
    BEGIN PERFORM set_config('standard_conforming_strings', 'off', false); RETURN 1; END $$`)
  await h.cluster.query('GRANT EXECUTE ON FUNCTION sneaky() TO PUBLIC')
})
test.after(async () => {
  await h?.stop()
})

const session = async (params?: Record<string, string>) => RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db', params })
const rowsOf = (frames: { type: string; payload: Buffer }[]) =>
  frames.filter((f) => f.type === 'D').map((f) => decodeDataRow(f.payload).map((v) => v?.toString('utf8') ?? null))
const cstring = (b: Buffer | string) => Buffer.concat([Buffer.isBuffer(b) ? b : Buffer.from(b, 'utf8'), Buffer.from([0])])
const rawParse = (name: Buffer | string, text: Buffer | string) => frame('P', Buffer.concat([cstring(name), cstring(text), Buffer.from([0, 0])]))
const bindAll = (portal: string, statement: string) => encodeBind({ portal, statement, paramFormats: [], params: [], resultFormats: [] })

async function show(c: pg.Client, name: string): Promise<string> {
  return (await c.query(`SHOW ${name}`)).rows[0][name.toLowerCase()]
}

// ---- names ----

test('63-byte collision: a masked SELECT cannot run under the judgement of an empty statement', async () => {
  const c = await session()
  const common = 'p'.repeat(63)
  c.send(
    encodeParse({ name: `${common}1`, text: '', paramTypes: [] }),
    encodeClose({ kind: 'S', name: `${common}2` }),
    encodeParse({ name: `${common}2`, text: 'SELECT email FROM users ORDER BY id', paramTypes: [] }),
    bindAll('', `${common}1`),
    encodeExecute({ portal: '', maxRows: 0 }),
    encodeSync(),
  )
  const frames = await c.readyCount(1)
  assert.not.ok(rowsOf(frames).flat().some((v) => v?.includes('@example.')), 'no unmasked email')
  const [e] = errorsOf(frames)
  assert.is(e!.code, '42622')
  assert.match(e!.message, 'prepared statement name of 64 bytes is too long: PostgreSQL reads only the first 63 bytes')
  assert.is(types(frames), 'EZ')
  c.take()
  // The session goes on; a name of exactly 63 bytes is fine, and multibyte names are counted in bytes.
  c.send(encodeParse({ name: common, text: 'SELECT 1', paramTypes: [] }), bindAll('', common), encodeExecute({ portal: '', maxRows: 0 }), encodeSync())
  assert.is(types(await c.readyCount(1)), '12DCZ')
  c.take()
  c.send(encodeParse({ name: 'é'.repeat(32), text: 'SELECT 1', paramTypes: [] }), encodeSync())
  assert.is(errorsOf(await c.readyCount(1))[0]!.code, '42622')
  c.take()
  c.send(bindAll('x'.repeat(64), ''), encodeSync())
  assert.match(errorsOf(await c.readyCount(1))[0]!.message, 'portal name of 64 bytes')
  c.close()
  assert.equal(h.unjudgedStatements(), [])
})

test('invalid UTF-8 in names and SQL text is refused with 22021, as PostgreSQL does; the session goes on', async () => {
  const c = await session()
  c.send(rawParse(Buffer.from([0xff]), 'SELECT 1'), encodeSync())
  let frames = await c.readyCount(1)
  assert.is(types(frames), 'EZ')
  assert.is(errorsOf(frames)[0]!.code, '22021')
  assert.is(errorsOf(frames)[0]!.message, 'invalid byte sequence for encoding "UTF8"')
  c.take()
  // Two different invalid names would be one name if decoded with replacement characters.
  c.send(rawParse('ok', Buffer.concat([Buffer.from("SELECT '"), Buffer.from([0xc3, 0x28]), Buffer.from("'")])), encodeSync())
  assert.is(errorsOf(await c.readyCount(1))[0]!.code, '22021')
  c.take()
  c.send(frame('Q', cstring(Buffer.concat([Buffer.from("SELECT '"), Buffer.from([0x81, 0x5c]), Buffer.from("'")]))))
  frames = await c.readyCount(1)
  assert.is(types(frames), 'EZ')
  assert.is(errorsOf(frames)[0]!.code, '22021')
  c.take()
  c.send(encodeQuery('SELECT 1'))
  assert.is(types(await c.readyCount(1)), 'TDCZ')
  c.close()
})

test('SQL-level names (PREPARE / EXECUTE) are truncated to 63 bytes by both parsers alike: the masked plan is found', async () => {
  const c = await h.client()
  const common = 'q'.repeat(63)
  await c.query(`PREPARE ${common}a AS SELECT email FROM users ORDER BY id`)
  const { rows } = await c.query(`EXECUTE ${common}b`)
  assert.is(rows.length, 5)
  assert.ok(rows.every((r: { email: string }) => !r.email.includes('@example.')), 'emails masked')
  assert.equal(h.unjudgedStatements(), [])
})

// ---- pinned settings ----

const PINNED_CHANGES: [string, RegExp][] = [
  ['SET standard_conforming_strings = off', /standard_conforming_strings/],
  ['SET SESSION standard_conforming_strings TO off', /standard_conforming_strings/],
  ["SET LOCAL client_encoding = 'SJIS'", /client_encoding/],
  ["SET client_encoding = 'SJIS'", /client_encoding/],
  ["SET NAMES 'BIG5'", /client_encoding/],
  ['RESET client_encoding', /client_encoding/],
  ['SET backslash_quote = on', /backslash_quote/],
  ["SELECT set_config('client_encoding', 'GBK', false)", /client_encoding|set_config/],
  ["SELECT pg_catalog.set_config('standard' || '_conforming_strings', 'off', false)", /set_config/],
  ["ALTER ROLE CURRENT_USER SET client_encoding = 'SJIS'", /client_encoding/],
  ['ALTER DATABASE app SET standard_conforming_strings = off', /standard_conforming_strings/],
  ["CREATE FUNCTION f() RETURNS int LANGUAGE sql SET client_encoding = 'JOHAB' AS 'SELECT 1'", /client_encoding/],
  ["ALTER FUNCTION sneaky() SET client_encoding = 'GB18030'", /client_encoding/],
  ["UPDATE pg_settings SET setting = 'off' WHERE name = 'standard_conforming_strings'", /pg_settings/],
]

test('every way of changing a pinned setting is refused by the policy and by the gateway itself', async () => {
  const c = await h.client()
  for (const [sql, names] of PINNED_CHANGES) {
    for (const text of [sql, `/* allow-all */ ${sql}`]) {
      let err: pg.DatabaseError | undefined
      await c.query(text).catch((e: pg.DatabaseError) => (err = e))
      assert.is(err?.code, '42501', text)
      assert.match(err!.message, names, text)
    }
  }
  assert.is(await show(c, 'client_encoding'), 'UTF8')
  assert.is(await show(c, 'standard_conforming_strings'), 'on')
  assert.is(await show(c, 'backslash_quote'), 'safe_encoding')
  assert.equal(h.unjudgedStatements(), [])
})

test('standard strings stay on: a literal the gateway judged as one string cannot split into a DROP', async () => {
  const c = await h.client()
  await c.query('SET standard_conforming_strings = off').catch(() => undefined)
  const { rows } = await c.query("SELECT 'a\\''; DROP TABLE users; --' AS v")
  assert.is(rows[0].v, "a\\'; DROP TABLE users; --")
  assert.is((await h.cluster.query('SELECT count(*)::int AS n FROM users'))[0]!.n, 5)
  assert.equal(h.unjudgedStatements(), [])
})

test('RESET ALL and DISCARD ALL return to the pinned startup values', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db', params: { DateStyle: 'German', client_encoding: 'UTF8' } })
  c.send(encodeQuery('SET DateStyle = ISO; RESET ALL; SHOW DateStyle; SHOW client_encoding; SHOW standard_conforming_strings; SHOW backslash_quote'))
  const frames = await c.readyCount(1)
  assert.equal(rowsOf(frames), [['German, DMY'], ['UTF8'], ['on'], ['safe_encoding']])
  c.take()
  c.send(encodeQuery('DISCARD ALL'))
  await c.readyCount(1)
  c.take()
  c.send(encodeQuery('SHOW client_encoding; SHOW standard_conforming_strings'))
  assert.equal(rowsOf(await c.readyCount(1)), [['UTF8'], ['on']])
  c.close()
})

test('the server changing a pinned setting anyway ends the session with a FATAL, and it is audited', async () => {
  const c = await session()
  c.send(encodeQuery('/* allow-all */ SELECT sneaky()'))
  const frames = await c.until(() => false, 5_000).catch(() => c.frames)
  assert.ok(c.closed, 'connection closed')
  const fatal = frames.filter((f) => f.type === 'E').map((f) => decodeErrorResponse(f.payload)).find((e) => e.severity === 'FATAL')
  assert.ok(fatal, `a FATAL error in ${types(frames)}`)
  assert.is(fatal!.code, '42501')
  assert.match(fatal!.message, 'changed standard_conforming_strings to "off"')
  assert.ok(h.te.audit.events.some((e) => e.type === 'error' && (e as { code?: string }).code === 'postgres.pinned_setting'))
})

// ---- startup parameters ----

async function refusedAtStartup(params: Record<string, string>): Promise<string> {
  try {
    const c = await session(params)
    c.close()
    return 'accepted'
  } catch (err) {
    return (err as Error).message
  }
}

test('startup parameters: only the allowlist, pinned values only as pinned, database and user never overridable', async () => {
  const cases: [Record<string, string>, string][] = [
    [{ options: '-c standard_conforming_strings=off' }, 'standard_conforming_strings is pinned to on'],
    [{ options: '--client_encoding=SJIS' }, 'client encoding "SJIS" is not supported'],
    [{ client_encoding: 'BIG5' }, 'client encoding "BIG5" is not supported'],
    [{ options: '-c database=postgres' }, 'set by the gateway configuration'],
    [{ options: '-c search_path=evil,public' }, 'startup parameter search_path'],
    [{ options: '-c backslash_quote=on' }, 'backslash_quote is pinned'],
    [{ geqo: 'off' }, 'geqo is not a startup parameter the gateway accepts'],
    [{ options: '-D /tmp' }, 'unsupported switch'],
  ]
  for (const [params, why] of cases) assert.match(await refusedAtStartup(params), why, JSON.stringify(params))
  // Allowed ones reach the server; the configured database is the one connected to.
  const c = await session({ application_name: 'view-test', TimeZone: 'UTC', client_encoding: 'utf-8', options: '-c statement_timeout=5s' })
  c.send(encodeQuery('SELECT current_database(); SHOW TimeZone; SHOW statement_timeout; SHOW application_name'))
  assert.equal(rowsOf(await c.readyCount(1)), [[h.cluster.database], ['UTC'], ['5s'], ['view-test']])
  c.close()
})

test('a startup parameter given twice (database) is a protocol violation', async () => {
  const c = await RawClient.open(h.port)
  const payload = Buffer.concat([Buffer.from([0, 3, 0, 0]), ...['user', 'agent', 'database', 'prod-db', 'database', 'postgres', ''].map((s) => cstring(s))])
  c.send(untypedFrame(payload))
  const frames = await c.until((fs) => fs.some((f) => f.type === 'E'))
  assert.match(errorsOf(frames)[0]!.message, 'parameter "database" given twice')
  c.close()
})

test.run()
