// COPY FROM STDIN waits on the client: a client that starts one and sends nothing more holds the table's lock
// (and its transaction's) as long as it likes unless the idle limit counts that wait too.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Decision, InputDocument } from '../../engine/types.ts'
import { encodeCopyData } from './messages/copy-data.ts'
import { encodeQuery } from './messages/query.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { testTarget } from './testing/engine.ts'
import { errorsOf, RawClient } from './testing/raw-client.ts'

let h: Harness

const override = (input: InputDocument): Decision | undefined =>
  input.command.sql?.statements.some((s) => s.type === 'copy') ? { effect: 'allow', reasons: [], obligations: { mask: [] } } : undefined

test.before(async () => {
  const target = testTarget('prod-db')
  h = await startHarness({ override, targets: [{ ...target, upstream: { ...target.upstream!, max_statement_seconds: 1, max_idle_in_transaction_seconds: 2 } }] })
  await h.cluster.query('CREATE TABLE copy_locked (id int); GRANT ALL ON copy_locked TO PUBLIC')
})
test.after(async () => {
  await h?.stop()
})

test('a COPY FROM STDIN the client stops feeding is ended past the idle limit, and its lock released', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken('loader'), database: 'prod-db' })
  c.send(encodeQuery('COPY copy_locked FROM STDIN'))
  await c.until((fs) => fs.some((f) => f.type === 'G'))
  const frames = await Promise.race([
    c.until(() => false).catch(() => c.frames),
    new Promise<never[]>((resolve) => setTimeout(() => resolve([]), 8_000).unref()),
  ])
  assert.is(errorsOf(frames).at(-1)?.code, '25P03', 'the session was ended')
  await h.cluster.query("SET lock_timeout = '2s'; ALTER TABLE copy_locked ADD COLUMN note text")
})

test('a COPY FROM STDIN still being fed is not ended', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken('loader'), database: 'prod-db' })
  c.send(encodeQuery('COPY copy_locked (id) FROM STDIN'))
  await c.until((fs) => fs.some((f) => f.type === 'G'))
  for (let i = 0; i < 6; i++) {
    c.send(encodeCopyData(Buffer.from(`${i}\n`)))
    await new Promise((resolve) => setTimeout(resolve, 700))
  }
  assert.not.ok(c.closed, 'still open after 4 s of feeding')
  c.close()
})

test.run()
