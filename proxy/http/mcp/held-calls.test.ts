import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createMcpHeldCalls } from './held-calls.ts'

test('a cancellation ends the hold of the request it names, in the same session and for the same caller only', () => {
  const calls = createMcpHeldCalls()
  const key = { server: 'docs', session: 's1', owner: 'iss\ncursor', id: 1 }
  const held = calls.hold(key)
  assert.not.ok(calls.cancel({ ...key, id: '1' }))
  assert.not.ok(calls.cancel({ ...key, session: 's2' }))
  assert.not.ok(calls.cancel({ ...key, owner: 'iss\nmallory' }))
  assert.not.ok(held.signal.aborted)
  assert.ok(calls.cancel(key))
  assert.is(held.signal.reason, 'cancel')
  held.release()
  assert.not.ok(calls.cancel(key))
})
test.run()
