// Masking on the wire: text and binary formats, aliases, computed columns, several results per query, named
// statements, cursors, columns renamed through the gateway and behind its back; any masking failure ends the
// statement with XX000 and sends no unmasked row.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import pg from 'pg'
import type { Decision, InputDocument } from '../../engine/types.ts'
import { encodeBind } from './messages/bind.ts'
import { encodeParse } from './messages/parse.ts'
import { encodeQuery } from './messages/query.ts'
import { decodeReadyForQuery } from './messages/ready-for-query.ts'
import { STORED_FRESH_MS } from './catalog.ts'
import { DIRECT_APP } from './testing/cluster.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { errorsOf, RawClient, rawMessages as m, types } from './testing/raw-client.ts'

let h: Harness

const allow = (mask: Decision['obligations']['mask']): Decision => ({ effect: 'allow', reasons: [], obligations: { mask } })

/** `/* fail-mask *\/` gets an obligation the masker cannot apply, `/* masked-write *\/` one it can; the schema test below needs DDL allowed. */
function override(input: InputDocument): Decision | undefined {
  if (input.command.raw.includes('/* fail-mask */')) return allow([{ column: 'email', strategy: 'scramble' as never }])
  if (input.command.raw.includes('/* masked-write */')) return allow([{ column: 'email', strategy: 'redact' }])
  if (/^ALTER TABLE users RENAME COLUMN/.test(input.command.raw)) return allow([])
  return undefined
}

const ALL = 'SELECT id, name, email, phone, card_number, plan FROM users ORDER BY id'
const COMPUTED = "SELECT lower(email) AS x, 'write to ' || email AS y, upper(name) AS n, 'mail ' || name || ' at ada@example.com' AS z FROM users WHERE id = 1"
const BINARY = 'SELECT id, email, phone, to_jsonb(u) AS doc, id::numeric * 100 AS cents, card_number::bytea AS card_bytes FROM users u WHERE id = $1'

test.before(async () => {
  h = await startHarness({ override })
})
test.after(async () => {
  await h?.stop()
})

const RAW_EMAIL = 'ada@example.com'
const masked = (v: unknown) => typeof v === 'string' && !v.includes('@example.')

test('text format: sensitive columns are masked, others untouched, and the audit counts them', async () => {
  const c = await h.client()
  const { rows } = await c.query(ALL)
  assert.is(rows.length, 5)
  assert.is(rows[0].name, 'Ada Lovelace')
  assert.is(rows[0].plan, 'pro')
  assert.is(rows[0].email, '***********.com')
  assert.match(rows[0].card_number, /^\*+4242$/)
  assert.match(rows[0].phone, /^\*+0958$/)
  const event = h.te.audit.events.filter((e) => e.type === 'statement' && String(e.statement).includes('card_number')).at(-1)
  assert.is(event?.masked, 15)
  assert.is(event?.rows, 5)
})

test('an alias is still masked by its source column', async () => {
  const c = await h.client()
  const { rows } = await c.query('SELECT email AS contact FROM users WHERE id = 1')
  assert.is(rows[0].contact, '***********.com')
})

test('computed columns of masked columns are redacted whole; others go through the content detectors', async () => {
  const c = await h.client()
  const { rows } = await c.query(COMPUTED)
  assert.equal(rows[0], { x: '[redacted]', y: '[redacted]', n: 'ADA LOVELACE', z: 'mail Ada Lovelace at [email]' })
})

test('binary format: text-like types are masked, jsonb keeps its format, other masked types become NULL', async () => {
  const c = await h.client({ binary: true })
  const { rows } = await c.query(BINARY, [1])
  const r = rows[0]
  assert.is(r.id, 1)
  assert.is(r.email, '***********.com')
  assert.ok(masked(r.phone))
  assert.match(String(r.doc), '"[redacted]"')
  assert.not.match(String(r.doc), RAW_EMAIL)
  assert.ok(r.cents !== null)
  assert.is(r.card_bytes, null)
})

test('every result of a multi-statement query is masked', async () => {
  const c = await h.client()
  const results = (await c.query('SELECT email FROM users WHERE id = 1; SELECT phone, email AS e FROM users WHERE id = 2')) as unknown as pg.QueryResult[]
  assert.is(results.length, 2)
  assert.ok(masked(results[0]!.rows[0].email))
  assert.ok(masked(results[1]!.rows[0].e))
  assert.match(results[1]!.rows[0].phone, /^\*+0142$/)
})

test('a named statement is masked every time it runs', async () => {
  const c = await h.client()
  for (const id of [1, 2, 1]) {
    const { rows } = await c.query({ name: 'email_by_id', text: 'SELECT email FROM users WHERE id = $1', values: [id] })
    assert.ok(masked(rows[0].email))
  }
})

test('rows fetched from a cursor carry the cursor\'s masks', async () => {
  const c = await h.client()
  await c.query('BEGIN')
  await c.query('DECLARE c CURSOR FOR SELECT email FROM users ORDER BY id')
  const { rows } = await c.query('FETCH 2 FROM c')
  await c.query('COMMIT')
  assert.is(rows.length, 2)
  assert.ok(rows.every((r) => masked(r.email)))
})

test('a masking failure ends the statement with XX000 and sends no row at all', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(encodeQuery('SELECT email FROM users /* fail-mask */'))
  const frames = await c.readyCount(1)
  assert.is(types(frames), 'EZ')
  assert.is(errorsOf(frames)[0]!.code, 'XX000')
  assert.is(errorsOf(frames)[0]!.message, 'warden: masking failed')
  assert.not.match(Buffer.concat(frames.map((f) => f.raw)).toString(), '@example.')
  c.close()
})

test('a masking failure inside a transaction fails the transaction, as a server error would', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(encodeQuery('BEGIN'))
  await c.readyCount(1)
  c.take()
  c.send(encodeQuery('SELECT email FROM users /* fail-mask */'))
  let frames = await c.readyCount(1)
  assert.is(types(frames), 'EZ')
  assert.is(decodeReadyForQuery(frames[1]!.payload), 'E')
  c.take()
  c.send(encodeQuery('SELECT 1'))
  frames = await c.readyCount(1)
  assert.is(errorsOf(frames)[0]!.code, '25P02')
  c.close()
})

test('extended protocol: a masking failure errors the query; the connection goes on', async () => {
  const c = await h.client()
  const err = await c.query('SELECT email FROM users WHERE id = $1 /* fail-mask */', [1]).then(() => undefined, (e: pg.DatabaseError) => e)
  assert.is(err?.code, 'XX000')
  assert.is((await c.query('SELECT 2 AS two')).rows[0].two, 2)
})

test('extended protocol: a masking failure inside a transaction fails the transaction on the server too', async () => {
  const c = await h.client()
  await c.query('BEGIN')
  const err = await c.query('SELECT email FROM users WHERE id = $1 /* fail-mask */', [1]).then(() => undefined, (e: pg.DatabaseError) => e)
  assert.is(err?.code, 'XX000')
  const next = await c.query('SELECT 1').then(() => undefined, (e: pg.DatabaseError) => e)
  assert.is(next?.code, '25P02', 'the transaction is aborted, as after a server error')
  await c.query('ROLLBACK')
})

test('extended protocol: a write whose returned rows cannot be masked is undone on the server', async () => {
  const c = await h.client()
  const before = await h.cluster.query<{ plan: string }>('SELECT plan FROM users WHERE id = 1')
  const err = await c.query("UPDATE users SET plan = 'changed' WHERE id = $1 RETURNING email /* fail-mask */", [1]).then(() => undefined, (e: pg.DatabaseError) => e)
  assert.is(err?.code, 'XX000')
  assert.equal(await h.cluster.query('SELECT plan FROM users WHERE id = 1'), before, 'the UPDATE did not commit')
  assert.is((await c.query('SELECT 2 AS two')).rows[0].two, 2)
})

test('extended protocol: a read-only masking failure after a write in the same batch still undoes the write', async () => {
  // The UPDATE's masked rows are complete before the SELECT is read (its Execute waits behind a Flush), so
  // nothing is pending when the SELECT comes: the batch still holds the UPDATE, and its Sync must not commit it.
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  const before = await h.cluster.query('SELECT plan FROM users WHERE id = 1')
  c.send(
    m.parse('', "UPDATE users SET plan = 'batched' WHERE id = 1 RETURNING email /* masked-write */"), m.bind('', ''), m.execute(''),
    m.parse('', 'SELECT email FROM users WHERE id = 2 /* fail-mask */'), m.bind('', ''), m.execute(''),
    m.sync(),
  )
  const frames = await c.readyCount(1)
  assert.is(errorsOf(frames)[0]?.code, 'XX000', 'the client is told the batch failed')
  assert.not.match(Buffer.concat(frames.map((f) => f.raw)).toString(), '@example.')
  assert.equal(await h.cluster.query('SELECT plan FROM users WHERE id = 1'), before, 'the UPDATE did not commit')
  c.close()
})

/**
 * A direct LISTEN on `channel`. heardUpTo(mark) notifies `mark` itself and returns everything heard until it
 * arrived: notifications arrive in commit order, so one an earlier statement sent would be in the list.
 */
async function listen(channel: string) {
  const listener = new pg.Client({ host: h.cluster.socketDir, port: h.cluster.port, user: 'postgres', database: h.cluster.database, application_name: DIRECT_APP })
  await listener.connect()
  const heard: string[] = []
  listener.on('notification', (n) => heard.push(n.payload ?? ''))
  await listener.query(`LISTEN ${channel}`)
  return {
    async heardUpTo(mark: string): Promise<string[]> {
      await h.cluster.query(`SELECT pg_notify('${channel}', '${mark}')`)
      while (!heard.includes(mark)) await new Promise((resolve) => setTimeout(resolve, 20))
      return [...heard]
    },
    end: () => listener.end(),
  }
}

test('extended protocol: a read-only statement whose function acts at commit is undone when its rows cannot be masked', async () => {
  // pg_notify is read-only for the judgement but transactional: the failed batch must not deliver it.
  const listener = await listen('warden_masked')
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(m.parse('', "SELECT pg_notify('warden_masked', 'sent'), email FROM users WHERE id = 1 /* fail-mask */"), m.bind('', ''), m.execute(''), m.sync())
  const frames = await c.readyCount(1)
  assert.is(errorsOf(frames)[0]?.code, 'XX000', 'the client is told the statement failed')
  assert.equal(await listener.heardUpTo('after'), ['after'], 'the failed statement notified no one')
  c.close()
  await listener.end()
})

test('extended protocol: a read-only statement over a view that acts at commit is undone when its rows cannot be masked', async () => {
  await h.cluster.query("CREATE VIEW notifying AS SELECT u.email, pg_notify('warden_view', 'sent')::text AS n FROM users u")
  await h.cluster.query(`GRANT SELECT ON notifying TO ${h.cluster.roles.scram.user}`)
  const listener = await listen('warden_view')
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(m.parse('', 'SELECT email FROM notifying /* fail-mask */'), m.bind('', ''), m.execute(''), m.sync())
  const frames = await c.readyCount(1)
  assert.is(errorsOf(frames)[0]?.code, 'XX000', 'the client is told the statement failed')
  assert.equal(await listener.heardUpTo('after'), ['after'], 'the failed statement notified no one')
  c.close()
  await listener.end()
  await h.cluster.query('DROP VIEW notifying')
})

test('extended protocol: a read-only statement over a table whose row security policy acts at commit is undone when its rows cannot be masked', async () => {
  // A table runs no code of its own, except its row security policies: one may call a function that notifies.
  await h.cluster.query(`CREATE FUNCTION notify_rls() RETURNS boolean LANGUAGE sql AS $$ SELECT pg_notify('warden_rls', 'sent') IS NOT NULL $$;
    CREATE TABLE guarded (id int, email text); INSERT INTO guarded VALUES (1, 'guarded@example.com');
    ALTER TABLE guarded ENABLE ROW LEVEL SECURITY; ALTER TABLE guarded FORCE ROW LEVEL SECURITY;
    CREATE POLICY notifies ON guarded USING (notify_rls());
    GRANT SELECT ON guarded TO ${h.cluster.roles.scram.user}`)
  const listener = await listen('warden_rls')
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(m.parse('', 'SELECT email FROM guarded /* fail-mask */'), m.bind('', ''), m.execute(''), m.sync())
  const frames = await c.readyCount(1)
  assert.is(errorsOf(frames)[0]?.code, 'XX000', 'the client is told the statement failed')
  assert.equal(await listener.heardUpTo('after'), ['after'], 'the failed statement notified no one')
  c.close()
  await listener.end()
  await h.cluster.query('DROP TABLE guarded; DROP FUNCTION notify_rls()')
})

test('extended protocol: row security turned on directly on the server after the gateway cached the table still undoes a failed read', async () => {
  // The gateway's catalog says "plain table" until it looks again: past STORED_FRESH_MS it must not trust that.
  await h.cluster.query(`CREATE FUNCTION notify_late() RETURNS boolean LANGUAGE sql AS $$ SELECT pg_notify('warden_late', 'sent') IS NOT NULL $$;
    CREATE TABLE late_guarded (id int, email text); INSERT INTO late_guarded VALUES (1, 'late@example.com');
    GRANT SELECT ON late_guarded TO ${h.cluster.roles.scram.user}`)
  const c = await h.client()
  assert.is((await c.query('SELECT id FROM late_guarded')).rows.length, 1, 'the gateway has looked the table up: no row security')
  await h.cluster.query(`ALTER TABLE late_guarded ENABLE ROW LEVEL SECURITY; ALTER TABLE late_guarded FORCE ROW LEVEL SECURITY;
    CREATE POLICY notifies ON late_guarded USING (notify_late())`)
  await new Promise((resolve) => setTimeout(resolve, STORED_FRESH_MS + 100))
  const listener = await listen('warden_late')
  const raw = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  raw.send(m.parse('', 'SELECT email FROM late_guarded /* fail-mask */'), m.bind('', ''), m.execute(''), m.sync())
  assert.is(errorsOf(await raw.readyCount(1))[0]?.code, 'XX000', 'the client is told the statement failed')
  assert.equal(await listener.heardUpTo('after'), ['after'], 'the failed statement notified no one')
  raw.close()
  await c.end()
  await listener.end()
  await h.cluster.query('DROP TABLE late_guarded; DROP FUNCTION notify_late()')
})

test('extended protocol: a read-only statement casting to a domain whose check acts at commit is undone when its rows cannot be masked', async () => {
  // A cast to a domain runs its CHECK expression, which may call a function that notifies.
  await h.cluster.query(`CREATE FUNCTION notify_check(int) RETURNS boolean LANGUAGE sql AS $$ SELECT pg_notify('warden_domain', 'sent') IS NOT NULL $$;
    CREATE DOMAIN notifying_int AS int CHECK (notify_check(VALUE)); GRANT USAGE ON DOMAIN notifying_int TO ${h.cluster.roles.scram.user}`)
  const listener = await listen('warden_domain')
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(m.parse('', 'SELECT email FROM users WHERE id = CAST(1 AS notifying_int) /* fail-mask */'), m.bind('', ''), m.execute(''), m.sync())
  const frames = await c.readyCount(1)
  assert.is(errorsOf(frames)[0]?.code, 'XX000', 'the client is told the statement failed')
  assert.equal(await listener.heardUpTo('after'), ['after'], 'the failed statement notified no one')
  c.close()
  // The same through a parameter Parse declares of the domain's type: refused at Parse (attacks-18-parameter-types).
  const oid = (await h.cluster.query<{ oid: number }>("SELECT 'notifying_int'::regtype::oid AS oid"))[0]!.oid
  const p = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  p.send(
    encodeParse({ name: '', text: 'SELECT email FROM users WHERE id = $1 /* fail-mask */', paramTypes: [Number(oid)] }),
    encodeBind({ portal: '', statement: '', paramFormats: [], params: [Buffer.from('1')], resultFormats: [] }), m.execute(''), m.sync(),
  )
  assert.is(errorsOf(await p.readyCount(1))[0]?.code, '42501', 'the client is told the statement was refused')
  assert.equal(await listener.heardUpTo('after2'), ['after', 'after2'], 'the failed statement with a domain parameter notified no one')
  p.close()
  await listener.end()
  await h.cluster.query('DROP DOMAIN notifying_int; DROP FUNCTION notify_check(int)')
})

test('DDL through the gateway refreshes the cached column names', async () => {
  const c = await h.client()
  assert.is((await c.query('SELECT email AS x FROM users WHERE id = 1')).rows[0].x, '***********.com')
  await c.query('ALTER TABLE users RENAME COLUMN email TO addr')
  try {
    // `addr` is no sensitive name any more: only the content detector applies now.
    assert.is((await c.query('SELECT addr AS x FROM users WHERE id = 1')).rows[0].x, '[email]')
  } finally {
    await c.query('ALTER TABLE users RENAME COLUMN addr TO email')
  }
})

test('a column renamed directly on the server is masked by its new name from the next statement on', async () => {
  const c = await h.client()
  assert.is((await c.query('SELECT 1')).rows.length, 1, 'the catalog is warm')
  await h.cluster.query("ALTER TABLE users ADD COLUMN notes text; UPDATE users SET notes = 'private: ' || email")
  try {
    assert.is((await c.query('SELECT notes AS x FROM users WHERE id = 1')).rows[0].x, 'private: [email]', 'a new column: detectors only')
    await h.cluster.query('ALTER TABLE users RENAME COLUMN notes TO email_private')
    // The gateway's catalog still says `notes`: the star is expanded from it, and the server's field name disagrees.
    const [row] = (await c.query('SELECT * FROM users WHERE id = 1')).rows
    assert.is(row.email_private, '********************.com')
    assert.is((await c.query('SELECT email_private AS x FROM users WHERE id = 1')).rows[0].x, '********************.com')
    await h.cluster.query('ALTER TABLE users RENAME COLUMN email TO contact')
    // `contact` matches no pattern: plain references of it get the detectors, whatever the catalog said before.
    assert.is((await c.query('SELECT contact AS x FROM users WHERE id = 1')).rows[0].x, '[email]')
    const [after] = (await c.query('SELECT * FROM users WHERE id = 2')).rows
    assert.is(after.contact, '[email]')
    assert.is(after.email_private, '**********************.com')
  } finally {
    await h.cluster.query(
      "DO $$BEGIN IF EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'contact') THEN " +
        'ALTER TABLE users RENAME COLUMN contact TO email; END IF; END$$; ' +
        'ALTER TABLE users DROP COLUMN IF EXISTS email_private, DROP COLUMN IF EXISTS notes',
    )
  }
})

test('no unmasked value ever reached a client, and the server ran only allowed statements', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
