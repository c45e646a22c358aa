import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { hideCredentials } from './response-credential.ts'
import { ValueSearch } from './value-search.ts'

const hide = (values: string[], text: string) => new ValueSearch(values).hide(text, '#')

test('every occurrence of every value, at the start, the end and in between; the longest value that starts somewhere', () => {
  assert.equal(hide(['hunter2-prod-xyz', 'hunter2-prod'], 'hunter2-prod-xyz a hunter2-prod b hunter2-prod-xyz'), { text: '# a # b #', hidden: 3 })
  assert.equal(hide(['abcdefgh'], 'abcdefgh'), { text: '#', hidden: 1 })
  assert.equal(hide(['abcdefgh'], 'abcdefg'), { text: 'abcdefg', hidden: 0 })
  assert.equal(hide(['short'], 'short short'), { text: 'short short', hidden: 0 }, 'values under 8 characters are never looked for')
  assert.equal(hide([], 'anything at all'), { text: 'anything at all', hidden: 0 })
})

test('overlapping or touching values are hidden as one stretch, leaving no piece of either', () => {
  assert.equal(hide(['abcdefgh-hunt', 'hunter2-prod-xyz'], 'x abcdefgh-hunter2-prod-xyz y'), { text: 'x # y', hidden: 1 })
  assert.equal(hide(['aaaaaaaa', 'bbbbbbbb'], 'aaaaaaaabbbbbbbb!'), { text: '#!', hidden: 1 })
})

test('hash collisions are compared, not trusted; non-ASCII text', () => {
  const values = Array.from({ length: 3000 }, (_, i) => `value-${i}-${'é'.repeat(i % 5)}-end`)
  const text = values.filter((_, i) => i % 7 === 0).join(' | ') + ' value-99999-end'
  const one = hide(values, text)
  const each = hideCredentials(text, [...values].sort((a, b) => b.length - a.length), '#')
  assert.is(one.text, each.text)
  assert.is(one.hidden, each.hidden)
  assert.match(one.text, 'value-99999-end')
})

test.run()
