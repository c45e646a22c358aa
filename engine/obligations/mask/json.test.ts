import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MaskError } from '../errors.ts'
import { maskJson } from './json.ts'

const KEY = new Uint8Array(32).fill(3)

test('path rules mask the matched node, with * over keys and indexes', () => {
  const doc = { users: [{ name: 'a', ssn: '536-22-1234' }, { name: 'b', ssn: '536-22-1235' }], total: 2 }
  const out = maskJson(doc, [{ path: 'users.*.ssn' }], KEY)
  assert.equal(out, { doc: { users: [{ name: 'a', ssn: '[redacted]' }, { name: 'b', ssn: '[redacted]' }], total: 2 }, masked: 2 })
  assert.is(doc.users[0]?.ssn, '536-22-1234', 'input untouched')
})

test('a matched container masks every leaf; null replaces the node; $. prefix accepted', () => {
  const doc = { card: { number: '4242424242424242', exp: 1228, valid: true, note: null } }
  assert.equal(maskJson(doc, [{ path: '$.card', strategy: 'partial' }], KEY), {
    doc: { card: { number: '************4242', exp: '****', valid: '****', note: null } },
    masked: 3,
  })
  assert.equal(maskJson(doc, [{ path: 'card', strategy: 'null' }], KEY), { doc: { card: null }, masked: 1 })
})

test('column rules match object keys at any depth', () => {
  const doc = { data: { Email: 'x@example.com', nested: [{ email_address: 'y@example.com' }] } }
  const out = maskJson(doc, [{ column: 'email*', strategy: 'hash' }], KEY)
  assert.is(out.masked, 2)
  assert.match(JSON.stringify(out.doc), /"Email":"h:[0-9a-f]{16}".*"email_address":"h:[0-9a-f]{16}"/)
})

test('detectors scan string leaves and long numbers', () => {
  const doc = { msg: 'from jane@example.com', card: 4242424242424242, n: 7, tags: ['Bearer abcdef123456'] }
  assert.equal(maskJson(doc, [{ detector: 'all' }], KEY), {
    doc: { msg: 'from [email]', card: '[card]', n: 7, tags: ['Bearer [token]'] },
    masked: 3,
  })
})

test('no obligations: the document comes back equal with nothing masked', () => {
  const doc = { a: [1, 'x', null, { b: true }] }
  assert.equal(maskJson(doc, [], KEY), { doc, masked: 0 })
})

test('a __proto__ key stays a plain property', () => {
  const doc = JSON.parse('{"__proto__": {"email": "x@example.com"}}') as unknown
  const out = maskJson(doc, [{ column: 'email' }], KEY).doc as Record<string, unknown>
  assert.is(Object.getPrototypeOf(out), Object.prototype)
  assert.is(JSON.stringify(out), '{"__proto__":{"email":"[redacted]"}}')
})

test('cycles and bad obligations fail closed', () => {
  const cyclic: Record<string, unknown> = { a: 'x' }
  cyclic.self = cyclic
  const failed = (err: unknown) => err instanceof MaskError && err.code === 'mask.failed'
  assert.throws(() => maskJson(cyclic, [{ detector: 'email' }], KEY), failed)
  assert.throws(() => maskJson({ a: 'x' }, [{ path: 'a', strategy: 'hash' }], new Uint8Array(1)), failed)
  assert.throws(() => maskJson({}, [{ detector: 'nope' }], KEY), failed)
  let deep: unknown = 'x@example.com'
  for (let i = 0; i < 600; i++) deep = [deep]
  assert.throws(() => maskJson(deep, [{ detector: 'email' }], KEY), (err: unknown) => failed(err) && /nested deeper/.test((err as Error).message))
})

test.run()
