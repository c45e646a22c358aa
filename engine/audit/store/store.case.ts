// The behaviour every AuditStore shares, tamper detection included; sqlite.test.ts and postgres.test.ts run it.
import { generateKeyPairSync } from 'node:crypto'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createCheckpointSigner } from '../chain/checkpoint.ts'
import { recordHash } from '../chain/record.ts'
import { verifyChain } from '../chain/verify.ts'
import type { AuditStore } from './types.ts'

export interface StoreUnderTest {
  store: AuditStore
  /** Runs SQL straight on the database with the append-only triggers out of the way, as an attacker would. */
  tamper(sql: string, opts?: { keepGuards?: boolean }): Promise<void>
  /** Opens a second store on the same database (another process, or the gateway after a restart). */
  reopen(): Promise<AuditStore>
}

export type StoreFactory = () => Promise<StoreUnderTest>

const key = generateKeyPairSync('ed25519')
const signer = createCheckpointSigner(key.privateKey)
const T = (i: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, i)).toISOString()

const statement = (i: number, session = 's1') => ({
  event: { type: 'statement', time: T(i), session_id: session, identity: { sub: session === 's1' ? 'cursor' : 'bob' }, target: 'prod-db', statement: `SELECT * FROM users WHERE id = ?`, effect: i % 5 === 0 ? 'deny' : 'allow', rows: i },
  time: T(i),
})

async function fill(store: AuditStore, n: number, checkpointAt: number[] = []): Promise<void> {
  for (let i = 1; i <= n; i++) {
    await store.append([statement(i, i % 2 ? 's1' : 's2')])
    if (checkpointAt.includes(i)) await store.addCheckpoint(signer.sign(await store.head(), T(i)))
  }
}

const verify = async (store: AuditStore, keys = [key.publicKey]) =>
  verifyChain({ records: () => store.records(), has: (s) => store.has(s), checkpoints: await store.checkpoints(), keys })

export function auditStoreCases(name: string, make: StoreFactory): void {
  const test = suite(`${name}: audit store`)
  const opened: AuditStore[] = []
  const fresh = async () => {
    const s = await make()
    opened.push(s.store)
    return s
  }
  test.after(async () => { for (const s of opened) await s.close().catch(() => undefined) })

  test('append links records into one chain, from the genesis hash, and the head follows', async () => {
    const { store } = await fresh()
    assert.equal(await store.head(), { seq: 0, hash: '0'.repeat(64) })
    const [a, b] = await store.append([statement(1), statement(2)])
    assert.equal([a!.seq, b!.seq], [1, 2])
    assert.is(a!.prev_hash, '0'.repeat(64))
    assert.is(b!.prev_hash, a!.hash)
    assert.is(b!.hash, recordHash(b!))
    const [c] = await store.append([statement(3)])
    assert.is(c!.prev_hash, b!.hash)
    assert.equal(await store.head(), { seq: 3, hash: c!.hash })
    assert.equal(await store.append([]), [])
  })

  test('an untouched trail verifies, checkpoints included', async () => {
    const { store } = await fresh()
    await fill(store, 10, [5, 10])
    const report = await verify(store)
    assert.ok(report.ok, report.failure?.message)
    assert.equal([report.records, report.checkpoints, report.head.seq], [10, 2, 10])
  })

  test('concurrent appends from two stores on one database keep one linear chain', async () => {
    const { store, reopen } = await fresh()
    const other = await reopen()
    opened.push(other)
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? store : other).append([statement(i + 1), statement(i + 100)])))
    const report = await verify(store)
    assert.ok(report.ok, report.failure?.message)
    assert.is(report.records, 80)
  })

  test('reopening applies no migration twice and keeps the chain', async () => {
    const { store, reopen } = await fresh()
    await fill(store, 3)
    const again = await reopen()
    opened.push(again)
    assert.equal(await again.head(), await store.head())
    await again.append([statement(4)])
    assert.ok((await verify(store)).ok)
  })

  test('the append-only guards refuse an update or delete that does not remove them first', async () => {
    const { store, tamper } = await fresh()
    await fill(store, 2, [2])
    for (const sql of [`UPDATE warden_audit_records SET event = '{}' WHERE seq = 1`, `DELETE FROM warden_audit_records WHERE seq = 2`, `DELETE FROM warden_audit_checkpoints`]) {
      try {
        await tamper(sql, { keepGuards: true })
        assert.unreachable(sql)
      } catch (err) {
        assert.match((err as Error).message, /append-only/)
      }
    }
    assert.ok((await verify(store)).ok)
  })

  test('sessions lists each session with counts, filtered by time, identity and target', async () => {
    const { store } = await fresh()
    await fill(store, 10)
    const all = await store.sessions(undefined, 100)
    assert.equal(all.map((s) => [s.session_id, s.identity, s.target, s.records, s.statements, s.denied]), [['s1', 'cursor', 'prod-db', 5, 5, 1], ['s2', 'bob', 'prod-db', 5, 5, 1]])
    assert.is(all[0]!.first_time, T(1))
    assert.is(all[1]!.last_time, T(10))
    assert.equal((await store.sessions({ identity: 'bob' }, 100)).map((s) => s.session_id), ['s2'])
    assert.equal((await store.sessions({ target: 'staging-db' }, 100)), [])
    assert.equal((await store.sessions({ since: T(10) }, 100)).map((s) => s.session_id), ['s2'])
    assert.equal((await store.sessions(undefined, 1)).map((s) => s.session_id), ['s2'], 'the most recent ones')
    const s1 = await store.sessionRecords('s1', 100)
    assert.equal((await store.sessionRecords('s1', 2)).map((r) => r.seq), [1, 3], 'the first records, in chain order')
    assert.equal(s1.map((r) => r.seq), [1, 3, 5, 7, 9])
    assert.is(JSON.parse(s1[0]!.event).statement, 'SELECT * FROM users WHERE id = ?')
  })

  test('tamper: one byte of one record edited ⇒ verify fails at that record, edited', async () => {
    const { store, tamper } = await fresh()
    await fill(store, 10, [10])
    await tamper(`UPDATE warden_audit_records SET event = replace(event, 'users', 'userz') WHERE seq = 4`)
    assert.equal(pick(await verify(store)), { ok: false, seq: 4, reason: 'edited' })
  })

  test('tamper: a space added to a stored record (same JSON value, other bytes) ⇒ edited', async () => {
    const { store, tamper } = await fresh()
    await fill(store, 5)
    await tamper(`UPDATE warden_audit_records SET event = replace(event, '"rows":', '"rows": ') WHERE seq = 2`)
    assert.equal(pick(await verify(store)), { ok: false, seq: 2, reason: 'edited' })
  })

  test('tamper: a record edited and its hash recomputed ⇒ fails at that record, rewritten', async () => {
    const { store, tamper } = await fresh()
    await fill(store, 10, [10])
    const r4 = (await collect(store)).find((r) => r.seq === 4)!
    const event = { ...JSON.parse(r4.event), rows: 0 }
    const hash = recordHash({ seq: 4, time: r4.time, prev_hash: r4.prev_hash, event })
    await tamper(`UPDATE warden_audit_records SET event = '${JSON.stringify(event)}', hash = '${hash}' WHERE seq = 4`)
    assert.equal(pick(await verify(store)), { ok: false, seq: 4, reason: 'rewritten' })
  })

  test('tamper: a record deleted ⇒ fails at the missing seq, deleted', async () => {
    const { store, tamper } = await fresh()
    await fill(store, 10, [10])
    await tamper(`DELETE FROM warden_audit_records WHERE seq = 6`)
    const report = await verify(store)
    assert.equal(pick(report), { ok: false, seq: 6, reason: 'deleted' })
    assert.match(report.failure!.message, 'record 6 is missing: record 5 is followed by record 7')
  })

  test('tamper: two records reordered ⇒ fails where the first misplaced record is stored, reordered', async () => {
    const { store, tamper } = await fresh()
    await fill(store, 10, [10])
    const ids = await collect(store)
    assert.equal(ids.map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    await tamper(`UPDATE warden_audit_records SET id = -id WHERE seq IN (3, 4)`)
    await tamper(`UPDATE warden_audit_records SET id = CASE seq WHEN 3 THEN 4 ELSE 3 END WHERE id < 0`)
    assert.equal((await collect(store)).map((r) => r.seq), [1, 2, 4, 3, 5, 6, 7, 8, 9, 10])
    assert.equal(pick(await verify(store)), { ok: false, seq: 4, reason: 'reordered' })
  })

  test('tamper: the last records cut off ⇒ fails after the last remaining record, truncated', async () => {
    const { store, tamper } = await fresh()
    await fill(store, 10, [5, 10])
    await tamper(`DELETE FROM warden_audit_records WHERE seq > 7`)
    const report = await verify(store)
    assert.equal(pick(report), { ok: false, seq: 8, reason: 'truncated' })
    assert.match(report.failure!.message, 'records 8…10 were cut off')
  })

  test('tamper: a forged or altered checkpoint ⇒ fails, forged', async () => {
    const { store, tamper } = await fresh()
    await fill(store, 6, [6])
    const mallory = createCheckpointSigner(generateKeyPairSync('ed25519').privateKey)
    await store.addCheckpoint({ ...mallory.sign({ seq: 20, hash: 'f'.repeat(64) }, T(30)), key_id: signer.keyId })
    assert.equal(pick(await verify(store)), { ok: false, seq: 20, reason: 'forged' })

    const second = await fresh()
    await fill(second.store, 6, [6])
    await second.tamper(`UPDATE warden_audit_checkpoints SET seq = 3`)
    assert.equal(pick(await verify(second.store)), { ok: false, seq: 3, reason: 'forged' })
  })

  test('an event whose indexed fields hold NUL or control characters is stored, and never fails its batch or the next', async () => {
    const { store } = await fresh()
    // PostgreSQL text cannot hold NUL: stored as it was, the index column failed the whole batch, every retry of it,
    // and so every statement on the gateway while that batch stayed first in the queue.
    const odd = { event: { type: 'statement', time: T(1), session_id: 's\u0000x', identity: { sub: 'mallory\u0000admin\u001b[2J' }, target: 'prod-db', effect: 'allow' }, time: T(1) }
    const [a, b] = await store.append([odd, statement(2)])
    assert.equal([a!.seq, b!.seq], [1, 2])
    const [first] = await collect(store)
    assert.equal(JSON.parse(first!.event).identity.sub, 'mallory\u0000admin\u001b[2J', 'the event itself keeps the value, escaped in its JSON text')
    assert.ok((await verify(store)).ok)
    const sessions = await store.sessions({ identity: 'mallory\uFFFDadmin\u001b[2J' }, 100)
    assert.is(sessions.length, 1, 'the index holds the sub with NUL replaced')
  })

  test('tamper: a search column beside a record edited (filed under another session, a deny filed as allow, another identity) ⇒ edited', async () => {
    const edits = [
      `UPDATE warden_audit_records SET session_id = 's2' WHERE seq = 3`,
      `UPDATE warden_audit_records SET session_id = NULL WHERE seq = 3`,
      `UPDATE warden_audit_records SET effect = 'allow' WHERE seq = 5`,
      `UPDATE warden_audit_records SET sub = 'alice' WHERE seq = 3`,
      `UPDATE warden_audit_records SET target = 'staging-db', type = 'connection' WHERE seq = 3`,
    ]
    for (const sql of edits) {
      const { store, tamper } = await fresh()
      await fill(store, 6, [6])
      await tamper(sql)
      const report = await verify(store)
      assert.equal(pick(report), { ok: false, seq: Number(/seq = (\d+)/.exec(sql)![1]), reason: 'edited' }, sql)
      assert.match(report.failure!.message, /is filed with \w+ .*, but its event says/, sql)
    }
  })

  test('tamper: the end cut off, or the last record rewritten (and added to), under the running gateway ⇒ its next append and its next checkpoint are refused, not built on', async () => {
    const rewritten = `UPDATE warden_audit_records SET hash = '${'e'.repeat(64)}' WHERE seq = 5`
    const added = `INSERT INTO warden_audit_records (seq, time, prev_hash, hash, event) VALUES (6, '${T(6)}', '${'e'.repeat(64)}', '${'f'.repeat(64)}', '{}')`
    for (const sql of [`DELETE FROM warden_audit_records WHERE seq > 3`, rewritten, `${rewritten}; ${added}`]) {
      const { store, tamper } = await fresh()
      await fill(store, 5)
      await tamper(sql)
      const refused = await store.append([statement(7)]).then(() => undefined, (e: Error & { code?: string }) => e)
      assert.is(refused?.code, 'audit.trail_cut', sql)
      assert.match(refused!.message, /but this gateway appended up to record 5: records were cut off or rewritten while it ran/, sql)
      const unsigned = await store.head().then(() => undefined, (e: Error & { code?: string }) => e)
      assert.is(unsigned?.code, 'audit.trail_cut', `${sql}: the head a checkpoint would sign is refused too`)
      assert.not.ok((await collect(store)).some((r) => r.seq === 7), `${sql}: nothing appended`)
    }
    const { store, reopen } = await fresh()
    const second = await reopen()
    await fill(store, 2)
    await second.append([statement(3)])
    assert.equal((await store.append([statement(4)]))[0]!.seq, 4, 'the control: another writer moving the head forward is no cut')
    await second.close()
  })

  test('tamper: a record copied in from another trail at its own seq ⇒ fails there, rewritten', async () => {
    const { store, tamper } = await fresh()
    const other = await fresh()
    await fill(store, 6)
    await other.store.append([statement(1), statement(2), statement(3, 's2')])
    const [, , theirs] = await collect(other.store)
    // Valid in its own trail (its hash matches its contents), linked to that trail's record 2.
    await tamper(`UPDATE warden_audit_records SET time = '${theirs!.time}', prev_hash = '${theirs!.prev_hash}', hash = '${theirs!.hash}', event = '${theirs!.event.replace(/'/g, "''")}' WHERE seq = 3`)
    assert.equal(pick(await verify(store)), { ok: false, seq: 2, reason: 'rewritten' })
  })

  test('tamper: the whole trail swapped for another gateway\'s, with its own signed checkpoints ⇒ forged', async () => {
    const { store } = await fresh()
    const mallory = createCheckpointSigner(generateKeyPairSync('ed25519').privateKey)
    for (let i = 1; i <= 4; i++) await store.append([statement(i)])
    await store.addCheckpoint(mallory.sign(await store.head(), T(4)))
    assert.equal(pick(await verify(store)), { ok: false, seq: 4, reason: 'forged' }, 'only the keys passed are trusted, not the one a checkpoint names')
  })

  test.run()
}

const pick = (r: Awaited<ReturnType<typeof verifyChain>>) => ({ ok: r.ok, seq: r.failure?.seq, reason: r.failure?.reason })

async function collect(store: AuditStore) {
  const out = []
  for await (const r of store.records()) out.push(r)
  return out
}
