import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { closest, editDistance } from './suggest.ts'

test('editDistance counts insertions, deletions and substitutions', () => {
  assert.is(editDistance('kitten', 'sitting'), 3)
  assert.is(editDistance('', 'abc'), 3)
  assert.is(editDistance('same', 'same'), 0)
})

test('closest finds typos, case and dash/underscore slips', () => {
  const keys = ['listeners', 'state_dir', 'identity', 'targets']
  assert.is(closest('lsiteners', keys), 'listeners')
  assert.is(closest('state-dir', keys), 'state_dir')
  assert.is(closest('Targets', keys), 'targets')
  assert.is(closest('target', keys), 'targets')
})

test('closest suggests nothing for unrelated names or a different first letter', () => {
  assert.is(closest('zzz', ['listeners', 'targets']), undefined)
  assert.is(closest('HS256', ['RS256', 'ES256']), undefined)
})

test.run()
