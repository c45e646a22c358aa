import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { HttpCommand } from '../../types.ts'
import { normalizeHttp } from '../http.ts'
import { httpRisk, levelOf, riskOf } from './http.ts'

const base: HttpCommand = { method: 'GET', scheme: 'https', host: 'api.example.com', path: '/v1/items', query: {}, headers: {} }
const risk = (over: Partial<HttpCommand>) => httpRisk({ ...base, ...over })

test('levels: <25 low, <50 medium, <75 high, ≥75 critical', () => {
  assert.equal([0, 24, 25, 49, 50, 74, 75, 100].map(levelOf), ['low', 'low', 'medium', 'medium', 'high', 'high', 'critical', 'critical'])
})

test('riskOf clamps to 0–100', () => {
  assert.equal(riskOf(130, ['x']), { level: 'critical', score: 100, reasons: ['x'] })
  assert.equal(riskOf(-5, []).score, 0)
})

const table: Array<[string, Partial<HttpCommand>, number, string]> = [
  ['GET', { method: 'GET' }, 10, 'low'],
  ['HEAD', { method: 'HEAD' }, 10, 'low'],
  ['POST', { method: 'POST' }, 40, 'medium'],
  ['PUT', { method: 'PUT' }, 45, 'medium'],
  ['PATCH', { method: 'PATCH' }, 45, 'medium'],
  ['DELETE', { method: 'DELETE' }, 60, 'high'],
  ['unknown method', { method: 'PROPFIND' }, 55, 'high'],
  ['override to DELETE', { method: 'POST', headers: { 'x-http-method-override': 'delete' } }, 60, 'high'],
  ['override to GET does not lower', { method: 'DELETE', headers: { 'x-http-method-override': 'GET' } }, 60, 'high'],
  ['websocket upgrade', { method: 'GET', headers: { upgrade: 'websocket' } }, 40, 'medium'],
  ['body not inspected', { method: 'POST', body_error: 'invalid JSON body' }, 50, 'high'],
  ['admin path', { method: 'GET', path: '/admin/users' }, 25, 'medium'],
  ['admin path delete', { method: 'DELETE', path: '/actuator/shutdown' }, 75, 'critical'],
  ['not an admin path', { method: 'GET', path: '/administrators-guide' }, 10, 'low'],
]
for (const [name, over, score, level] of table) {
  test(`${name} ⇒ ${score} ${level}`, () => {
    const got = risk(over)
    assert.is(got.score, score)
    assert.is(got.level, level)
    assert.ok(got.reasons.length > 0)
  })
}

test('reasons explain the override and the body error', () => {
  const got = risk({ method: 'POST', headers: { 'x-http-method-override': 'DELETE' }, body_error: 'body too large' })
  assert.ok(got.reasons.some((r) => r.includes('x-http-method-override')))
  assert.ok(got.reasons.some((r) => r.includes('body too large')))
})

test('from a raw request end to end', () => {
  const got = httpRisk(normalizeHttp({ method: 'delete', url: 'https://x.test//admin/../admin/x' }))
  assert.is(got.score, 75)
})

test.run()
