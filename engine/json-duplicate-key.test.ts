import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { duplicateKey, hasDuplicateKey } from './json-duplicate-key.ts'

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

test('the duplicate is named with the path of the object that holds it', () => {
  assert.equal(duplicateKey('{"sub":"a","sub":"admin"}'), { key: 'sub', path: [] })
  assert.equal(duplicateKey('{"a":1,"realm_access":{"roles":["x"],"r\\u006fles":["admin"]}}'), { key: 'roles', path: ['realm_access'] })
  assert.equal(duplicateKey('{"x":[1,{"y":[{},{"k":1,"k":2}]}]}'), { key: 'k', path: ['x', 1, 'y', 1] })
  assert.equal(duplicateKey('[{"a":1},[2,3],{"b":{"c":1,"c":1}}]'), { key: 'c', path: [2, 'b'] })
  assert.equal(duplicateKey('{"a":{"b":1},"c":{"d":1},"a":2}'), { key: 'a', path: [] })
  assert.is(duplicateKey('{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}'), undefined)
})

test.run()
