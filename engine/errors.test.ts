import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { DecideError } from './decide/errors.ts'
import { CodedError } from './errors.ts'
import { MaskError } from './obligations/errors.ts'

test('a coded error carries its code, message, cause and its own class name', () => {
  const cause = new Error('underlying')
  const err = new DecideError('policy.eval_failed', 'evaluate policy: boom', { cause })
  assert.instance(err, CodedError)
  assert.instance(err, Error)
  assert.is(err.code, 'policy.eval_failed')
  assert.is(err.message, 'evaluate policy: boom')
  assert.is(err.cause, cause)
  assert.is(err.name, 'DecideError')
})

test('a fixed-code error supplies its own code', () => {
  const err = new MaskError('cannot mask column email')
  assert.is(err.code, 'mask.failed')
  assert.is(err.name, 'MaskError')
})

test.run()
