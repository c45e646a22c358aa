import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { payloadOf } from '../testing/frames.ts'
import { decodeCopyData, encodeCopyData } from './copy-data.ts'

test('round-trips', () => {
  const data = Buffer.from('1\tAda\n')
  assert.equal(decodeCopyData(payloadOf(encodeCopyData(data), 'd')), data)
})

test.run()
