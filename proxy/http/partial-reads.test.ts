import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { rangeCutRefusal, rangeFromStart, rangeRefusal } from './partial-reads.ts'

test('a range from byte 0 covers N + 1 bytes (bytes=0- all of them); any other range, or several, covers none', () => {
  assert.is(rangeFromStart('GET', ['bytes=0-']), Infinity)
  assert.is(rangeFromStart('GET', ['bytes=0-10485803']), 10485804)
  assert.is(rangeFromStart('GET', [' Bytes = 00 - 99 ']), 100)
  for (const ranges of [['bytes=1-'], ['bytes=-500'], ['bytes=0-99,200-299'], ['bytes=0-', 'bytes=0-'], ['items=0-9'], []]) {
    assert.is(rangeFromStart('GET', ranges), undefined, ranges.join(' | '))
  }
  assert.is(rangeFromStart('HEAD', ['bytes=0-']), undefined)
})

test('a GET with a range not from byte 0 is refused with 403, naming the setting for the target kind', () => {
  const aws = rangeRefusal('aws', 'GET', ['bytes=8388608-16777215'])
  assert.is(aws?.status, 403)
  assert.is(aws?.code, 'http.partial_refused')
  assert.match(aws!.message, 'aws configure set default.s3.multipart_threshold 5GB')
  assert.match(rangeRefusal('http', 'GET', ['bytes=-500'])!.message, 'without a Range header')
  assert.is(rangeRefusal('aws', 'GET', ['bytes=0-99']), undefined, 'checked on its answer')
  assert.is(rangeRefusal('aws', 'GET', []), undefined)
  assert.is(rangeRefusal('aws', 'PUT', ['bytes=5-9']), undefined)
})

test('the answer to a range from byte 0 passes only when it states an unencoded length within the range', () => {
  const res = (headers: Record<string, string>, statusCode = 200) => ({ statusCode, headers })
  assert.is(rangeCutRefusal('aws', ['bytes=0-99'], 100, res({ 'content-length': '100' })), undefined)
  assert.is(rangeCutRefusal('aws', ['bytes=0-'], Infinity, res({})), undefined)
  assert.is(rangeCutRefusal('aws', ['bytes=0-99'], 100, res({}, 404)), undefined)
  assert.is(rangeCutRefusal('aws', ['bytes=0-99'], 100, res({ 'content-length': '101' }))?.status, 403)
  assert.is(rangeCutRefusal('aws', ['bytes=0-99'], 100, res({}))?.status, 403)
  assert.is(rangeCutRefusal('aws', ['bytes=0-99'], 100, res({ 'content-length': '50', 'content-encoding': 'gzip' }))?.status, 403)
})

test.run()
