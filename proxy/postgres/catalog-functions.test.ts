import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ShadowingFunctions, UNVERIFIED_SCHEMA } from './catalog-functions.ts'

type Rows = (string | null)[][]

/** A lookup the test answers when it likes. */
function pending(): { query: () => Promise<Rows>; answer: (rows: Rows) => void } {
  let answer: (rows: Rows) => void = () => undefined
  const promise = new Promise<Rows>((resolve) => (answer = resolve))
  return { query: () => promise, answer }
}

test('a lookup begun before clear() (before the DDL that caused it committed) is not stored: no built-in is known until a new one answers', async () => {
  const f = new ShadowingFunctions(() => 5_000)
  await f.load(async () => [])
  assert.is(f.schemaOf('=', false), undefined)
  // A lookup is under way when an agent's CREATE OPERATOR public.= completes and the catalog is cleared.
  const stale = pending()
  const first = f.load(stale.query)
  f.clear()
  stale.answer([])
  await first
  assert.is(f.schemaOf('=', false), UNVERIFIED_SCHEMA, 'the rows from before the clear are not taken as the current list')
  assert.ok(f.due(), 'the next judgement waits for a lookup')
  // The next lookup starts afresh (it does not join the stale one) and sees the operator.
  const fresh = pending()
  const second = f.load(fresh.query)
  assert.is.not(second, first)
  fresh.answer([['public', '=', '2']])
  await second
  assert.is(f.schemaOf('=', false), 'public')
  assert.not.ok(f.due())
})

test('a stale lookup that fails after clear() does not count as a failure of the new list', async () => {
  let now = 0
  const f = new ShadowingFunctions(() => now)
  let fail: (e: Error) => void = () => undefined
  const first = f.load(() => new Promise<Rows>((_, reject) => (fail = reject)))
  f.clear()
  await f.load(async () => [['public', 'count', '2']])
  fail(new Error('connection lost'))
  await first.catch(() => undefined)
  now = 20_000
  assert.is(f.schemaOf('count', false), 'public')
})

test.run()
