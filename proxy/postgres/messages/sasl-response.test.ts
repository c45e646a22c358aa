import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { payloadOf } from '../testing/frames.ts'
import { decodeSaslResponse, encodeSaslResponse } from './sasl-response.ts'

test('round-trips', () => {
  const data = Buffer.from('c=biws,r=abc,p=xyz')
  assert.equal(decodeSaslResponse(payloadOf(encodeSaslResponse(data), 'p')), data)
})

test.run()
