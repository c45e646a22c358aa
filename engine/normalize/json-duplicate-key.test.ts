import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { hasDuplicateKey } from './json-duplicate-key.ts'

test('a key twice in one object, at any depth and however it is escaped, is found', () => {
  for (const text of [
    '{"a":1,"a":2}',
    '{"spec":{"hostPID":true,"containers":[]},"spec":{"containers":[]}}',
    '[{"x":{"b":1,"c":{"d":[1,{"e":1,"e":2}]}}}]',
    '{"a":1,"\\u0061":2}',
    '{"q\\"k":1, "q\\"k" : 2}',
  ]) assert.ok(hasDuplicateKey(text), text)
})

test('the same key in different objects, keys equal to values, and strings holding brackets are not duplicates', () => {
  for (const text of [
    '{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}',
    '{"a":"a","b":["a","a"],"c":"{\\"a\\":1,\\"a\\":2}"}',
    '{"a":"[{,","b":"}]","c":{}}',
    '{"A":1,"a":2}',
    '[]', '{}', '"x"', '1', 'null', '{"":1,"x":{"":2}}',
  ]) assert.not.ok(hasDuplicateKey(text), text)
})

test.run()
