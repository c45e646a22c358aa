import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Decision } from '../types.ts'
import { SchemaError, validator } from './validate.ts'

const decision = validator<Decision>('decision')
const ok: Decision = { effect: 'allow', reasons: [], obligations: { mask: [{ column: 'email' }] } }
const messages = (value: unknown) => decision.issues(value).map((i) => `${i.path}: ${i.message}`)

test('a valid document passes check, assert and issues', () => {
  assert.ok(decision.check(ok))
  assert.is(decision.assert(ok, 'decision'), ok)
  assert.equal(decision.issues(ok), [])
})

test('type errors name the field, the expected type and the value found', () => {
  assert.equal(messages({ ...ok, reasons: [{ rule: 'r', message: 5 }] }), ['reasons[0].message: must be string, got 5'])
})

test('enum errors list the allowed values and suggest a close one', () => {
  assert.equal(messages({ ...ok, effect: 'alow' }), ['effect: must be one of "allow", "deny", "approve", got "alow" (did you mean "allow"?)'])
})

test('unknown keys are named, with a suggestion when one is close and the allowed keys otherwise', () => {
  assert.equal(messages({ ...ok, reason: [] }), ['reason: unknown field "reason" (did you mean "reasons"?)'])
  assert.equal(messages({ ...ok, obligations: { mask: [], zzz: 1 } }), ['obligations.zzz: unknown field "zzz"; allowed fields: mask, approval, audit'])
})

test('missing required keys are named', () => {
  assert.equal(messages({ effect: 'allow', reasons: [] }), ['obligations: missing required field "obligations"'])
})

test('a failed oneOf gives one summary instead of every branch error; if/then reports only the then part', () => {
  assert.equal(messages({ ...ok, obligations: { mask: [{ column: 'a', path: 'b' }] } }), ['obligations.mask[0]: must have exactly one of the fields "column", "detector", "path", "source"'])
  assert.equal(messages({ effect: 'approve', reasons: [{ rule: 'r', message: 'm' }], obligations: { mask: [] } }), ['obligations.approval: missing required field "approval"'])
})

test('assert throws SchemaError with code schema.invalid, every issue, and the document named', () => {
  try {
    decision.assert({ effect: 'maybe', reasons: 'none' }, 'policy decision')
    assert.unreachable('no error')
  } catch (err) {
    assert.instance(err, SchemaError)
    const e = err as SchemaError
    assert.is(e.code, 'schema.invalid')
    assert.is(e.issues.length, 3)
    assert.match(e.message, /^policy decision is invalid \(3 issues\)/)
    assert.match(e.message, 'effect: must be one of')
    assert.match(e.message, 'reasons: must be array, got "none"')
    assert.match(e.message, 'obligations: missing required field')
  }
})

test('every named schema compiles and validates: input, config, fixtures', () => {
  assert.not.ok(validator('input').check({}))
  assert.ok(validator('input').issues({}).some((i) => i.path === 'identity'))
  assert.not.ok(validator('config').check({ targets: [] }))
  assert.ok(validator('fixtures').check({ cases: [{ note: 'n', input: {}, want: { effect: 'deny' } }] }))
  const both = validator('fixtures').issues({ cases: [{ note: 'n', sql: 'x', input: {}, want: { effect: 'deny' } }] })
  assert.equal(both.map((i) => `${i.path}: ${i.message}`), ['cases[0]: must have exactly one of the fields "sql", "http", "kubernetes", "mcp", "input"'])
})

test('paths quote keys that are not identifiers and index arrays', () => {
  const issues = validator('input').issues({
    identity: { sub: 's', issuer: 'i', groups: [], kind: 'agent' },
    session: { id: 's', started_at: '2026-01-01T00:00:00Z', grants: [] },
    target: { name: 't', kind: 'postgres', environment: 'p', labels: { 'team name': 5 } },
    command: { protocol: 'postgres', raw: '', digest: '', fingerprint: '' },
    risk: { level: 'low', score: 0, reasons: [] },
  })
  assert.equal(issues.map((i) => i.path), ['target.labels["team name"]'])
  assert.equal(issues[0]!.segments, ['target', 'labels', 'team name'])
})

test('formats are checked', () => {
  const issues = validator('input').issues({ session: { id: 's', started_at: 'yesterday', grants: [] } })
  assert.ok(issues.some((i) => i.path === 'session.started_at' && i.message === 'must be a valid date-time, got "yesterday"'))
})

test.run()
