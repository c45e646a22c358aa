// verifyChain on records built in memory; the same cases on real stores are in store/store.case.ts.
import { generateKeyPairSync } from 'node:crypto'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createCheckpointSigner } from './checkpoint.ts'
import { canonicalJson, EMPTY_HEAD, linkBatch } from './record.ts'
import { type StoredRecord, verifyChain } from './verify.ts'

const key = generateKeyPairSync('ed25519')
const signer = createCheckpointSigner(key.privateKey)
const stored = (): StoredRecord[] => linkBatch(EMPTY_HEAD, Array.from({ length: 6 }, (_, i) => ({ event: { i }, time: `t${i}` })))
  .map((r) => ({ seq: r.seq, time: r.time, prev_hash: r.prev_hash, hash: r.hash, event: canonicalJson(r.event) }))

const run = (records: StoredRecord[], checkpoints = [signer.sign({ seq: 6, hash: stored()[5]!.hash }, 'tc')]) =>
  verifyChain({ records: async function* () { yield* records }, has: async (s) => records.some((r) => r.seq === s), checkpoints, keys: [key.publicKey] })
const why = async (records: StoredRecord[]) => (await run(records)).failure

test('an intact chain verifies', async () => {
  const r = await run(stored())
  assert.equal([r.ok, r.records, r.head.seq, r.checkpoints], [true, 6, 6, 1])
})

test('two trails signed by one key spliced together (as stored, or re-linked) fail at the splice, with both trails\' checkpoints in hand', async () => {
  const a = stored()
  const b = linkBatch(EMPTY_HEAD, Array.from({ length: 6 }, (_, i) => ({ event: { other: i }, time: `u${i}` })))
    .map((r) => ({ seq: r.seq, time: r.time, prev_hash: r.prev_hash, hash: r.hash, event: canonicalJson(r.event) }))
  const checkpoints = [signer.sign({ seq: 6, hash: a[5]!.hash }, 'ta'), signer.sign({ seq: 6, hash: b[5]!.hash }, 'tb')]
  const spliced = [...a.slice(0, 3), ...b.slice(3)]
  assert.equal(await run(spliced, checkpoints).then((r) => [r.ok, r.failure?.seq, r.failure?.reason]), [false, 3, 'rewritten'])
  const relinked = [...a.slice(0, 3), ...linkBatch({ seq: 3, hash: a[2]!.hash }, b.slice(3).map((r) => ({ event: JSON.parse(r.event) as Record<string, unknown>, time: r.time })))
    .map((r) => ({ seq: r.seq, time: r.time, prev_hash: r.prev_hash, hash: r.hash, event: canonicalJson(r.event) }))]
  assert.equal(await run(relinked, checkpoints).then((r) => [r.ok, r.failure?.seq, r.failure?.reason]), [false, 6, 'rewritten'])
  assert.equal(await run(relinked, [checkpoints[0]!]).then((r) => [r.ok, r.failure?.reason]), [false, 'rewritten'], 'trail A\'s own checkpoint is enough')
})

test('the report says when the last record was written and which signed checkpoint vouches for the most (the latest of two at one record)', async () => {
  const records = stored()
  const r = await run(records, [signer.sign({ seq: 2, hash: records[1]!.hash }, 'ta'), signer.sign({ seq: 4, hash: records[3]!.hash }, 'tb'), signer.sign({ seq: 4, hash: records[3]!.hash }, 'tc')])
  assert.equal([r.ok, r.head_time, r.last_checkpoint], [true, 't5', { seq: 4, time: 'tc' }])
  const none = await run(records, [])
  assert.equal([none.ok, none.head_time, none.last_checkpoint], [true, 't5', undefined])
})

test('an empty trail verifies, unless a checkpoint says there were records', async () => {
  assert.ok((await run([], [])).ok)
  assert.equal((await why([]))?.reason, 'truncated')
})

test('each kind of tampering is named at the first bad record', async () => {
  const edited = stored()
  edited[2]!.event = '{"i":9}'
  assert.equal(await why(edited).then((f) => [f?.seq, f?.reason]), [3, 'edited'])

  const deleted = stored().filter((r) => r.seq !== 4)
  assert.equal(await why(deleted).then((f) => [f?.seq, f?.reason]), [4, 'deleted'])

  const reordered = stored()
  ;[reordered[1], reordered[2]] = [reordered[2]!, reordered[1]!]
  assert.equal(await why(reordered).then((f) => [f?.seq, f?.reason]), [3, 'reordered'])

  const duplicated = stored()
  duplicated.splice(3, 0, { ...duplicated[2]! })
  assert.equal(await why(duplicated).then((f) => [f?.seq, f?.reason]), [3, 'reordered'])

  const truncated = stored().slice(0, 4)
  assert.equal(await why(truncated).then((f) => [f?.seq, f?.reason]), [5, 'truncated'])

  // The whole tail re-linked after an edit: each record is self-consistent; the signed checkpoint is not.
  const relinked = linkBatch({ seq: 2, hash: stored()[1]!.hash }, [3, 4, 5, 6].map((i) => ({ event: { i: i === 3 ? 99 : i - 1 }, time: `t${i - 1}` })))
  const rewritten = [...stored().slice(0, 2), ...relinked.map((r) => ({ seq: r.seq, time: r.time, prev_hash: r.prev_hash, hash: r.hash, event: canonicalJson(r.event) }))]
  assert.equal(await why(rewritten).then((f) => [f?.seq, f?.reason]), [6, 'rewritten'])
})

test.run()
