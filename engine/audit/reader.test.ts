import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createCheckpointSigner } from './chain/checkpoint.ts'
import { AuditError } from './errors.ts'
import { createStoreReader, MAX_REPLAY_RECORDS, MAX_SESSIONS, parseSince } from './reader.ts'
import { formatReplay } from './replay.ts'
import { openSqliteAuditStore } from './store/sqlite.ts'
import type { AuditStore } from './store/types.ts'

const dir = mkdtempSync(join(tmpdir(), 'warden-reader-'))
const key = generateKeyPairSync('ed25519')
const other = generateKeyPairSync('ed25519')
const T = (i: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, i)).toISOString()

async function trail(name: string, statements: number): Promise<AuditStore> {
  const store = openSqliteAuditStore(join(dir, `${name}.db`))
  const batch = [{ event: { type: 'connection', time: T(0), session_id: 's1', identity: { sub: 'cursor' }, target: 'prod-db' }, time: T(0) }]
  for (let i = 1; i <= statements; i++) {
    batch.push({ event: { type: 'statement', time: T(i % 60), session_id: 's1', identity: { sub: 'cursor' }, target: 'prod-db', statement: 'SELECT $1', decision_id: `d-${i}`, decision: 'allow', effect: 'allow', rows: 1 } as never, time: T(i % 60) })
  }
  await store.append(batch)
  await store.addCheckpoint(createCheckpointSigner(key.privateKey).sign(await store.head(), T(59)))
  return store
}

test('verify: the chain and the stored and exported checkpoints, with the trusted keys', async () => {
  const store = await trail('verify', 3)
  const signedElsewhere = createCheckpointSigner(key.privateKey).sign({ seq: 2, hash: (await store.sessionRecords('s1', 10))[1]!.hash }, T(2))
  const reader = createStoreReader(store, { keys: () => [key.publicKey], exportedCheckpoints: () => ({ checkpoints: [signedElsewhere] }) })
  const report = await reader.verify()
  assert.equal([report.ok, report.records, report.checkpoints], [true, 4, 2])
  const untrusted = await createStoreReader(store, { keys: () => [other.publicKey] }).verify()
  assert.is(untrusted.failure?.reason, 'forged')
  await reader.close()
})

test('sessions, replay (undefined for an unknown session) and the decision log, labelled with the store', async () => {
  const store = await trail('read', 2)
  const reader = createStoreReader(store, { keys: () => [key.publicKey], labels: { cluster: 'eu' } })
  assert.equal((await reader.sessions({ identity: 'cursor' })).sessions.map((s) => [s.session_id, s.statements]), [['s1', 2]])
  assert.equal(await reader.sessions({ identity: 'bob' }), { sessions: [] })
  const replay = (await reader.replay('s1'))!
  assert.equal(replay.steps.map((s) => s.type), ['connection', 'statement', 'statement'])
  assert.is(await reader.replay('nope'), undefined)
  const entries = []
  for await (const e of reader.decisionLog()) entries.push(e)
  assert.equal(entries.map((e) => [e.decision_id, e.labels]), [['d-1', { app: 'warden', cluster: 'eu', store: 'sqlite' }], ['d-2', { app: 'warden', cluster: 'eu', store: 'sqlite' }]])
  await reader.close()
})

test('a replay reads a bounded number of records: a session an agent filled with cheap statements shows its first steps and says there are more', async () => {
  const store = await trail('flooded', 600)
  const bounded = createStoreReader(store, { keys: () => [key.publicKey], maxReplayRecords: 50 })
  const replay = (await bounded.replay('s1'))!
  assert.is(replay.steps.length, 50)
  assert.is(replay.truncated, true)
  assert.equal([replay.steps[0]!.seq, replay.steps.at(-1)!.seq], [1, 50], 'the first records, in chain order')
  assert.is(replay.totals.statements, 49)
  const text = formatReplay(replay)
  assert.match(text, '… the session has more records than these first 50; warden audit export has every one')
  assert.match(text, '49 statements in the steps shown:')
  const whole = (await createStoreReader(store, { keys: () => [key.publicKey] }).replay('s1'))!
  assert.equal([whole.steps.length, whole.truncated], [601, undefined], `under MAX_REPLAY_RECORDS (${MAX_REPLAY_RECORDS}) every record is read`)
  const exact = (await createStoreReader(store, { keys: () => [key.publicKey], maxReplayRecords: 601 }).replay('s1'))!
  assert.equal([exact.steps.length, exact.truncated], [601, undefined], 'exactly the bound is not more')
  await bounded.close()
})

test('a session list holds the most recent sessions and says when older ones matched too', async () => {
  const store = openSqliteAuditStore(join(dir, 'many-sessions.db'))
  await store.append(Array.from({ length: 30 }, (_, i) => ({ event: { type: 'connection', time: T(i), session_id: `s${i}`, identity: { sub: 'cursor' }, target: 'prod-db' }, time: T(i) })))
  const bounded = createStoreReader(store, { keys: () => [key.publicKey], maxSessions: 10 })
  const list = await bounded.sessions({})
  assert.equal([list.sessions.length, list.truncated, list.sessions[0]!.session_id, list.sessions.at(-1)!.session_id], [10, true, 's20', 's29'])
  assert.equal(await bounded.sessions({ since: T(25) }), { sessions: ['s25', 's26', 's27', 's28', 's29'].map((id) => (list.sessions.find((s) => s.session_id === id))) }, 'a filter under the bound lists all it matches')
  assert.is(MAX_SESSIONS, 10_000)
  await bounded.close()
})

test('a long walk pauses every 256 records (the gateway yields to its sessions there)', async () => {
  const store = await trail('long', 600)
  let pauses = 0
  const reader = createStoreReader(store, { keys: () => [key.publicKey], pause: async () => void pauses++ })
  assert.ok((await reader.verify()).ok)
  assert.is(pauses, 2, '601 records: after the 256th and the 512th')
  let n = 0
  for await (const _ of reader.decisionLog()) n++
  assert.is(n, 600)
  assert.is(pauses, 4)
  await reader.close()
})

test('since: an ISO time, or a duration back from now; anything else is a coded error', () => {
  const now = Date.parse('2026-11-29T12:00:00Z')
  assert.is(parseSince('2h', now), '2026-11-29T10:00:00.000Z')
  assert.is(parseSince('7d', now), '2026-11-22T12:00:00.000Z')
  assert.is(parseSince('2026-11-29T15:00:00+01:00', now), '2026-11-29T14:00:00.000Z')
  assert.throws(() => parseSince('yesterday', now), (e: AuditError) => e.code === 'audit.filter' && /since must be an ISO 8601 time/.test(e.message))
})

test.after(() => rmSync(dir, { recursive: true, force: true }))
test.run()
