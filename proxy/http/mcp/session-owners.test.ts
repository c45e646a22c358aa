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

test('one caller opening sessions without end forgets its own oldest, never another caller\'s', () => {
  const owners = createMcpSessionOwners(100, 3)
  owners.claim('docs', 'a1', 'alice')
  for (let i = 0; i < 1_000; i++) assert.ok(owners.claim('docs', `m${i}`, 'mallory'))
  assert.ok(owners.owns('docs', 'a1', 'alice'), 'alice keeps her session')
  assert.equal([997, 998, 999].map((i) => owners.owns('docs', `m${i}`, 'mallory')), [true, true, true])
  assert.is(owners.owns('docs', 'm996', 'mallory'), false, 'her oldest went first')
  // Long ids count by their length: a few long ones do not push anyone else out either.
  for (let i = 0; i < 50; i++) owners.claim('docs', `${'x'.repeat(700)}${i}`, 'mallory')
  assert.ok(owners.owns('docs', 'a1', 'alice'))
  // A forgotten session frees its place.
  owners.forget('docs', 'a1')
  assert.ok(owners.claim('docs', 'a2', 'alice'))
  assert.ok(owners.owns('docs', 'a2', 'alice'))
})

test('past a caller\'s bound its least recently used session goes first: a busy one outlives idle ones opened after it', () => {
  const owners = createMcpSessionOwners(100, 3)
  owners.claim('docs', 'busy', 'alice')
  owners.claim('docs', 'idle-1', 'alice')
  owners.claim('docs', 'idle-2', 'alice')
  assert.ok(owners.owns('docs', 'busy', 'alice'))
  owners.claim('docs', 'new', 'alice')
  assert.ok(owners.owns('docs', 'busy', 'alice'))
  assert.is(owners.owns('docs', 'idle-1', 'alice'), false)
})

test.run()
