import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseLabelSelector } from './label-selector.ts'

test('reads each requirement to its key, operator and values', () => {
  assert.equal(parseLabelSelector('app=web, tier == db,env!=prod'), [
    { key: 'app', op: '=', values: ['web'] },
    { key: 'tier', op: '==', values: ['db'] },
    { key: 'env', op: '!=', values: ['prod'] },
  ])
  assert.equal(parseLabelSelector('x in (a, b),y notin (c),z,!w,n>3,m<4'), [
    { key: 'x', op: 'in', values: ['a', 'b'] },
    { key: 'y', op: 'notin', values: ['c'] },
    { key: 'z', op: 'exists', values: [] },
    { key: 'w', op: '!', values: [] },
    { key: 'n', op: '>', values: ['3'] },
    { key: 'm', op: '<', values: ['4'] },
  ])
  assert.equal(parseLabelSelector('k=,l in ()'), [{ key: 'k', op: '=', values: [''] }, { key: 'l', op: 'in', values: [''] }])
  assert.equal(parseLabelSelector(''), [])
})

test('a selector that does not parse is undefined', () => {
  for (const s of ['app in (web', 'app in web', 'app=web,', '=web', '!', 'a b', 'a=(b)', 'a,,b']) assert.is(parseLabelSelector(s), undefined, s)
})

test.run()
