// The text reports of `warden diff --corpus audit` and `warden audit diff-dry-run` quote what agents sent (a
// redacted statement keeps its identifiers, and a quoted identifier may hold any character): shown as escapes,
// so a statement cannot move the cursor, erase lines or reorder what the reviewer of a policy change reads.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { FlipGroup } from '../../engine/diff/group.ts'
import { formatDryRunReport } from '../commands/audit-diff-dry-run.ts'
import { formatGroup } from './format-text.ts'

const HOSTILE = 'SELECT 1 AS "\u001b[2K\u001b[1ATIGHTENS \u202eno relaxation\r"'
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

const group: FlipGroup = {
  change: 'deny→allow',
  relaxation: true,
  rules: ['warden.rules.sql'],
  target: 'prod-db',
  count: 1,
  acknowledged: 0,
  acknowledgements: [],
  example: { command: HOSTILE, identity: 'cursor', origin: 'audit #7', digest: 'd', detail: 'reason: \u001b[31mred' },
}

test('a flip group shows an agent-written example with its control and bidi characters escaped', () => {
  const text = formatGroup(group)
  assert.not.match(text, CONTROL)
  assert.match(text, '\\u{1b}[2K')
  assert.match(text, '\\u{202e}no relaxation')
  assert.is(text.split('\n').length, 4, 'one line each: heading, detail, example, origin')
})

test('the dry-run report shows an error example the same way', () => {
  const text = formatDryRunReport({
    requests: 1, agree: 0, differ: 0, relaxed: 0, tightened: 0, groups: [],
    errors: [{ error: 'policy error \u001b[2K', count: 1, example: { command: HOSTILE, origin: 'audit #7' } }],
  })
  assert.not.match(text, CONTROL)
  assert.match(text, '\\u{1b}[2K')
})

test.run()
