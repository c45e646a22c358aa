import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { payloadOf } from '../testing/frames.ts'
import { decodeNoticeResponse, encodeNoticeResponse } from './notice-response.ts'

test('round-trips', () => {
  const n = { severity: 'NOTICE' as const, code: '00000', message: 'warden: held for approval apr_x' }
  assert.equal(decodeNoticeResponse(payloadOf(encodeNoticeResponse(n), 'N')), n)
})

test.run()
