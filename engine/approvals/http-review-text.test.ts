import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { httpReviewText, MAX_SHOWN_BODY_CHARS } from './http-review-text.ts'

test('request line with the query as sent, covered headers sorted (credentials and signing dates left out), blank line, body', () => {
  const text = httpReviewText({
    method: 'PATCH',
    url: 'https://k8s.example/apis/apps/v1/namespaces/prod/deployments/web?fieldManager=kubectl',
    headers: { 'Content-Type': 'application/merge-patch+json', authorization: 'Bearer agent-token', 'x-amz-date': '20260101T000000Z', 'impersonate-user': 'admin' },
    body: '{"spec":{"replicas":0}}',
  })
  assert.is(text, 'PATCH https://k8s.example/apis/apps/v1/namespaces/prod/deployments/web?fieldManager=kubectl\ncontent-type: application/merge-patch+json\nimpersonate-user: admin\n\n{"spec":{"replicas":0}}')
})

test('characters that could rewrite the reviewer\'s screen, and backslashes, are escaped; line feeds and tabs are kept', () => {
  const text = httpReviewText({ method: 'POST', url: 'https://h/x', body: 'a\tb\nc\r\u001b[2J\u202e\\u202e' })
  assert.is(text, 'POST https://h/x\n\na\tb\nc\\u000d\\u001b[2J\\u202e\\\\u202e')
})

test('characters a reviewer cannot see (soft hyphen, filler, tag, no-break space) are escaped too', () => {
  const text = httpReviewText({ method: 'POST', url: 'https://h/x', headers: { 'x-user': 'alice\u00ad' }, body: '{"keep":"alice\u3164\u{e0041}\u00a0"}' })
  assert.is(text, 'POST https://h/x\nx-user: alice\\u00ad\n\n{"keep":"alice\\u3164\\u{e0041}\\u00a0"}')
})

test('a body that is not UTF-8 is shown as hex; a long one is cut with its size said; one streamed unread says so', () => {
  assert.is(httpReviewText({ method: 'PUT', url: 'https://h/o', body: new Uint8Array([0xff, 0x00, 0x41]) }), 'PUT https://h/o\n\n[binary body, 3 bytes, hex:]\nff0041')
  const long = httpReviewText({ method: 'POST', url: 'https://h/x', body: 'x'.repeat(MAX_SHOWN_BODY_CHARS + 10) })
  assert.ok(long.endsWith(`\n[body of ${MAX_SHOWN_BODY_CHARS + 10} bytes, first ${MAX_SHOWN_BODY_CHARS} characters shown; deny it, since what would be sent is not all here]`))
  const upload = httpReviewText({ method: 'PUT', url: 'https://h/b/o', headers: { 'content-length': '5', 'x-amz-content-sha256': 'abc' }, bodyNotRead: 'an object upload, streamed' })
  assert.is(upload, 'PUT https://h/b/o\ncontent-length: 5\nx-amz-content-sha256: abc\n\n[body streamed unread: an object upload, streamed; its length and declared SHA-256 above are what a grant covers]')
})

test('a JSON body is shown whole: a field after a long first one is not hidden from the reviewer', () => {
  const body = JSON.stringify({ metadata: { annotations: { note: 'x'.repeat(20_000) } }, spec: { privileged: true } })
  assert.is(httpReviewText({ method: 'POST', url: 'https://h/x', body }), `POST https://h/x\n\n${body}`)
})

test.run()
