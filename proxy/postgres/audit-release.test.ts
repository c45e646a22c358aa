// Fail closed on the audit trail: on a durable sink every judged statement is recorded, and stored, before it
// reaches the server; when the store cannot take the record the statement is refused and never runs.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type Harness, startHarness } from './testing/harness.ts'

let h: Harness
let failing: Error | undefined
let waits = 0

test.before(async () => {
  h = await startHarness()
  // The in-memory sink made durable: durable() is what a frontend waits on (engine/audit/durable-sink.ts).
  Object.assign(h.te.audit, {
    durable: async () => {
      waits++
      if (failing) throw failing
    },
  })
})

test.after(async () => {
  await h.stop()
})

const ran = (since: number, text: string) => h.cluster.statements(since).some((s) => s.text.includes(text))

test('a released statement is recorded before the server runs it', async () => {
  const c = await h.client()
  const before = waits
  const mark = h.te.audit.events.length
  const { rows } = await c.query("SELECT 'released-simple' AS v")
  assert.equal(rows, [{ v: 'released-simple' }])
  // The release record comes first; the statement's outcome is recorded once it completed.
  assert.equal(h.te.audit.events.slice(mark).map((e) => e.type), ['release', 'statement'])
  await c.query({ text: "SELECT $1::text AS v, 'released-extended' AS w", values: ['x'] })
  assert.ok(waits >= before + 2, 'the simple and the extended statement both waited for the trail')
  await c.end()
})

test('a release record and its statement record share one decision_id; each statement has its own', async () => {
  const c = await h.client()
  const mark = h.te.audit.events.length
  await c.query("SELECT 'ids-simple'")
  await c.query({ text: "SELECT $1::text, 'ids-extended'", values: ['x'] })
  await c.query({ text: "SELECT $1::text, 'ids-extended'", values: ['y'] })
  await c.end()
  const events = h.te.audit.events.slice(mark).filter((e) => e.type === 'release' || e.type === 'statement')
  assert.equal(events.map((e) => e.type), ['release', 'statement', 'release', 'statement', 'release', 'statement'])
  for (const e of events) assert.match(String(e.decision_id), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  for (let i = 0; i < events.length; i += 2) assert.is(events[i]!.decision_id, events[i + 1]!.decision_id, `pair ${i / 2}`)
  assert.is(new Set(events.map((e) => e.decision_id)).size, 3)
})

test('when the audit store cannot take the record, the statement is refused and never runs', async () => {
  const c = await h.client()
  const since = h.cluster.logOffset()
  failing = new Error('audit store unavailable: disk full')
  try {
    const simple = await c.query("SELECT 'never-simple'").then(() => undefined, (e: { code?: string; message: string }) => e)
    assert.is(simple?.code, '58000')
    assert.match(simple!.message, 'audit trail could not record it')
    const extended = await c.query({ text: "SELECT $1::text, 'never-extended'", values: ['x'] }).then(() => undefined, (e: { code?: string }) => e)
    assert.is(extended?.code, '58000')
  } finally {
    failing = undefined
  }
  assert.not.ok(ran(since, 'never-simple'), 'the simple statement reached the server')
  assert.not.ok(ran(since, 'never-extended'), 'the extended statement reached the server')
  // The session goes on once the store is back.
  assert.equal((await c.query("SELECT 'back' AS v")).rows, [{ v: 'back' }])
  await c.end()
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
