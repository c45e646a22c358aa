import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { KeyedLru } from './keyed-lru.ts'

test('the least recently used entry goes first, by count and by summed key length', () => {
  const lru = new KeyedLru<number>(3, 10)
  lru.set('a', 1)
  lru.set('b', 2)
  lru.set('c', 3)
  assert.is(lru.get('a'), 1, 'a is now the most recently used')
  lru.set('d', 4)
  assert.is(lru.get('b'), undefined, 'b was the oldest')
  assert.equal([lru.get('a'), lru.get('c'), lru.get('d')], [1, 3, 4])
  lru.set('eeeeeee', 5)
  assert.is(lru.get('a'), undefined, 'three entries at most: a went')
  assert.equal([lru.get('c'), lru.get('d'), lru.get('eeeeeee')], [3, 4, 5])
  lru.set('ffff', 6)
  assert.equal([lru.size, lru.get('ffff')], [1, 6], 'ten characters of keys at most: all older keys went')
  lru.set('ffff', 7)
  lru.delete('ffff')
  assert.is(lru.size, 0)
})

test('peek reads an entry without making it the most recently used; onEvict hears of what set() pushes out', () => {
  const evicted: string[] = []
  const lru = new KeyedLru<number>(2, Infinity, (key, value) => evicted.push(`${key}=${value}`))
  lru.set('a', 1)
  lru.set('b', 2)
  assert.is(lru.peek('a'), 1)
  lru.set('c', 3)
  assert.equal(evicted, ['a=1'], 'a stayed the oldest')
  lru.delete('b')
  assert.equal(evicted, ['a=1'], 'delete is not an eviction')
})

test.run()
