import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { CancelRegistry } from './cancel.ts'

test('maps a gateway key back to its session and nothing else', () => {
  const reg = new CancelRegistry()
  let cancelled = 0
  const key = reg.issue({ cancel: () => cancelled++ })
  const other = reg.issue({ cancel: () => assert.unreachable('wrong session') })
  assert.is.not(key.processId, other.processId)
  assert.ok(reg.cancel({ processId: key.processId, secret: key.secret }))
  assert.is(cancelled, 1)
  assert.not.ok(reg.cancel({ processId: key.processId, secret: Buffer.from([0, 0, 0, 0]) }))
  assert.not.ok(reg.cancel({ processId: key.processId, secret: Buffer.alloc(8) }))
  assert.is(cancelled, 1)
})

test('a revoked key cancels nothing', () => {
  const reg = new CancelRegistry()
  const key = reg.issue({ cancel: () => assert.unreachable('revoked') })
  reg.revoke(key)
  assert.not.ok(reg.cancel({ processId: key.processId, secret: key.secret }))
  assert.is(reg.size(), 0)
})

test.run()
