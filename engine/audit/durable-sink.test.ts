import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createCheckpointSigner, type Checkpoint } from './chain/checkpoint.ts'
import { verifyChain } from './chain/verify.ts'
import { createCheckpointer } from './checkpointer.ts'
import { createDurableAuditSink } from './durable-sink.ts'
import type { AuditError } from './errors.ts'
import { createMemoryAuditSink } from './memory-sink.ts'
import { openSqliteAuditStore } from './store/sqlite.ts'
import { openSqliteAuditStoreThread } from './store/sqlite-thread.ts'
import { canonicalJson } from './chain/record.ts'
import type { AuditStore } from './store/types.ts'

const key = generateKeyPairSync('ed25519')
const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjdXJzb3IifQ.c2lnbmF0dXJlc2lnbmF0dXJlc2ln'

/** A real SQLite store whose appends can be made to fail, as when its disk is full or its server is down. */
function flakyStore() {
  const real = openSqliteAuditStore(join(mkdtempSync(join(tmpdir(), 'warden-sink-')), 'audit.db'))
  const state = { down: false, appends: 0 }
  const store: AuditStore = {
    ...real,
    kind: real.kind,
    async append(batch) {
      state.appends++
      if (state.down) throw new Error('disk I/O error')
      return real.append(batch)
    },
  }
  return { store, state }
}

async function all(store: AuditStore) {
  const out = []
  for await (const r of store.records()) out.push({ seq: r.seq, event: JSON.parse(r.event) })
  return out
}

const ev = (i: number) => ({ type: 'statement' as const, time: '2026-01-01T00:00:00.000Z', session_id: 's1', statement: 'SELECT 1', rows: i })

test('record() is synchronous; durable() resolves once the event is committed; one tick is one batch', async () => {
  const { store, state } = flakyStore()
  const sink = createDurableAuditSink({ store })
  for (let i = 1; i <= 100; i++) sink.record(ev(i))
  assert.is(sink.pending, 100)
  assert.equal(await all(store), [], 'nothing is committed synchronously')
  await sink.durable()
  assert.is(sink.pending, 0)
  assert.is(state.appends, 1, 'one transaction for the whole batch')
  const rows = await all(store)
  assert.equal(rows.map((r) => r.event.rows), Array.from({ length: 100 }, (_, i) => i + 1))
  await sink.recordDurable(ev(101))
  assert.is((await store.head()).seq, 101)
})

test('an event nobody waits for is committed within commitDelayMs, or with the next event someone waits for', async () => {
  const { store, state } = flakyStore()
  const sink = createDurableAuditSink({ store, commitDelayMs: 30 })
  sink.record(ev(1))
  await new Promise((resolve) => setImmediate(resolve))
  assert.is(state.appends, 0, 'not committed at the end of the turn: nobody waits')
  await sink.recordDurable(ev(2))
  assert.is(state.appends, 1, 'the outcome record shares the release record\'s commit')
  assert.equal((await all(store)).map((r) => r.event.rows), [1, 2])
  sink.record(ev(3))
  await new Promise((resolve) => setTimeout(resolve, 100))
  assert.is(state.appends, 2, 'committed on its own after the delay')
  assert.is(sink.pending, 0)
  await sink.close()
})

test('events are redacted before they are stored: no token, password or literal reaches the store', async () => {
  const { store } = flakyStore()
  const sink = createDurableAuditSink({ store })
  await sink.recordDurable({ type: 'connection', time: 't', session_id: 's1', password: 'hunter2', note: `Bearer ${JWT}`, statement: "SELECT * FROM users WHERE email = 'a@b.c'" })
  const text = JSON.stringify(await all(store))
  assert.not.match(text, 'hunter2')
  assert.not.match(text, JWT)
  assert.not.match(text, 'a@b.c')
  assert.match(text, '[REDACTED]')
})

test('an event with a lone surrogate or NaN is stored in canonical form, and never fails its batch', async () => {
  const { store } = flakyStore()
  const sink = createDurableAuditSink({ store })
  sink.record({ type: 'error', time: 't', message: 'bad \uD800 text', score: Number.NaN })
  await sink.recordDurable(ev(2))
  const rows = await all(store)
  assert.equal(rows.map((r) => r.seq), [1, 2])
  assert.equal([rows[0]!.event.message, rows[0]!.event.score], ['bad \uFFFD text', null])
})

test('fail closed: while the store cannot take records durable() rejects; queued events are retried in order', async () => {
  const { store, state } = flakyStore()
  const errors: AuditError[] = []
  const sink = createDurableAuditSink({ store, onError: (e) => errors.push(e), retryMs: { min: 20, max: 40 } })
  await sink.recordDurable(ev(1))
  state.down = true
  const err = await sink.recordDurable(ev(2)).then(() => undefined, (e: AuditError) => e)
  assert.is(err?.code, 'audit.store_unavailable')
  assert.match(err!.message, 'disk I/O error')
  assert.is(errors[0]?.code, 'audit.store_unavailable')
  const again = await sink.recordDurable(ev(3)).then(() => 'resolved', (e: AuditError) => e.code)
  assert.is(again, 'audit.store_unavailable', 'a record made while the store is down is refused at once')
  state.down = false
  await sink.flush() // one more attempt now, without waiting for the backoff
  await sink.durable()
  assert.equal((await all(store)).map((r) => r.event.rows), [1, 2, 3], 'nothing recorded was lost, and the order held')
  const report = await verifyChain({ records: () => store.records(), has: (s) => store.has(s), checkpoints: [], keys: [] })
  assert.ok(report.ok)
})

test('on_failure continue: durable() resolves and the failure is reported', async () => {
  const { store, state } = flakyStore()
  const errors: AuditError[] = []
  const sink = createDurableAuditSink({ store, onFailure: 'continue', onError: (e) => errors.push(e), retryMs: { min: 10_000, max: 10_000 } })
  state.down = true
  await sink.recordDurable(ev(1))
  assert.is(errors.length, 1)
  assert.is(sink.pending, 1, 'kept for a retry')
  await sink.close().catch(() => undefined)
})

test('a full queue refuses the event (audit.overloaded) and counts it dropped', async () => {
  const { store, state } = flakyStore()
  state.down = true
  const sink = createDurableAuditSink({ store, maxQueue: 2, retryMs: { min: 10_000, max: 10_000 } })
  sink.record(ev(1))
  sink.record(ev(2))
  const code = await sink.recordDurable(ev(3)).then(() => 'resolved', (e: AuditError) => e.code)
  assert.is(code, 'audit.overloaded')
  assert.is(sink.dropped, 1)
  await sink.close().catch(() => undefined)
})

test('the mirror (pino output) sees every event too', async () => {
  const { store } = flakyStore()
  const mirror = createMemoryAuditSink()
  const sink = createDurableAuditSink({ store, mirror })
  await sink.recordDurable(ev(1))
  assert.is(mirror.events.length, 1)
})

test('checkpoints every N records and at close, stored and exported, signed over the head', async () => {
  const { store } = flakyStore()
  const exported: Checkpoint[] = []
  const cp = createCheckpointer({ store, signer: createCheckpointSigner(key.privateKey), everyRecords: 10, everySeconds: 3600, exporters: [{ export: (c) => void exported.push(c), close: async () => {} }] })
  const sink = createDurableAuditSink({ store, onCommit: cp.committed })
  for (let i = 1; i <= 25; i++) await sink.recordDurable(ev(i))
  await cp.checkpoint() // waits for the one in flight
  assert.equal(exported.map((c) => c.seq).slice(0, 2), [10, 20])
  await sink.close()
  await cp.close()
  assert.is(exported.at(-1)!.seq, 25)
  assert.equal((await store.checkpoints()).map((c) => c.seq), exported.map((c) => c.seq))
  const report = await verifyChain({ records: () => store.records(), has: (s) => store.has(s), checkpoints: exported, keys: [key.publicKey] })
  assert.ok(report.ok, report.failure?.message)
  assert.is(await cp.checkpoint(), undefined, 'no new checkpoint without new records')
})

test('a checkpoint every T seconds when records were appended since the last one', async () => {
  const { store } = flakyStore()
  const cp = createCheckpointer({ store, signer: createCheckpointSigner(key.privateKey), everyRecords: 1000, everySeconds: 0.05 })
  const sink = createDurableAuditSink({ store, onCommit: cp.committed })
  await sink.recordDurable(ev(1))
  for (let i = 0; i < 100 && !(await store.checkpoints()).length; i++) await new Promise((r) => setTimeout(r, 20))
  assert.equal((await store.checkpoints()).map((c) => c.seq), [1])
  await cp.close()
})

test('awkward keys and numbers (__proto__, lone surrogates, 1e21, -0, 5e-324) through the SQLite thread: the stored text is the canonical text hashed, and the trail verifies', async () => {
  const store = await openSqliteAuditStoreThread(join(mkdtempSync(join(tmpdir(), 'warden-sink-')), 'audit.db'))
  try {
    const sink = createDurableAuditSink({ store })
    // Parsed, as a decoded body would be: __proto__ is then a key of its own, not the prototype.
    const odd = JSON.parse('{"__proto__":{"polluted":true},"k":"\\udbff tail","big":1e21,"neg":-0,"tiny":5e-324,"sum":0.30000000000000004,"deep":[{"__proto__":[1e-7,-1e21]}],"line\\u2028sep":"\\u2029"}') as Record<string, unknown>
    const record = (e: Record<string, unknown>) => sink.record(e as unknown as Parameters<typeof sink.record>[0])
    record({ ...ev(1), detail: odd })
    // A lone surrogate in a key (RFC 8785 has no form for it; no wire decoding Warden does yields one) keeps the
    // fact, not the content.
    record({ ...ev(2), detail: { [String.fromCharCode(0xd801)]: 'x' } })
    await sink.durable()
    const rows: string[] = []
    for await (const r of store.records()) rows.push(r.event)
    assert.is(rows.length, 2)
    for (const text of rows) assert.is(canonicalJson(JSON.parse(text)), text, 'the stored bytes are the canonical text of what they hold')
    const detail = JSON.parse(rows[0]!).detail
    assert.ok(Object.hasOwn(detail, '__proto__'), '__proto__ kept as a key')
    assert.is(detail.__proto__.polluted, true)
    assert.is(({} as Record<string, unknown>).polluted, undefined, 'no prototype was touched')
    assert.is(detail.big, 1e21)
    assert.is(Object.is(detail.neg, 0), true, '-0 is stored as 0 (JSON has no -0)')
    assert.is(detail.tiny, 5e-324)
    assert.is(detail.k, '\ufffd tail', 'a lone surrogate in a value is replaced')
    assert.is(JSON.parse(rows[1]!).redaction_failed, true)
    const report = await verifyChain({ records: () => store.records(), has: (s) => store.has(s), checkpoints: [], keys: [] })
    assert.ok(report.ok, JSON.stringify(report))
  } finally {
    await store.close()
  }
})

test.run()
