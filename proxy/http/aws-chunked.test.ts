import { crc32 } from 'node:zlib'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { AwsChunkedError, awsChunkedReader } from './aws-chunked.ts'

const data = Buffer.from('hello, aws-chunked world')
const crc = () => { const b = Buffer.alloc(4); b.writeUInt32BE(crc32(data) >>> 0); return b.toString('base64') }
const body = (trailer = `x-amz-checksum-crc32:${crc()}\r\n`) => Buffer.from(`5\r\nhello\r\n${(data.length - 5).toString(16)}\r\n${data.subarray(5)}\r\n0\r\n${trailer}\r\n`)
const declared = { decodedLength: data.length, trailers: ['x-amz-checksum-crc32'] }

function read(bytes: Buffer, step: number, d = declared): void {
  const r = awsChunkedReader(d)
  for (let at = 0; at < bytes.length; at += step) r.push(bytes.subarray(at, at + step))
  r.end()
}
const fails = (f: () => void, why: RegExp) => assert.throws(f, (e: unknown) => e instanceof AwsChunkedError && why.test(e.message))

test('a well-formed body passes however it is split', () => {
  for (const step of [1, 2, 3, 7, 1000]) read(body(), step)
})

test('wrong checksum, missing trailer, undeclared trailer, bytes after the end, early end: refused', () => {
  fails(() => read(body('x-amz-checksum-crc32:AAAAAA==\r\n'), 4), /does not match its x-amz-checksum-crc32 trailer/)
  fails(() => read(body(''), 4), /trailer declared in x-amz-trailer is missing/)
  fails(() => read(body(`x-amz-checksum-crc32:${crc()}\r\nx-amz-meta:1\r\n`), 4), /was not declared in x-amz-trailer/)
  fails(() => read(Buffer.concat([body(), Buffer.from('X')]), 4), /bytes follow the end/)
  fails(() => read(body().subarray(0, 12), 4), /ended before its final chunk/)
})

test('decoded length must be the declared one; chunk signatures and bare LF are refused', () => {
  fails(() => read(body(), 5, { ...declared, decodedLength: data.length - 1 }), /more than the 23 bytes/)
  fails(() => read(body(), 5, { ...declared, decodedLength: data.length + 1 }), /declared 25/)
  fails(() => read(Buffer.from('5;chunk-signature=ab\r\nhello\r\n'), 5), /not a plain hex size/)
  fails(() => read(Buffer.from('5\nhello\r\n'), 5), /does not end with CRLF/)
})

test.run()
