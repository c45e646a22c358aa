import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MaskError } from '../../../engine/obligations/errors.ts'
import { Contained } from './contained.ts'

const of = (values: string[]) => {
  const c = new Contained()
  for (const v of values) c.add(v)
  return c
}

test('a value is found wherever a text holds it: inside a word, at either end, whole; shorter values too', () => {
  const c = of(['user7@example.com', 'user77@example.com', 'prod-secret-token', 'ab'])
  assert.ok(c.in('mailto:xuser77@example.comx'))
  assert.ok(c.in('user7@example.com'))
  assert.ok(c.in('{"t":"prod-secret-token"}'))
  assert.ok(c.in('cab'))
  assert.not.ok(c.in('user8@example.com and prod-secret-toke'))
  assert.not.ok(of(['prod-secret-token']).in('prod-secret-toke'))
  assert.not.ok(of([]).in('anything'))
})

test('values too much alike to tell apart by a piece stop the scan with a MaskError, past a bound', () => {
  const c = of(Array.from({ length: 10_000 }, (_, i) => `${'a'.repeat(40 + i)}b`))
  assert.throws(() => c.in('a'.repeat(4000)), (err: unknown) => err instanceof MaskError && /too much alike/.test((err as Error).message))
})

test.run()
