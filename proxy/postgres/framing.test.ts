import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { PgError, ProtocolError } from './errors.ts'
import { FrameReader, MAX_FRAME_BYTES } from './framing.ts'
import { encodeQuery } from './messages/query.ts'
import { encodeSslRequest } from './messages/ssl-request.ts'
import { encodeSync } from './messages/sync.ts'
import { cpuTimed } from '../../engine/testing/cpu-time.ts'

test('reassembles frames split at every byte boundary', () => {
  const bytes = Buffer.concat([encodeQuery('SELECT 1'), encodeSync(), encodeQuery('SELECT 2')])
  const reader = new FrameReader({ typed: true })
  const got: string[] = []
  for (const b of bytes) {
    reader.push(Buffer.from([b]))
    for (let f = reader.next(); f; f = reader.next()) got.push(f.type + f.payload.toString('latin1'))
  }
  assert.equal(got, ['QSELECT 1\0', 'S', 'QSELECT 2\0'])
  assert.is(reader.buffered(), 0)
})

test('peekType names the next frame only once it is whole, and consumes nothing', () => {
  const reader = new FrameReader({ typed: true })
  const q = encodeQuery('SELECT 1')
  reader.push(q.subarray(0, 6))
  assert.is(reader.peekType(), undefined)
  reader.push(Buffer.concat([q.subarray(6), encodeSync()]))
  assert.is(reader.peekType(), 'Q')
  assert.is(reader.next()!.type, 'Q')
  assert.is(reader.peekType(), 'S')
  assert.is(reader.next()!.type, 'S')
  assert.is(reader.peekType(), undefined)
})

test('keeps raw bytes of each frame for forwarding', () => {
  const q = encodeQuery('SELECT 1')
  const reader = new FrameReader({ typed: true })
  reader.push(Buffer.concat([q, encodeSync()]))
  assert.equal(reader.next()!.raw, q)
})

test('reads untyped startup packets', () => {
  const reader = new FrameReader({ typed: false })
  reader.push(encodeSslRequest())
  const f = reader.next()!
  assert.is(f.type, '')
  assert.is(f.payload.readInt32BE(0), 80877103)
})

test('refuses lengths that are too small or too large instead of buffering forever', () => {
  const tooBig = Buffer.alloc(5)
  tooBig[0] = 'Q'.charCodeAt(0)
  tooBig.writeInt32BE(MAX_FRAME_BYTES + 1, 1)
  const negative = Buffer.from([0x51, 0xff, 0xff, 0xff, 0xff])
  const bigStartup = Buffer.alloc(4)
  bigStartup.writeInt32BE(20_000)
  for (const [bytes, typed] of [[tooBig, true], [negative, true], [Buffer.from([0, 0, 0, 3]), false], [bigStartup, false]] as const) {
    const reader = new FrameReader({ typed })
    reader.push(bytes)
    assert.throws(() => reader.next(), (e: unknown) => e instanceof ProtocolError || (e instanceof PgError && e.fields.code === '54000' && e.fatal))
  }
})

test('honours a custom limit, refusing with 54000 and naming the message', () => {
  const reader = new FrameReader({ typed: true, maxBytes: 8 })
  reader.push(encodeQuery('SELECT 12345'))
  assert.throws(() => reader.next(), (e: unknown) => e instanceof PgError && e.fields.code === '54000' && /"Q" of 17 bytes exceeds the gateway limit of 8 bytes/.test(e.message))
})

test('reassembles a frame of many chunks with one join, and keeps what follows it', () => {
  const big = encodeQuery(`SELECT '${'x'.repeat(3 * 1024 * 1024)}'`)
  const bytes = Buffer.concat([big, encodeSync()])
  const reader = new FrameReader({ typed: true })
  const { cpuMs } = cpuTimed(() => {
    for (let at = 0; at < bytes.length; at += 65536) {
      reader.push(bytes.subarray(at, at + 65536))
      assert.is(reader.hasWholeFrame(), at + 65536 >= big.length)
    }
  })
  assert.ok(cpuMs < 200, `chunks are not joined one by one (${cpuMs} ms)`)
  assert.equal(reader.next()!.raw, big)
  assert.is(reader.next()!.type, 'S')
  assert.is(reader.buffered(), 0)
})

test('a frame sent in chunks of mixed sizes (single bytes, medium, large) comes out whole and in order', () => {
  const text = Array.from({ length: 300_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('')
  const bytes = Buffer.concat([encodeQuery(text), encodeSync()])
  const reader = new FrameReader({ typed: true })
  const sizes = [1, 1, 1, 7, 3000, 1, 9000, 1, 70_000, 2, 65_535, 1]
  let at = 0
  for (let i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length]!
    reader.push(bytes.subarray(at, at + n))
    at += n
    if (at < bytes.length - 5) assert.is(reader.next(), undefined)
  }
  assert.is(reader.buffered(), bytes.length)
  const q = reader.next()!
  assert.is(q.type, 'Q')
  assert.is(q.payload.toString('latin1'), `${text}\0`)
  assert.is(reader.next()!.type, 'S')
  assert.is(reader.buffered(), 0)
})

test('what is left behind a large frame stays readable once the frame is read', () => {
  const big = encodeQuery('x'.repeat(100_000))
  const reader = new FrameReader({ typed: true })
  const sync = encodeSync()
  reader.push(Buffer.concat([big.subarray(0, 50_000)]))
  reader.push(Buffer.concat([big.subarray(50_000), sync.subarray(0, 2)]))
  assert.is(reader.next()!.raw.length, big.length)
  assert.is(reader.buffered(), 2)
  reader.push(sync.subarray(2))
  assert.is(reader.next()!.type, 'S')
  assert.is(reader.take().length, 0)
})

test.run()
