import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mapArrayBinary, mapArrayText } from './array-values.ts'

const same = (e: string) => e

test('text arrays are read as array_out writes them and written back the same way', () => {
  for (const text of ['{}', '{a,b}', '{"a b","",NULL,"NULL","x\\\\y","q\\"r"}', '{{1,2},{3,4}}', '[0:1]={a,b}', '[1:1][2:3]={{x,y}}', '{"{\\"k\\": 1}"}']) {
    assert.is(mapArrayText(text, same), text, text)
  }
  assert.is(mapArrayText('{a,"b c",NULL}', (e) => e.toUpperCase()), '{A,"B C",NULL}')
  assert.is(mapArrayText('{a,b}', (e) => (e === 'a' ? null : `${e} {}`)), '{NULL,"b {}"}')
})

test('what is not a well-formed array text is not read', () => {
  for (const text of ['', 'a', '{a', '{"a}', '{a}b', '{a"b}', '[1:2]{a}', '{a,,b']) assert.is(mapArrayText(text, same), undefined, text)
})

test('binary arrays keep dimensions, bounds and NULLs; element bytes are replaced; malformed ones are not read', () => {
  const head = Buffer.alloc(20)
  head.writeInt32BE(1, 0)
  head.writeInt32BE(1, 4)
  head.writeInt32BE(25, 8)
  head.writeInt32BE(2, 12)
  head.writeInt32BE(1, 16)
  const el = (s: string) => Buffer.concat([Buffer.from([0, 0, 0, s.length]), Buffer.from(s)])
  const value = Buffer.concat([head, el('ab'), Buffer.from([0xff, 0xff, 0xff, 0xff])])
  assert.equal(mapArrayBinary(value, (b) => Buffer.from(b.toString().toUpperCase() + '!')), Buffer.concat([head, el('AB!'), Buffer.from([0xff, 0xff, 0xff, 0xff])]))
  assert.is(mapArrayBinary(value.subarray(0, value.length - 1), (b) => b), undefined)
  assert.is(mapArrayBinary(Buffer.concat([value, Buffer.from([0])]), (b) => b), undefined)
  const empty = Buffer.alloc(12)
  empty.writeInt32BE(25, 8)
  assert.equal(mapArrayBinary(empty, (b) => b), empty)
})

test.run()
