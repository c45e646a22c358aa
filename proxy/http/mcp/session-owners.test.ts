import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createMcpSessionOwners } from './session-owners.ts'

test('a session id is its first claimant\'s, per server; unknown and forgotten ids are nobody\'s', () => {
  const owners = createMcpSessionOwners(2)
  assert.is(owners.owns('docs', 's1', 'alice'), false)
  assert.ok(owners.claim('docs', 's1', 'alice'))
  assert.ok(owners.claim('docs', 's1', 'alice'))
  assert.is(owners.claim('docs', 's1', 'bob'), false)
  assert.ok(owners.owns('docs', 's1', 'alice'))
  assert.is(owners.owns('docs', 's1', 'bob'), false)
  assert.is(owners.owns('other', 's1', 'alice'), false)
  owners.claim('docs', 's2', 'bob')
  owners.claim('docs', 's3', 'bob')
  assert.is(owners.owns('docs', 's1', 'alice'), false)
})

test('a forgotten session is nobody\'s', () => {
  const owners = createMcpSessionOwners()
  owners.claim('docs', 's1', 'alice')
  owners.forget('docs', 's1')
  assert.is(owners.owns('docs', 's1', 'alice'), false)
})

test.run()
