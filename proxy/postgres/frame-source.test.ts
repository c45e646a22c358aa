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

test.run()
