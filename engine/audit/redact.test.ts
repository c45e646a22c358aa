import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MAX_REASONS, REDACTED, redactEvent } from './redact.ts'
import { loadAuditRedaction } from './sql.ts'
import type { AuditEvent } from './types.ts'

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const JWT = `${b64({ alg: 'RS256' })}.${b64({ sub: 'cursor' })}.c2ln`
const TIME = '2025-01-01T00:00:00.000Z'

test('values under secret-sounding keys are replaced at any depth', () => {
  const out = redactEvent({
    type: 'connection',
    time: TIME,
    password: 'hunter2',
    upstream: { Authorization: 'Basic x', headers: { cookie: 'sid=1', 'x-api-key': 'k' }, client_secret: 's', refresh_token: 't' },
    note: null,
    passwords: ['a'],
  })
  assert.equal(out, {
    type: 'connection',
    time: TIME,
    password: REDACTED,
    upstream: { Authorization: REDACTED, headers: { cookie: REDACTED, 'x-api-key': REDACTED }, client_secret: REDACTED, refresh_token: REDACTED },
    note: null,
    passwords: ['a'], // not a secret key name: left for the detectors
  })
})

test('a request URL keeps its query but not the values of parameters named like secrets (the normalizer redacts fewer)', () => {
  const url = 'GET https://api.example.com/v1/x?page=2&pass=A1&passphrase=B2&pwd=C3&private_key=D4&cookie=E5&auth=F6&code=G7&Session_Id=H8&q=ab#frag'
  const out = redactEvent({ type: 'request', time: TIME, url }).url as string
  for (const secret of ['A1', 'B2', 'C3', 'D4', 'E5', 'F6', 'G7', 'H8']) assert.not.match(out, secret)
  assert.match(out, /^GET https:\/\/api\.example\.com\/v1\/x\?page=2&pass=\[REDACTED\]&.*&Session_Id=\[REDACTED\]&q=ab#frag$/)
  assert.is(redactEvent({ type: 'request', time: TIME, url: 'GET https://h/p' }).url, 'GET https://h/p')
})

test('JWTs and detector hits are removed from free text; identity and bookkeeping fields stay', () => {
  const out = redactEvent({
    type: 'auth_failure',
    time: TIME,
    session_id: 's-1',
    reason: `bad token ${JWT} for jane@example.com, card 4242 4242 4242 4242`,
    identity: { sub: 'jane@example.com', email: 'jane@example.com', issuer: 'https://idp' },
  })
  assert.is(out.reason, 'bad token [jwt] for [email], card [card]')
  assert.equal(out.identity, { sub: 'jane@example.com', email: 'jane@example.com', issuer: 'https://idp' })
  assert.is(out.session_id, 's-1')
})

test('vendor API tokens in free text are removed (a tool\'s error message quoting the token it was given)', () => {
  const github = 'ghp_' + 'R8wY3cF5hJ1dG0sAeUiOoQnWbTyVzXrMkPjH'
  const out = redactEvent({ type: 'error', time: TIME, message: `401 from api.github.com for ${github}` })
  assert.is(out.message, '401 from api.github.com for [token]')
})

test('SQL is redacted where it appears: sql keys, a SQL command raw and its statements', async () => {
  await loadAuditRedaction()
  const event: AuditEvent = {
    type: 'statement',
    time: TIME,
    sql: "ALTER ROLE app PASSWORD 'hunter2'",
    input: {
      command: {
        protocol: 'postgres',
        raw: "SELECT * FROM users WHERE api = 'sk_live_x1'",
        digest: 'abc123',
        sql: { statements: [{ type: 'select', text: "SELECT * FROM users WHERE api = 'sk_live_x1'", tables: [{ name: 'users' }] }] },
      },
    },
  }
  const out = redactEvent(event) as unknown as { sql: string; input: { command: Record<string, any> } }
  assert.is(out.sql, 'ALTER ROLE app PASSWORD $1')
  assert.is(out.input.command.raw, 'SELECT * FROM users WHERE api = $1')
  assert.is(out.input.command.sql.statements[0].text, 'SELECT * FROM users WHERE api = $1')
  assert.is(out.input.command.sql.statements[0].type, 'select')
  assert.equal(out.input.command.sql.statements[0].tables, [{ name: 'users' }])
  assert.is(out.input.command.digest, 'abc123')
  assert.is((event.sql as string).includes('hunter2'), true, 'the event itself is not modified')
})

test('an HTTP command raw is not treated as SQL', () => {
  const out = redactEvent({ type: 'statement', time: TIME, command: { protocol: 'http', raw: 'GET /v1/items/42' } })
  assert.equal(out.command, { protocol: 'http', raw: 'GET /v1/items/42' })
})

test('extra paths from the audit obligation are replaced whole, with * wildcards', () => {
  const event: AuditEvent = { type: 'statement', time: TIME, input: { command: { http: { body: { ssn_list: [1, 2], keep: 'x' } } } }, rows: [{ n: 'a' }, { n: 'b' }] }
  const out = redactEvent(event, ['input.command.http.body.ssn_list', 'rows.*.n']) as Record<string, any>
  assert.equal(out.input.command.http.body, { ssn_list: REDACTED, keep: 'x' })
  assert.equal(out.rows, [{ n: REDACTED }, { n: REDACTED }])
})

test('errors, dates, binary, cycles and functions serialise safely', () => {
  const cyclic: Record<string, unknown> = { name: 'loop' }
  cyclic.self = cyclic
  const err = Object.assign(new Error(`verify ${JWT} failed`, { cause: new Error('inner') }), { code: 'identity.bad' })
  const out = redactEvent({ type: 'error', time: TIME, error: err, at: new Date(0), blob: new Uint8Array(3), cyclic, fn: () => 1 }) as Record<string, any>
  assert.equal(out.error, { name: 'Error', message: 'verify [jwt] failed', code: 'identity.bad', cause: { name: 'Error', message: 'inner' } })
  assert.is(out.at, '1970-01-01T00:00:00.000Z')
  assert.is(out.blob, '[binary 3 bytes]')
  assert.equal(out.cyclic, { name: 'loop', self: '[Circular]' })
  assert.is(out.fn, undefined)
})

test('a __proto__ key stays an own value, a shared object is not a cycle, and deep nesting is cut', () => {
  const parsed = JSON.parse(`{"type":"request","time":"${TIME}","body":{"__proto__":{"token":"t0k","note":"${JWT}"}}}`)
  const out = redactEvent(parsed) as Record<string, any>
  assert.ok(Object.hasOwn(out.body, '__proto__'), '__proto__ is an own property of the copy')
  assert.is(Object.getPrototypeOf(out.body), Object.prototype, 'the copy keeps the plain prototype')
  assert.is(JSON.stringify(out.body), '{"__proto__":{"token":"[REDACTED]","note":"[jwt]"}}')
  const shared = { sub: 'a' }
  assert.equal((redactEvent({ type: 'error', time: TIME, a: shared, b: [shared, shared] }) as Record<string, any>).b, [{ sub: 'a' }, { sub: 'a' }])
  let deep: Record<string, unknown> = { leaf: 1 }
  for (let i = 0; i < 70; i++) deep = { d: deep }
  const cut = JSON.stringify(redactEvent({ type: 'error', time: TIME, deep }))
  assert.ok(cut.includes('"[Truncated]"') && !cut.includes('leaf'), 'nesting past the limit is cut')
})

test(`an event keeps the first ${MAX_REASONS} reasons, wherever they sit, and says how many more there were`, () => {
  const reasons = Array.from({ length: 1400 }, (_, i) => ({ rule: 'warden.rules.sql.lineage', message: `result column c${i} comes from a source Warden cannot trace` }))
  const out = redactEvent({ type: 'statement', time: TIME, decision: 'deny', reasons, dry_run: { reasons } }) as unknown as { reasons: Array<{ message: string }>; dry_run: { reasons: unknown[] } }
  assert.is(out.reasons.length, MAX_REASONS + 1)
  assert.is(out.reasons[MAX_REASONS - 1]!.message, reasons[MAX_REASONS - 1]!.message)
  assert.is(out.reasons[MAX_REASONS]!.message, `${1400 - MAX_REASONS} more reasons not recorded (an event keeps ${MAX_REASONS}: the first of each rule, then the first others)`)
  assert.is(out.dry_run.reasons.length, MAX_REASONS + 1)
  assert.ok(JSON.stringify(out).length < 20_000)
  const few = redactEvent({ type: 'statement', time: TIME, reasons: reasons.slice(0, MAX_REASONS) }) as unknown as { reasons: unknown[] }
  assert.is(few.reasons.length, MAX_REASONS)
})

test('past the bound an event keeps the first reason of each rule, however many reasons of another rule come before it', () => {
  const noise = Array.from({ length: 200 }, (_, i) => ({ rule: 'warden.rules.sql.lineage', message: `a result column c${i} comes from a source Warden cannot trace` }))
  const reasons = [...noise, { rule: 'warden.rules.sql.ddl', message: 'DROP TABLE users drops a table' }, { rule: 'warden.rules.sql.ddl', message: 'second of its rule' }]
  const out = redactEvent({ type: 'statement', time: TIME, decision: 'deny', reasons }) as unknown as { reasons: Array<{ rule: string; message: string }> }
  assert.is(out.reasons.length, MAX_REASONS + 1)
  assert.is(out.reasons[0]!.message, noise[0]!.message, 'in their order')
  assert.is(out.reasons[MAX_REASONS - 1]!.message, 'DROP TABLE users drops a table')
  assert.is(out.reasons.filter((r) => r.rule === 'warden.rules.sql.ddl').length, 1)
  assert.is(out.reasons[MAX_REASONS]!.rule, 'warden.audit.reasons')
})

test.run()
