import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { bearerToken } from './bearer-token.ts'
import { hits } from './test-helpers.ts'

test('masks the credential after Bearer, token and Basic, keeping the scheme', () => {
  assert.equal(hits(bearerToken, 'Authorization: Bearer mF_9.B5f-4.1JqM'), ['mF_9.B5f-4.1JqM'])
  assert.equal(hits(bearerToken, 'authorization: token ghp_16C7e42F292c6912E7710c838347Ae178B4a'), ['ghp_16C7e42F292c6912E7710c838347Ae178B4a'])
  assert.equal(hits(bearerToken, 'token=sk12345678abcd'), ['sk12345678abcd'])
  const basic = Buffer.from('admin:hunter2').toString('base64')
  assert.equal(hits(bearerToken, `Authorization: Basic ${basic}`), [basic])
  const [span] = bearerToken.find('Bearer abcdefgh1234')
  assert.equal([span?.start, span?.label], [7, 'token'])
})

test('ignores prose and short values', () => {
  for (const text of [
    'a bearer instrument',
    'token authentication is enabled',
    'the token expired yesterday',
    'basic functionality',
    'Bearer abc',
    'token abc123',
    'Basic dGVzdA==', // decodes to "test": no user:password
  ]) {
    assert.equal(hits(bearerToken, text), [], text)
  }
})

test.run()
