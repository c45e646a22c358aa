import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { HttpGatewayError } from './errors.ts'
import { charsetOf, decodeWide, wideEncoding } from './text-encoding.ts'

const utf32 = (s: string, little: boolean) => {
  const points = [...s].map((c) => c.codePointAt(0)!)
  const b = Buffer.alloc(points.length * 4)
  points.forEach((p, i) => (little ? b.writeUInt32LE(p, i * 4) : b.writeUInt32BE(p, i * 4)))
  return b
}
const be16 = (s: string) => Buffer.from(s, 'utf16le').swap16()
const whole = (type?: string, status = 200, extra: Record<string, string> = {}) => ({ statusCode: status, headers: { ...(type ? { 'content-type': type } : {}), ...extra } })

test('charsetOf: the charset parameter, quoted or not, lower-cased; none is empty', () => {
  assert.is(charsetOf('text/plain; charset="UTF-16LE"'), 'utf-16le')
  assert.is(charsetOf(['application/json;charset=utf-32be']), 'utf-32be')
  assert.is(charsetOf('text/plain'), '')
  assert.is(charsetOf(undefined), '')
})

test('a byte-order mark decides: UTF-16 and UTF-32 of either order; UTF-8\'s leaves the body to the UTF-8 reader', () => {
  assert.is(wideEncoding(Buffer.from([0xff, 0xfe, 0x41, 0]), whole()), 'utf-16le')
  assert.is(wideEncoding(Buffer.from([0xfe, 0xff, 0, 0x41]), whole('text/plain; charset=iso-8859-1')), 'utf-16be')
  assert.is(wideEncoding(Buffer.from([0xff, 0xfe, 0, 0, 0x41, 0, 0, 0]), whole('application/json; charset=utf-32')), 'utf-32le')
  assert.is(wideEncoding(Buffer.from([0, 0, 0xfe, 0xff, 0, 0, 0, 0x41]), whole('text/plain; charset=utf-32be')), 'utf-32be')
  assert.is(wideEncoding(Buffer.from([0xef, 0xbb, 0xbf, 0x41]), whole('text/plain; charset=utf-16le')), undefined)
  assert.is(wideEncoding(Buffer.from([0xff, 0xfe, 0x41, 0]), whole('text/plain; charset=utf-16')), 'utf-16le')
})

test('a wide mark that contradicts the charset is refused; no mark, UTF-16 by charset alone is read as UTF-8, UTF-32 only when valid in it', () => {
  for (const [bytes, type] of [
    [[0xff, 0xfe, 0x41, 0], 'text/plain; charset=utf-16be'], [[0xfe, 0xff, 0, 0x41], 'text/plain; charset=utf-8'],
    [[0xff, 0xfe, 0, 0, 0x41, 0, 0, 0], 'text/plain; charset=utf-16le'],
  ] as const) {
    try {
      wideEncoding(Buffer.from(bytes), whole(type))
      assert.unreachable(type)
    } catch (err) {
      assert.instance(err, HttpGatewayError)
      assert.match((err as Error).message, /byte-order mark says/)
    }
  }
  assert.is(wideEncoding(Buffer.from('hi', 'utf16le'), whole('text/plain; charset=utf-16le')), undefined)
  assert.is(wideEncoding(Buffer.from('hi'), whole('text/plain; charset=utf-16be')), undefined)
  assert.is(wideEncoding(utf32('hi', true), whole('text/plain; charset=utf-32le')), 'utf-32le')
  assert.is(wideEncoding(utf32('hi', true), whole('text/plain; charset=utf-32be')), undefined, 'the wrong order is no UTF-32')
  assert.is(wideEncoding(Buffer.from('abcd'), whole('text/plain; charset=utf-32le')), undefined)
  assert.is(wideEncoding(Buffer.from('ab'), whole('text/plain; charset=utf-32le'), true), 'utf-32le', 'a start is taken at its word')
})

test('a part of an answer (206, Content-Range) is never read by a mark: the agent chose where it starts', () => {
  const ranged = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('password=hunter2')])
  assert.is(wideEncoding(ranged, whole('text/plain', 206)), undefined)
  assert.is(wideEncoding(ranged, whole('text/plain', 200, { 'content-range': 'bytes 10-27/900' })), undefined)
  assert.is(wideEncoding(utf32('hi', true), whole('text/plain; charset=utf-32le', 206)), undefined)
})

test('decodeWide: the text in each encoding, its mark dropped; invalid bytes are undefined', () => {
  const text = 'mail jane@example.com 😀'
  assert.is(decodeWide(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), 'utf-16le'), text)
  assert.is(decodeWide(Buffer.concat([Buffer.from([0xfe, 0xff]), be16(text)]), 'utf-16be'), text)
  assert.is(decodeWide(Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), utf32(text, true)]), 'utf-32le'), text)
  assert.is(decodeWide(utf32(text, false), 'utf-32be'), text)
  assert.is(decodeWide(utf32('x'.repeat(20_000), false), 'utf-32be'), 'x'.repeat(20_000))
  assert.is(decodeWide(Buffer.from([0x00, 0xd8, 0x41, 0x00]), 'utf-16le'), undefined, 'an unpaired surrogate')
  assert.is(decodeWide(Buffer.from([0, 0, 0x11, 0]), 'utf-32le'), undefined, 'past U+10FFFF')
  assert.is(decodeWide(Buffer.from([0, 0xd8, 0, 0]), 'utf-32le'), undefined, 'a surrogate')
  assert.is(decodeWide(Buffer.from([0x41, 0, 0]), 'utf-32le'), undefined, 'a cut word')
})

test.run()
