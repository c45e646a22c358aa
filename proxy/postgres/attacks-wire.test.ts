// Attacks where the gateway's bookkeeping of a session could disagree with the server's, with a raw client over a
// real gateway and a real PostgreSQL: an Execute of a portal or statement that SQL (DECLARE, PREPARE) made rather
// than a Bind or Parse; names left behind by Parse/Bind messages the server skipped after an error; a Parse of
// `EXECUTE p` whose p is redefined later; and texts the server sends at commit for a statement that ran earlier
// (a WITH HOLD cursor's query). Each asserts that no masked value comes back (testing/leak-check.ts) and, where
// the path is legitimate, that it still works. Tests named "held" passed before any fix; they stay as regressions.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Frame } from './framing.ts'
import { decodeDataRow } from './messages/data-row.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { createLeakChecker } from './testing/leak-check.ts'
import { errorsOf, RawClient, rawMessages as m, types } from './testing/raw-client.ts'
import { receivedFromBytes } from './testing/received.ts'
import { LEAK_SEED_SQL, SEEDED_SECRETS } from './testing/seed-leaks.ts'

let h: Harness
const checker = createLeakChecker(SEEDED_SECRETS)

test.before(async () => {
  h = await startHarness({ holdSeconds: 1 })
  await h.cluster.query(LEAK_SEED_SQL)
})
test.after(async () => {
  await h?.stop()
})

async function session(): Promise<RawClient> {
  return RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
}

/** Masked values in everything `c` received. */
function leaksIn(frames: Frame[]): string[] {
  return checker.scan(receivedFromBytes(Buffer.concat(frames.map((f) => f.raw)))).map((l) => `${l.column} via ${l.via}: ${l.received}`)
}

const texts = (frames: Frame[]) => frames.filter((f) => f.type === 'D').map((f) => decodeDataRow(f.payload).map((v) => v?.toString('utf8') ?? null))

// ---- SQL-made portals and statements run by the extended protocol ----

const DERIVED = "SELECT api_key || '' AS k FROM credentials"

test('a cursor DECLAREd after another statement in one Query, run by Execute of its portal: rows masked by the DECLARE', async () => {
  const c = await session()
  try {
    c.send(m.query(`SELECT 'x' AS k; DECLARE c CURSOR WITH HOLD FOR ${DERIVED}`))
    await c.readyCount(1)
    c.take()
    c.send(m.execute('c', 0), m.sync())
    const got = await c.readyCount(1)
    assert.equal(leaksIn(got), [])
    assert.equal(types(got), 'DDDCZ')
    assert.equal(texts(got), [['[redacted]'], ['[redacted]'], ['[redacted]']])
  } finally {
    c.close()
  }
})

test('a cursor run by Execute with a row limit: each part masked, and plain columns still readable', async () => {
  const c = await session()
  try {
    c.send(m.query(`BEGIN; SELECT 'x' AS k; DECLARE c CURSOR FOR SELECT label, api_key || '' AS k FROM credentials ORDER BY id`))
    await c.readyCount(1)
    c.take()
    c.send(m.execute('c', 1), m.execute('c', 0), m.sync())
    const got = await c.readyCount(1)
    assert.equal(leaksIn(got), [])
    assert.equal(types(got), 'DsDDCZ')
    assert.equal(texts(got), [['ci deploy', '[redacted]'], ['analytics', '[redacted]'], ['backup', '[redacted]']])
  } finally {
    c.close()
  }
})

test('held: a portal executed in parts (row limit) across Syncs, the unnamed statement replaced between parts, is masked in every part', async () => {
  const c = await session()
  try {
    c.send(m.query('BEGIN'))
    await c.readyCount(1)
    c.take()
    c.send(m.parse('', "SELECT label, password || '' AS k FROM credentials ORDER BY id"), m.bind('p', ''), m.execute('p', 1), m.sync())
    c.send(m.parse('', "SELECT 'x' || '' AS k, 'y' AS z"), m.execute('p', 1), m.sync())
    c.send(m.bind('', ''), m.execute('p', 0), m.sync())
    const got = await c.readyCount(3)
    assert.equal(leaksIn(got), [])
    assert.equal(texts(got), [['ci deploy', '[redacted]'], ['analytics', '[redacted]'], ['backup', '[redacted]']])
  } finally {
    c.close()
  }
})

test('a statement PREPAREd after another statement in one Query, run by Bind and Execute: rows masked by the PREPARE', async () => {
  const c = await session()
  try {
    c.send(m.query(`SELECT 'x' AS k; PREPARE p AS ${DERIVED}`))
    await c.readyCount(1)
    c.take()
    c.send(m.bind('', 'p'), m.execute('', 0), m.sync())
    const got = await c.readyCount(1)
    assert.equal(leaksIn(got), [])
    assert.equal(errorsOf(got), [])
    assert.equal(texts(got), [['[redacted]'], ['[redacted]'], ['[redacted]']])
  } finally {
    c.close()
  }
})

test('a statement PREPAREd by SQL and run by Bind and Execute returns its plain columns (its lineage is the prepared query\'s)', async () => {
  const c = await session()
  try {
    c.send(m.query('PREPARE p AS SELECT id, label FROM credentials ORDER BY id'))
    await c.readyCount(1)
    c.take()
    c.send(m.bind('', 'p'), m.execute('', 0), m.sync())
    const got = await c.readyCount(1)
    assert.equal(errorsOf(got), [])
    assert.equal(texts(got), [['1', 'ci deploy'], ['2', 'analytics'], ['3', 'backup']])
  } finally {
    c.close()
  }
})

test('running a SQL-PREPAREd statement does not replay the other statements of its text: a cursor redeclared since stays masked', async () => {
  const c = await session()
  try {
    c.send(m.query("DECLARE c CURSOR WITH HOLD FOR SELECT 'x' || '' AS k; PREPARE p AS SELECT 1 AS one"))
    await c.readyCount(1)
    c.send(m.query(`CLOSE c; DECLARE c CURSOR WITH HOLD FOR ${DERIVED}`))
    await c.readyCount(2)
    c.send(m.bind('', 'p'), m.execute('', 0), m.sync())
    await c.readyCount(3)
    c.take()
    c.send(m.query('FETCH ALL FROM c'))
    const got = await c.readyCount(1)
    assert.equal(leaksIn(got), [])
    assert.equal(texts(got), [['[redacted]'], ['[redacted]'], ['[redacted]']])
  } finally {
    c.close()
  }
})

test('two Binds of a held cursor\'s name in one batch: both fail on the server, and the gateway still knows the name as the cursor', async () => {
  const c = await session()
  try {
    c.send(m.query(`DECLARE c CURSOR WITH HOLD FOR ${DERIVED}`))
    await c.readyCount(1)
    c.send(m.parse('s1', "SELECT 'x' || '' AS k"), m.bind('c', 's1'), m.bind('c', 's1'), m.sync())
    const batch = await c.readyCount(2)
    assert.is(errorsOf(batch)[0]?.code, '42P03')
    c.take()
    c.send(m.execute('c', 0), m.sync())
    const got = await c.readyCount(1)
    assert.equal(leaksIn(got), [])
    assert.equal(texts(got), [['[redacted]'], ['[redacted]'], ['[redacted]']])
  } finally {
    c.close()
  }
})

test('a Parse of EXECUTE p is judged again once p is redefined (DEALLOCATE and PREPARE): the new p\'s rows are masked', async () => {
  const c = await session()
  try {
    c.send(m.query("PREPARE p AS SELECT 'x' || '' AS k"))
    await c.readyCount(1)
    c.send(m.parse('e', 'EXECUTE p'), m.sync())
    await c.readyCount(2)
    c.send(m.query(`DEALLOCATE p; PREPARE p AS ${DERIVED}`))
    await c.readyCount(3)
    c.take()
    c.send(m.bind('', 'e'), m.execute('', 0), m.sync())
    const got = await c.readyCount(1)
    assert.equal(leaksIn(got), [])
    assert.equal(texts(got), [['[redacted]'], ['[redacted]'], ['[redacted]']])
  } finally {
    c.close()
  }
})

test('a portal of EXECUTE p, bound before p is redefined by Close and Parse, is judged again at Execute', async () => {
  const c = await session()
  try {
    c.send(m.query("BEGIN; PREPARE p AS SELECT 'x' || '' AS k"))
    await c.readyCount(1)
    c.send(m.parse('e', 'EXECUTE p'), m.bind('q', 'e'), m.close('S', 'p'), m.parse('p', DERIVED), m.sync())
    await c.readyCount(2)
    c.take()
    c.send(m.execute('q', 0), m.sync())
    const got = await c.readyCount(1)
    assert.equal(leaksIn(got), [])
    assert.equal(texts(got), [['[redacted]'], ['[redacted]'], ['[redacted]']])
  } finally {
    c.close()
  }
})

// ---- texts the server sends at commit, for statements that ran earlier ----

/** A WITH HOLD cursor's query runs to the end when its transaction commits: a cast error then echoes a password. */
const HOLD_CAST = 'DECLARE c CURSOR WITH HOLD FOR SELECT password::int FROM credentials'

test('a WITH HOLD cursor materialized by a later COMMIT: the error text is withheld as the DECLARE\'s would be', async () => {
  const c = await session()
  try {
    c.send(m.query('BEGIN'))
    await c.readyCount(1)
    c.send(m.query(HOLD_CAST))
    await c.readyCount(2)
    c.take()
    c.send(m.query('COMMIT'))
    const got = await c.readyCount(1)
    assert.equal(leaksIn(got), [])
    const [e] = errorsOf(got)
    assert.is(e?.code, '22P02')
    assert.match(e?.message ?? '', /withheld because the statement reads masked columns \(password\)/)
    // Once the transaction is over, other statements' errors are the server's again.
    c.take()
    c.send(m.query("SELECT 'abc'::int"))
    const after = await c.readyCount(1)
    assert.match(errorsOf(after)[0]?.message ?? '', /invalid input syntax for type integer: "abc"/)
  } finally {
    c.close()
  }
})

test('a WITH HOLD cursor declared by the extended protocol, materialized at Sync: the error text is withheld', async () => {
  const c = await session()
  try {
    c.send(m.parse('', HOLD_CAST), m.bind('', ''), m.execute('', 0), m.sync())
    const got = await c.readyCount(1)
    assert.equal(leaksIn(got), [])
    assert.equal(types(got), '12CEZ')
    assert.match(errorsOf(got)[0]?.message ?? '', /withheld because the statement reads masked columns \(password\)/)
  } finally {
    c.close()
  }
})

test('held: FETCH from a portal made by Bind (not DECLARE): its rows have unknown lineage, so a cast error there is withheld', async () => {
  const c = await session()
  try {
    c.send(m.query('BEGIN'))
    await c.readyCount(1)
    c.send(m.parse('s', 'SELECT password::int FROM credentials'), m.bind('c', 's'), m.sync())
    await c.readyCount(2)
    c.take()
    c.send(m.query('FETCH ALL FROM c'))
    const got = await c.readyCount(1)
    assert.equal(leaksIn(got), [])
    const [e] = errorsOf(got)
    assert.is(e?.code, '22P02')
    assert.match(e?.message ?? '', /withheld because the statement reads masked columns \(\* \(origin unknown\)\)/)
  } finally {
    c.close()
  }
})

test('the server ran only statements the gateway allowed', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
