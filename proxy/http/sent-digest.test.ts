import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { digestsSentBytes, keepDigestOfSent } from './sent-digest.ts'

test('only an S3 PUT of a body answered 2xx keeps its digests: not a copy, a read, another service or a refusal', () => {
  assert.ok(digestsSentBytes('s3', 'PUT', [['content-type', 'text/plain']], 200))
  assert.not.ok(digestsSentBytes('s3', 'PUT', [['X-Amz-Copy-Source', '/other/secret.txt']], 200), 'a copy digests its source')
  assert.not.ok(digestsSentBytes('s3', 'GET', [], 200))
  assert.not.ok(digestsSentBytes('s3', 'HEAD', [], 200))
  assert.not.ok(digestsSentBytes('s3', 'PUT', [], 412))
  assert.not.ok(digestsSentBytes('cloudfront', 'PUT', [], 200))
  assert.not.ok(digestsSentBytes(undefined, 'PUT', [], 200))
})

test('the ETag and x-amz-checksum-* headers are put back, nothing else', () => {
  const out: Record<string, string | string[]> = { 'content-type': 'text/plain' }
  keepDigestOfSent(out, { etag: '"abc"', 'x-amz-checksum-crc32': 'AAAA', 'content-md5': 'x', 'x-amz-meta-k': 'v', 'x-amz-version-id': undefined })
  assert.equal(out, { 'content-type': 'text/plain', etag: '"abc"', 'x-amz-checksum-crc32': 'AAAA' })
})

test.run()
