import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { OwnedLru } from './owned-lru.ts'

test('an owner past its bound forgets its own least recently used entries, never another owner\'s', () => {
  const store = new OwnedLru<number>(10, 2, 100)
  store.set('v1', 'victim', 1)
  store.set('a1', 'attacker', 1)
  store.set('a2', 'attacker', 2)
  assert.ok(store.get('a1'))
  for (let i = 3; i < 50; i++) store.set(`a${i}`, 'attacker', i)
  assert.equal(store.get('v1'), { owner: 'victim', value: 1 })
  assert.is(store.get('a1'), undefined)
  assert.ok(store.get('a48') && store.get('a49'))
})

test('past the bound in all the least recently used entry goes, whoever holds it; keys count by length too', () => {
  const store = new OwnedLru<number>(2, 2, 100)
  store.set('e1', 'alice', 1)
  store.set('e2', 'bob', 2)
  store.get('e1')
  store.set('e3', 'carol', 3)
  assert.ok(store.get('e1'))
  assert.is(store.get('e2'), undefined)
  const long = new OwnedLru<number>(100, 100, 2)
  long.set('k'.repeat(150), 'alice', 1)
  long.set('x'.repeat(150), 'bob', 2)
  assert.is(long.has('k'.repeat(150)), false)
  long.delete('x'.repeat(150))
  assert.is(long.has('x'.repeat(150)), false)
})

test.run()
