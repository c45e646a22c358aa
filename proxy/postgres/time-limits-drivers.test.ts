// The transaction time limits must not end sessions that only look busy: real clients that pipeline
// extended-protocol messages (pgbench -M prepared / extended, psql 16's \bind, node-postgres in pipeline mode),
// running for longer than max_transaction_seconds in all, with pauses longer than the idle limit between
// transactions, are never ended (each Sync closes the implicit transaction).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startHarness, type Harness } from './testing/harness.ts'
import { testTarget } from './testing/engine.ts'
import { errorsOf, RawClient, rawMessages as m } from './testing/raw-client.ts'

const PGBIN = '/usr/lib/postgresql/15/bin'
const dir = mkdtempSync(join(tmpdir(), 'warden-time-limits-drivers-'))
let h: Harness

test.before(async () => {
  const target = testTarget('prod-db')
  h = await startHarness({ targets: [{ ...target, upstream: { ...target.upstream!, max_idle_in_transaction_seconds: 1, max_transaction_seconds: 3 } }] })
  await h.cluster.query('CREATE TABLE tx_driver (id int); INSERT INTO tx_driver SELECT generate_series(1, 10); GRANT SELECT ON tx_driver TO PUBLIC')
})
test.after(async () => {
  await h?.stop()
  rmSync(dir, { recursive: true, force: true })
})

function pgbench(mode: string, seconds: number): Promise<{ code: number | null; out: string }> {
  const script = join(dir, `${mode}.sql`)
  writeFileSync(script, '\\set n random(1, 10)\nSELECT id FROM tx_driver WHERE id = :n;\n')
  return new Promise(async (resolve, reject) => {
    const child = spawn(`${PGBIN}/pgbench`, ['-n', '-M', mode, '-T', String(seconds), '-R', '20', '-c', '2', '-f', script, '-h', '127.0.0.1', '-p', String(h.port), '-U', 'agent', 'prod-db'], {
      env: { ...process.env, PGPASSWORD: await h.agentToken(), PGSSLMODE: 'disable' },
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d))
    child.stderr.on('data', (d: Buffer) => (out += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, out }))
  })
}

for (const mode of ['prepared', 'extended']) {
  test(`pgbench -M ${mode}, throttled, for longer than the transaction limit: every transaction runs`, async () => {
    const run = await pgbench(mode, 5)
    assert.is(run.code, 0, run.out.slice(-600))
    assert.not.match(run.out, /25P0[34]|terminating|aborted/, run.out.slice(-600))
    assert.match(run.out, /number of failed transactions: 0/, run.out.slice(-600))
  })
}

// psql 16's \bind sends Parse, Bind, Describe (portal), Execute and Sync at once (psql 15 here has no \bind);
// then a pause longer than the idle limit, several times over longer than the transaction limit.
test('\\bind-style Parse/Bind/Describe/Execute/Sync with pauses longer than both limits between them: the session lives on', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  for (const id of [3, 4, 5]) {
    c.send(m.parse('', `SELECT id FROM tx_driver WHERE id = ${id}`), m.bind('', ''), m.describe('P', ''), m.execute(''), m.sync())
    assert.equal(errorsOf(await c.readyCount(1)), [])
    c.take()
    await new Promise((resolve) => setTimeout(resolve, 1_600))
  }
  assert.not.ok(c.closed)
  c.send(m.query('SELECT 1'))
  assert.equal(errorsOf(await c.readyCount(1)), [])
  c.close()
})

test('node-postgres in pipeline mode, queries spread over longer than the transaction limit: the session lives on', async () => {
  const c = await h.client({ pipeline: true })
  const started = performance.now()
  let n = 0
  while (performance.now() - started < 4_500) {
    const rows = await Promise.all([1, 2, 3].map((id) => c.query('SELECT id FROM tx_driver WHERE id = $1', [id])))
    assert.equal(rows.map((r) => r.rows[0].id), [1, 2, 3])
    n++
    await new Promise((resolve) => setTimeout(resolve, n % 3 === 0 ? 1_500 : 200))
  }
  assert.is((await c.query('SELECT id FROM tx_driver WHERE id = $1', [9])).rows[0].id, 9)
  await c.end()
})

test.run()
