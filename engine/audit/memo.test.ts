import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { StringMemo } from './memo.ts'

function counting() {
  const calls: string[] = []
  return { calls, compute: (k: string) => (calls.push(k), k.toUpperCase()) }
}

test('a repeated key is computed once', () => {
  const memo = new StringMemo(4, 100)
  const { calls, compute } = counting()
  assert.is(memo.get('a', compute), 'A')
  assert.is(memo.get('a', compute), 'A')
  assert.equal(calls, ['a'])
})

test('the least recently used entry is evicted at the bound', () => {
  const memo = new StringMemo(2, 100)
  const { calls, compute } = counting()
  memo.get('a', compute)
  memo.get('b', compute)
  memo.get('a', compute) // a is now the most recent
  memo.get('c', compute) // evicts b
  assert.is(memo.size, 2)
  memo.get('a', compute)
  memo.get('b', compute)
  assert.equal(calls, ['a', 'b', 'c', 'b'])
})

test('keys longer than the limit are computed every time and never stored', () => {
  const memo = new StringMemo(4, 3)
  const { calls, compute } = counting()
  memo.get('long', compute)
  memo.get('long', compute)
  assert.is(memo.size, 0)
  assert.equal(calls, ['long', 'long'])
})

test.run()
