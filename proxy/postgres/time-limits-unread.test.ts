// A client that sends a query with a large result and never reads it: the gateway stops reading the server, the
// server blocks sending, and there a cancel is not taken, so the statement (with its locks) ran on past the statement
// limit, and past the idle limit as it was not idle, until the transaction limit (an hour by default). It counts as
// idle now: past the idle limit the session is ended and its locks released. A client that reads, however slowly,
// is not.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Decision, InputDocument } from '../../engine/types.ts'
import { encodeQuery } from './messages/query.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { testTarget } from './testing/engine.ts'
import { RawClient } from './testing/raw-client.ts'

let h: Harness

// 2,000 rows of 100 kB: 200 MB, far more than the sockets between server, gateway and client hold.
const BIG = "SELECT repeat('x', 100000) FROM unread_locked, generate_series(1, 2000)"

const override = (input: InputDocument): Decision | undefined =>
  input.command.raw === BIG ? { effect: 'allow', reasons: [], obligations: { mask: [] } } : undefined

test.before(async () => {
  const target = testTarget('prod-db')
  h = await startHarness({ override, targets: [{ ...target, upstream: { ...target.upstream!, max_statement_seconds: 1, max_idle_in_transaction_seconds: 2 } }] })
  await h.cluster.query('CREATE TABLE unread_locked (id int); INSERT INTO unread_locked VALUES (1); GRANT ALL ON unread_locked TO PUBLIC')
})
test.after(async () => {
  await h?.stop()
})

/** Sends BIG, takes its first bytes, then reads only as `meanwhile` does for 6 s (three idle limits). */
async function pauseAfterFirstRows(meanwhile: (c: RawClient) => void): Promise<RawClient> {
  const c = await RawClient.session(h.port, { token: await h.agentToken('reader'), database: 'prod-db' })
  c.send(encodeQuery(BIG))
  await c.until((fs) => fs.some((f) => f.type === 'D'))
  c.socket.pause()
  meanwhile(c)
  await new Promise((r) => setTimeout(r, 6_000))
  return c
}

test('a client that reads none of a large result is ended past the idle limit, and the table lock released', async () => {
  const c = await pauseAfterFirstRows(() => undefined)
  // Without the limit the SELECT's lock holds: the ALTER waits on it, and lock_timeout ends it.
  await h.cluster.query("SET lock_timeout = '3s'; ALTER TABLE unread_locked ADD COLUMN note text")
  const left = await h.cluster.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT repeat(%unread_locked%'")
  assert.is(left[0]!.n, 0)
  c.close()
})

test('control: a client that reads, pausing after every chunk, keeps its session past the idle limit', async () => {
  const c = await pauseAfterFirstRows((client) => {
    client.socket.on('data', () => { client.socket.pause(); setTimeout(() => client.socket.resume(), 5) })
    client.socket.resume()
  })
  assert.not.ok(c.closed, 'the session was ended')
  c.close()
})

test.run()
