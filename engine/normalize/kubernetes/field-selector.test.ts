import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { exactFieldMatch, parseFieldSelector } from './field-selector.ts'

const cases: Array<[string, string | undefined]> = [
  ['metadata.name=db', 'db'],
  ['metadata.name==db', 'db'],
  ['metadata.name!=db', undefined],
  ['status.phase=Running,metadata.name=db', 'db'],
  ['metadata.name=a\\,b', 'a,b'],
  ['metadata.name=a\\=b', 'a=b'],
  ['metadata.name=a\\\\b', 'a\\b'],
  ['metadata.name=a\\xb', undefined], // invalid escape: the selector does not parse
  ['metadata.name=db\\', undefined], // dangling escape
  ['metadata.name', undefined], // no operator
  [' metadata.name=db', undefined], // the field is not trimmed
  ['metadata.name=', ''],
  ['metadata.name=b,metadata.name=a', 'a'], // terms are sorted before the first match is taken
  ['', undefined],
]

for (const [selector, want] of cases) {
  test(`exactFieldMatch(${JSON.stringify(selector)}) = ${JSON.stringify(want)}`, () => {
    assert.is(exactFieldMatch(selector, 'metadata.name'), want)
  })
}

test('parseFieldSelector splits on unescaped commas and keeps operators', () => {
  assert.equal(parseFieldSelector('b!=2,a=1'), [
    { field: 'a', op: '=', value: '1' },
    { field: 'b', op: '!=', value: '2' },
  ])
  assert.equal(parseFieldSelector(','), [])
  assert.is(parseFieldSelector('novalue'), undefined)
})

test.run()
