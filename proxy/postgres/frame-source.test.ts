import { PassThrough } from 'node:stream'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { PgError, ProtocolError } from './errors.ts'
import { FrameSource } from './frame-source.ts'
import { MessageBudget } from './message-budget.ts'
import { encodeQuery } from './messages/query.ts'
import { encodeSync } from './messages/sync.ts'

test('yields frames as they complete and null at the end of the stream', async () => {
  const stream = new PassThrough()
  const source = new FrameSource(stream, { typed: true })
  const q = encodeQuery('SELECT 1')
  stream.write(q.subarray(0, 3))
  const pending = source.next()
  stream.write(q.subarray(3))
  assert.is((await pending)!.type, 'Q')
  stream.end(encodeSync())
  assert.is((await source.next())!.type, 'S')
  assert.is(await source.next(), null)
})

test('rejects a bad length instead of waiting for it', async () => {
  const stream = new PassThrough()
  const source = new FrameSource(stream, { typed: true })
  stream.write(Buffer.from([0x51, 0, 0, 0, 1]))
  await source.next().then(() => assert.unreachable(), (e: unknown) => assert.instance(e, ProtocolError))
})

test('detach hands over unread bytes, including a partial frame, and pauses the stream', async () => {
  const stream = new PassThrough()
  const source = new FrameSource(stream, { typed: true, initial: encodeSync() })
  const q = encodeQuery('SELECT 2')
  assert.is((await source.next())!.type, 'S')
  stream.write(q.subarray(0, 4))
  await new Promise((r) => setImmediate(r))
  assert.equal(source.detach(), q.subarray(0, 4))
  assert.ok(stream.isPaused())
})

test('reads a message larger than the high-water mark instead of pausing forever', async () => {
  const stream = new PassThrough()
  const source = new FrameSource(stream, { typed: true })
  const big = encodeQuery(`SELECT '${'x'.repeat(2 * 1024 * 1024)}'`)
  const pending = source.next()
  for (let at = 0; at < big.length; at += 65536) stream.write(big.subarray(at, at + 65536))
  const f = await Promise.race([pending, new Promise<null>((r) => setTimeout(() => r(null), 2000))])
  assert.ok(f, 'the large frame arrived')
  assert.is(f!.raw.length, big.length)
  assert.not.ok(stream.isPaused())
})

test('pauses while whole frames wait unread, and resumes once they are read', async () => {
  const stream = new PassThrough()
  const source = new FrameSource(stream, { typed: true })
  const q = encodeQuery(`SELECT '${'x'.repeat(600 * 1024)}'`)
  stream.write(q)
  stream.write(q)
  await new Promise((r) => setImmediate(r))
  assert.ok(stream.isPaused())
  await source.next()
  await source.next()
  assert.not.ok(stream.isPaused())
})

const MiB = 1024 * 1024
const tick = () => new Promise((r) => setImmediate(r))

/** A Query whose length word claims `claimed` bytes, with only `sent` bytes of it. */
function partialQuery(claimed: number, sent: number): Buffer {
  const head = Buffer.alloc(5)
  head[0] = 'Q'.charCodeAt(0)
  head.writeInt32BE(claimed, 1)
  return Buffer.concat([head, Buffer.alloc(sent, 'x')])
}

async function refusal(source: FrameSource): Promise<PgError> {
  try {
    await source.next()
  } catch (e) {
    assert.instance(e, PgError)
    return e as PgError
  }
  throw new Error('read a frame instead of a refusal')
}

test('budget: the source whose large message would pass it is refused (53200) and gives its bytes back; the others keep theirs', async () => {
  const budget = new MessageBudget(5 * MiB)
  const [a, b] = [new PassThrough(), new PassThrough()]
  const sa = new FrameSource(a, { typed: true, budget })
  const sb = new FrameSource(b, { typed: true, budget })
  a.write(partialQuery(40 * MiB, 3 * MiB))
  await tick()
  assert.is(budget.bytes, 3 * MiB + 5)
  b.write(partialQuery(40 * MiB, 3 * MiB))
  await tick()
  const e = await refusal(sb)
  assert.is(e.fields.code, '53200')
  assert.is(budget.bytes, 3 * MiB + 5)
  assert.is(sa.bufferedBytes, 3 * MiB + 5)
  sa.release()
  assert.is(budget.bytes, 0)
})

test('budget: small messages are never refused, even with the budget spent; read frames are given back', async () => {
  const budget = new MessageBudget(0)
  const stream = new PassThrough()
  const source = new FrameSource(stream, { typed: true, budget })
  const q = encodeQuery(`SELECT '${'s'.repeat(512 * 1024)}'`)
  stream.write(q)
  stream.write(encodeSync())
  await tick()
  assert.is(budget.bytes, q.length + 5)
  assert.is((await source.next())!.type, 'Q')
  assert.is(budget.bytes, 5)
  assert.is((await source.next())!.type, 'S')
  assert.is(budget.bytes, 0)
})

test('budget: a source gives its bytes back when its stream ends, closes or is detached', async () => {
  const budget = new MessageBudget(64 * MiB)
  const closing = new PassThrough()
  new FrameSource(closing, { typed: true, budget })
  closing.write(partialQuery(40 * MiB, MiB))
  const detached = new PassThrough()
  const handedOver = new FrameSource(detached, { typed: true, budget })
  detached.write(partialQuery(40 * MiB, MiB))
  await tick()
  assert.is(budget.bytes, 2 * (MiB + 5))
  closing.destroy()
  await tick()
  assert.is(budget.bytes, MiB + 5)
  assert.is(handedOver.detach().length, MiB + 5)
  assert.is(budget.bytes, 0)
})

test('a length over the limit ends reading as it arrives, not at the next read', async () => {
  const stream = new PassThrough()
  const source = new FrameSource(stream, { typed: true, budget: new MessageBudget() })
  let refused: unknown
  source.onRefused = (err) => (refused = err)
  stream.write(partialQuery(65 * MiB, 10))
  await tick()
  assert.instance(refused, PgError)
  assert.is((refused as PgError).fields.code, '54000')
  assert.is(source.bufferedBytes, 0)
})

test('deadline: a message begun and not finished is refused (08P01); a source idle between messages is not', async () => {
  const [slow, idle] = [new PassThrough(), new PassThrough()]
  const slowSource = new FrameSource(slow, { typed: true })
  const idleSource = new FrameSource(idle, { typed: true })
  slowSource.limitMessageTime(20)
  idleSource.limitMessageTime(20)
  idle.write(encodeSync())
  assert.is((await idleSource.next())!.type, 'S')
  let refused: unknown
  slowSource.onRefused = (err) => (refused = err)
  slow.write(encodeQuery('SELECT 1').subarray(0, 7))
  const e = await refusal(slowSource)
  assert.is(e.fields.code, '08P01')
  assert.is(refused, e)
  // Idle since before the slow message began: longer than its deadline.
  idle.write(encodeSync())
  assert.is((await idleSource.next())!.type, 'S')
})

test.run()
