import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { hits } from './test-helpers.ts'
import { urlCredential } from './url-credential.ts'

test('masks the password of a URL userinfo, keeping scheme, user and host', () => {
  assert.equal(hits(urlCredential, 'DATABASE_URL=postgres://app:hunter2-secret@db.internal:5432/x'), ['hunter2-secret'])
  assert.equal(hits(urlCredential, 'redis://:s3cr3t@cache:6379/0'), ['s3cr3t'])
  assert.equal(hits(urlCredential, '"url":"https://bot:ghp_abc:def@git.example.com/r.git"'), ['ghp_abc:def'])
  assert.equal(hits(urlCredential, 'amqp://u:p%40ss@mq'), ['p%40ss'])
  const [span] = urlCredential.find('mysql://root:pw@h')
  assert.equal([span?.start, span?.end, span?.label], [13, 15, 'password'])
})

test('ignores URLs without a password', () => {
  for (const text of ['https://example.com:8443/path', 'ssh://git@github.com/x', 'mailto:someone@example.com', 'see http://a.b/c?x=y:z@w', 'https://user@host/']) {
    assert.equal(hits(urlCredential, text), [], text)
  }
})

test.run()
