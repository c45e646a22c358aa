import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Target } from '../../types.ts'
import { normalize } from '../index.ts'
import { validator } from '../../schema/validate.ts'

const target: Target = { name: 'prod-gcp', kind: 'gcp', environment: 'production', labels: {} }
const LIST = 'https://logging.googleapis.com/v2/entries:list'

function list(body: unknown, url = LIST, contentType = 'application/json') {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  return normalize({ kind: 'http', request: { method: 'POST', url, headers: { host: 'logging.googleapis.com', 'content-type': contentType }, body: text } }, target)
}

test('entries:list carries its filter read into restrictions; other calls carry none', () => {
  const n = list({ resourceNames: ['projects/p'], filter: 'severity>=ERROR "sk_live_Q7"', orderBy: 'timestamp desc', pageSize: 50 })
  assert.equal(n.command.cloud?.log_filter, {
    length: 28,
    restrictions: [
      { field: 'severity', operator: '>=', value_kind: 'text', term: 'severity>=ERROR' },
      { field: '', operator: ':', value_kind: 'string', term: '"sk_live_Q7"' },
    ],
  })
  assert.is(n.refusal, undefined)
  const logs = normalize({ kind: 'http', request: { method: 'GET', url: 'https://logging.googleapis.com/v2/projects/p/logs', headers: {} } }, target)
  assert.is(logs.command.cloud?.log_filter, undefined)
})

test('a filter in the query string is read too, beside the body', () => {
  const n = list({ resourceNames: ['projects/p'], filter: 'severity>=ERROR' }, `${LIST}?filter=${encodeURIComponent('textPayload:"x"')}`)
  assert.equal(n.command.cloud?.log_filter?.restrictions.map((r) => r.field), ['textPayload', 'severity'])
  const cased = list({}, `${LIST}?Filter=${encodeURIComponent('"x"')}&FILTER=severity%3DERROR`)
  assert.equal(cased.command.cloud?.log_filter?.restrictions.map((r) => r.field), ['', 'severity'])
})

test('no filter reads every entry: no restrictions', () => {
  assert.equal(list({ resourceNames: ['projects/p'] }).command.cloud?.log_filter, { length: 0, restrictions: [] })
})

test('a body field entries.list does not name, a filter that is no string, or a filter not read for certain is a parse error', () => {
  for (const [body, says] of [
    [{ resourceNames: ['projects/p'], filter: 'severity>=ERROR', extra: 'textPayload:"x"' }, 'request field "extra"'],
    [{ filter: 7 }, 'filter is not a string'],
    [{ filter: ['a', 7] }, 'filter is not a string'],
    [{ filter: "textPayload:'x'" }, 'single-quoted string is not read at character 13'],
    [{ filter: 'textPayload\u00a0="x"' }, 'U+00A0'],
  ] as const) {
    const f = list(body).command.cloud?.log_filter
    assert.ok(f?.parse_error?.includes(says), `${JSON.stringify(body)}: ${f?.parse_error}`)
    assert.equal(f?.restrictions, [])
  }
  assert.is(list({ resource_names: ['projects/p'], order_by: 'timestamp', page_size: 1, page_token: 't', project_ids: ['p'] }).command.cloud?.log_filter?.parse_error, undefined)
})

test('a form body names its filter as a list: each is read', () => {
  const n = list('filter=severity%3DERROR&filter=%22x%22', LIST, 'application/x-www-form-urlencoded')
  assert.equal(n.command.cloud?.log_filter?.restrictions.map((r) => r.field), ['severity', ''])
})

test('a filter longer than the 20 000 characters the API accepts is refused before any policy reads it', () => {
  const at = `textPayload:"${'a'.repeat(20_000 - 14)}"`
  assert.is([...at].length, 20_000)
  const ok = list({ filter: at })
  assert.is(ok.refusal, undefined)
  assert.is(ok.command.cloud?.log_filter?.length, 20_000)
  const over = list({ filter: `${at} ` })
  assert.is(over.refusal, 'a Cloud Logging filter of 20001 characters is longer than the 20000 the Logging API accepts')
  assert.equal(over.command.cloud?.log_filter?.restrictions, [])
  assert.ok(over.command.cloud?.log_filter?.parse_error?.includes('longer than the 20000'))
  // Characters are code points: 20 000 emoji (40 000 UTF-16 units) are within the limit.
  const emoji = `"${'😀'.repeat(19_998)}"`
  assert.is(list({ filter: emoji }).refusal, undefined)
  assert.ok(list({ resourceNames: ['projects/p'] }, `${LIST}?filter=${'a'.repeat(20_001)}`).refusal)
  // Past a field it does not know, and under another case, a filter is still measured.
  assert.ok(list({ extra: 1, Filter: 'a'.repeat(20_001) }).refusal)
})

test('the input schema accepts what the normalizer makes', () => {
  const check = validator('input')
  const n = list({ filter: 'severity>=ERROR "x" log_id("a")' })
  const doc = { identity: { sub: 'a', issuer: 'i', groups: [], kind: 'agent' }, session: { id: 's', started_at: '2026-11-30T00:00:00Z', grants: [] }, target, command: n.command, risk: n.risk }
  assert.equal(check.issues(doc), [])
})

test.run()
