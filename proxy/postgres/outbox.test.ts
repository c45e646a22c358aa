import { Writable } from 'node:stream'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Outbox } from './outbox.ts'

class Sink extends Writable {
  writes: Buffer[][] = []
  constructor() {
    super({ highWaterMark: 1 << 20 })
  }
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.writes.push([chunk])
    cb()
  }
  override _writev(chunks: { chunk: Buffer }[], cb: () => void) {
    this.writes.push(chunks.map((c) => c.chunk))
    cb()
  }
  bytes() {
    return Buffer.concat(this.writes.flat())
  }
}

test('nothing is written until flush; a small batch then goes out as one write', () => {
  const sink = new Sink()
  const out = new Outbox(sink)
  out.write(Buffer.from('ab'))
  out.write(Buffer.from('cd'))
  assert.is(sink.writes.length, 0)
  out.flush()
  assert.equal(sink.writes.map((w) => w.length), [1])
  assert.is(sink.bytes().toString(), 'abcd')
  out.flush()
  assert.is(sink.writes.length, 1)
})

test('adjacent slices of one received chunk are merged into one view, without copying', () => {
  const sink = new Sink()
  const out = new Outbox(sink)
  const chunk = Buffer.from('frame1frame2frame3')
  out.write(chunk.subarray(0, 6))
  out.write(chunk.subarray(6, 12))
  out.write(chunk.subarray(12))
  out.flush()
  const [written] = sink.writes[0]!
  assert.is(written!.toString(), 'frame1frame2frame3')
  assert.is(written!.buffer, chunk.buffer, 'the very bytes received, not a copy')
})

test('a large batch goes out corked, frame by frame, uncopied', () => {
  const sink = new Sink()
  const out = new Outbox(sink)
  const big = [Buffer.alloc(12 * 1024, 1), Buffer.alloc(12 * 1024, 2)]
  for (const b of big) out.write(b)
  out.flush()
  assert.is(sink.writes.length, 1)
  assert.is(sink.writes[0]!.length, 2)
  assert.is(sink.writes[0]![0], big[0])
})

test('a hold defers flushes until release; past the copy limit it streams anyway', () => {
  const sink = new Sink()
  const out = new Outbox(sink)
  out.hold()
  out.write(Buffer.from('rows'))
  out.flush()
  assert.is(sink.writes.length, 0)
  out.release()
  out.write(Buffer.from('Z'))
  out.flush()
  assert.equal(sink.writes.map((w) => Buffer.concat(w).toString()), ['rowsZ'])

  out.hold()
  out.write(Buffer.alloc(20 * 1024))
  out.flush()
  assert.is(sink.writes.length, 2)
})

test('nothing is written to a destroyed stream', () => {
  const sink = new Sink()
  const out = new Outbox(sink)
  out.write(Buffer.from('x'))
  sink.destroy()
  out.flush()
  out.write(Buffer.from('y'))
  out.flush()
  assert.is(sink.writes.length, 0)
})

test.run()
