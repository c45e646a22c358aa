import { PassThrough } from 'node:stream'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from './errors.ts'
import { FrameSource } from './frame-source.ts'
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

test.run()
