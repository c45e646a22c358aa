import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { deepFreeze } from '../deep-freeze.ts'
import { createPinoAuditSink } from './pino-sink.ts'
import { REDACTED, redactEvent } from './redact.ts'
import { sharedData } from './shared-data.ts'
import { loadAuditRedaction } from './sql.ts'

const TIME = '2025-01-01T00:00:00.000Z'
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const JWT = `${b64({ alg: 'RS256' })}.${b64({ sub: 'cursor' })}.c2ln`
const never = () => false

const command = () => ({ verb: 'list', namespace: 'prod', path: `/api/v1/pods?note=${JWT}`, labels: ['a', 'jane@example.com'], nested: { level: { deep: 'x' } } })

test('a frozen command part redacts exactly as a fresh copy of it, and the same result comes back the next time', () => {
  const frozen = deepFreeze(command())
  const first = redactEvent({ type: 'request', time: TIME, kubernetes: frozen })
  const again = redactEvent({ type: 'request', time: TIME, kubernetes: frozen })
  const fresh = redactEvent({ type: 'request', time: TIME, kubernetes: command() })
  assert.equal(first, fresh)
  assert.is((first.kubernetes as { path: string }).path, '/api/v1/pods?note=[jwt]')
  assert.ok(again.kubernetes === first.kubernetes, 'the shared part is redacted once')
  assert.ok(fresh.kubernetes !== first.kubernetes, 'an unfrozen part is redacted afresh')
  assert.ok(Object.isFrozen(first.kubernetes) && Object.isFrozen((first.kubernetes as { nested: object }).nested), 'a shared result cannot be changed by one reader')
})

test('only frozen plain data without cycles or rejected keys is shared', () => {
  assert.ok(sharedData(deepFreeze({ a: [1, { b: 'c' }] }), never))
  assert.not.ok(sharedData(Object.freeze({ a: { b: 'c' } }), never), 'a child that can still change')
  assert.not.ok(sharedData(deepFreeze({ at: new Date(0) }), never), 'a Date changes through setTime even when frozen')
  assert.not.ok(sharedData(deepFreeze({ err: new Error('x') }), never), 'an Error reads its name from a prototype')
  assert.not.ok(sharedData(Object.freeze(Object.defineProperty({}, 'v', { get: () => Math.random(), enumerable: true })), never), 'an accessor')
  const cyclic: Record<string, unknown> = { a: 1 }
  cyclic.self = { back: cyclic }
  assert.not.ok(sharedData(deepFreeze(cyclic), never), 'a cycle')
  assert.not.ok(sharedData(deepFreeze({ inner: { token: 't' } }), (k) => k === 'token'), 'a rejected key at any depth')
})

test('what a shared part can change with is still read each time: a Date inside, a secret key, a wider audit path', () => {
  const at = new Date(0)
  const withDate = deepFreeze({ at, verb: 'get' })
  assert.is((redactEvent({ type: 'request', time: TIME, c: withDate }).c as { at: string }).at, '1970-01-01T00:00:00.000Z')
  at.setTime(1000)
  assert.is((redactEvent({ type: 'request', time: TIME, c: withDate }).c as { at: string }).at, '1970-01-01T00:00:01.000Z')

  const part = deepFreeze({ verb: 'get', name: 'web-1' })
  assert.is((redactEvent({ type: 'request', time: TIME, c: part }).c as { name: string }).name, 'web-1')
  // An audit obligation's extra path names a value inside the part: it applies, shared or not.
  assert.is((redactEvent({ type: 'request', time: TIME, c: part }, ['c.name']).c as { name: string }).name, REDACTED)
  assert.is((redactEvent({ type: 'request', time: TIME, c: part }).c as { name: string }).name, 'web-1')
})

test('a frozen part with a secret-named key (null or not) still goes through the sink second layer', async () => {
  const written: string[] = []
  const sink = createPinoAuditSink({ write: (line: string) => void written.push(line) })
  const part = deepFreeze({ verb: 'get', password: null, headers: { authorization: 'Bearer x' } })
  sink.record({ type: 'request', time: TIME, part })
  sink.record({ type: 'request', time: TIME, part })
  await sink.flush()
  for (const line of written) {
    const event = JSON.parse(line)
    assert.is(event.redaction_failed, undefined)
    assert.equal(event.part, { verb: 'get', password: REDACTED, headers: { authorization: REDACTED } })
  }
})

test('a frozen SQL command redacted before the parser loads is redacted with the parser once it has', async () => {
  const sqlCommand = deepFreeze({ protocol: 'postgres', raw: `SELECT 1, 'a', x FROM "T" WHERE b = 2.5` })
  const before = redactEvent({ type: 'statement', time: TIME, command: sqlCommand }).command as { raw: string }
  await loadAuditRedaction()
  const after = redactEvent({ type: 'statement', time: TIME, command: sqlCommand }).command as { raw: string }
  const fresh = redactEvent({ type: 'statement', time: TIME, command: { ...sqlCommand } }).command as { raw: string }
  assert.is(after.raw, fresh.raw)
  // The scrubber alone (before) cannot tell a quoted identifier from a literal; the parser can.
  assert.is(before.raw, 'SELECT $1, $2, x FROM $3 WHERE b = $4')
  assert.is(after.raw, 'SELECT $1, $2, x FROM "T" WHERE b = $3')
})

test.run()
