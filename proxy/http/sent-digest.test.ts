import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { CloudCommand } from '../../engine/types.ts'
import { digestsSentBytes, keepDigestOfSent } from './sent-digest.ts'

const s3 = (method: string, more: Partial<CloudCommand> = {}): CloudCommand =>
  ({ provider: 'aws', service: 's3', method, operation: method.slice(3), resource: 'arn:aws:s3:::b/k', read_only: false, ...more })

test('only an S3 PutObject or UploadPart of the bytes sent, answered 2xx, keeps its digests', () => {
  assert.ok(digestsSentBytes(s3('s3:PutObject'), [['content-type', 'text/plain']], '', 200))
  assert.ok(digestsSentBytes(s3('s3:UploadPart'), [], 'partNumber=1&uploadId=u', 200))
  // A copy, named by the normalizer from a header or the query (X-Amz-Copy-Source=…): its digests are the source's.
  assert.not.ok(digestsSentBytes(s3('s3:PutObject', { sources: [{ resource: 'arn:aws:s3:::vault/secret.txt' } as never] }), [], 'X-Amz-Copy-Source=%2Fvault%2Fsecret.txt', 200))
  assert.not.ok(digestsSentBytes(s3('s3:UploadPart', { source_error: 'two copy sources' }), [], '', 200))
  // An append: the answer digests the whole object, what was stored before included.
  assert.not.ok(digestsSentBytes(s3('s3:PutObject'), [['X-Amz-Write-Offset-Bytes', '10']], '', 200))
  assert.not.ok(digestsSentBytes(s3('s3:PutObject'), [], 'append&position=10', 200))
  assert.not.ok(digestsSentBytes(s3('s3:GetObject'), [], '', 200))
  assert.not.ok(digestsSentBytes(s3('s3:PutObjectTagging'), [], 'tagging', 200))
  assert.not.ok(digestsSentBytes(s3('s3:PutObject'), [], '', 412))
  assert.not.ok(digestsSentBytes({ ...s3('s3:PutObject'), service: 'cloudfront' }, [], '', 200))
  assert.not.ok(digestsSentBytes(undefined, [], '', 200))
})

test('the ETag and x-amz-checksum-* headers are put back, nothing else', () => {
  const out: Record<string, string | string[]> = { 'content-type': 'text/plain' }
  keepDigestOfSent(out, { etag: '"abc"', 'x-amz-checksum-crc32': 'AAAA', 'content-md5': 'x', 'x-amz-meta-k': 'v', 'x-amz-version-id': undefined })
  assert.equal(out, { 'content-type': 'text/plain', etag: '"abc"', 'x-amz-checksum-crc32': 'AAAA' })
})

test.run()
