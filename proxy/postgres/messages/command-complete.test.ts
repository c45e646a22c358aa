import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { payloadOf } from '../testing/frames.ts'
import { decodeCommandComplete, encodeCommandComplete, rowCountOf } from './command-complete.ts'

test('round-trips', () => {
  assert.is(decodeCommandComplete(payloadOf(encodeCommandComplete('INSERT 0 3'), 'C')), 'INSERT 0 3')
})

test('reads row counts from tags', () => {
  assert.is(rowCountOf('SELECT 12'), 12)
  assert.is(rowCountOf('INSERT 0 3'), 3)
  assert.is(rowCountOf('PREPARE'), undefined)
})

test.run()
