import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Decision, MaskObligation } from '../types.ts'
import { compareDecisions } from './compare.ts'

const allow = (mask: MaskObligation[] = [], rule = 'warden.rules.info'): Decision => ({ effect: 'allow', reasons: [{ rule, message: 'ok' }], obligations: { mask } })
const deny = (...rules: string[]): Decision => ({ effect: 'deny', reasons: rules.map((rule) => ({ rule, message: 'no' })), obligations: { mask: [] } })
const approve = (approvers = ['dba'], scope: 'statement' | 'fingerprint' | 'session' | 'target' = 'statement', ttl = 3600, rule = 'warden.rules.sql', quorum: { min_approvals?: number; all_groups?: boolean; approver_sets?: string[][]; quorums?: Array<{ groups: string[]; min_approvals: number }> } = {}): Decision =>
  ({ effect: 'approve', reasons: [{ rule, message: 'needs a reviewer' }], obligations: { mask: [], approval: { approvers, scope, ttl_seconds: ttl, ...quorum } } })

test('equal decisions, or the same effect with other reasons, do not flip', () => {
  assert.equal(compareDecisions(deny('a'), deny('a')), [])
  assert.equal(compareDecisions(deny('a'), deny('b')), [])
  assert.equal(compareDecisions(allow([{ column: 'email', rule: 'm' }]), allow([{ column: 'email', rule: 'other' }])), [])
})

test('a stricter effect names the rules that now fire; it is not a relaxation', () => {
  assert.equal(compareDecisions(allow(), deny('warden.rules.sql.bulk', 'warden.rules.info')), [
    { change: 'allow→deny', relaxation: false, rules: ['warden.rules.sql.bulk'] },
  ])
  assert.equal(compareDecisions(allow(), approve())[0]?.change, 'allow→approve')
  assert.is(compareDecisions(approve(), deny('x'))[0]?.relaxation, false)
})

test('anything becoming allow, and deny→approve, are relaxations naming the rules that stopped firing', () => {
  assert.equal(compareDecisions(deny('warden.rules.sql.truncate', 'warden.rules.sql.drop'), deny('warden.rules.sql.drop')), [])
  assert.equal(compareDecisions(deny('warden.rules.sql.truncate'), allow()), [
    { change: 'deny→allow', relaxation: true, rules: ['warden.rules.sql.truncate'] },
  ])
  assert.equal(compareDecisions(approve(), allow())[0], { change: 'approve→allow', relaxation: true, rules: ['warden.rules.sql'] })
  assert.equal(compareDecisions(deny('warden.rules.sql'), approve(['dba'], 'statement', 3600, 'warden.rules.sql'))[0], { change: 'deny→approve', relaxation: true, rules: ['warden.rules.sql'] })
})

test('a lost mask relaxes; an added one does not; masks beside a deny are not compared', () => {
  const email = { column: 'email', rule: 'warden.rules.sql.pii' }
  assert.equal(compareDecisions(allow([email]), allow([])), [{ change: 'mask lost', relaxation: true, rules: ['warden.rules.sql.pii'], detail: 'column email' }])
  assert.equal(compareDecisions(allow([]), allow([email])), [{ change: 'mask added', relaxation: false, rules: ['warden.rules.sql.pii'], detail: 'column email' }])
  assert.equal(compareDecisions(allow([email]), deny('x')).map((f) => f.change), ['allow→deny'])
  assert.equal(compareDecisions(deny('x'), allow([email])).map((f) => f.change), ['deny→allow'])
})

test('a weaker strategy relaxes, a stronger one does not; several rules on one column apply the strongest', () => {
  const m = (strategy: MaskObligation['strategy'], rule = 'r'): MaskObligation => ({ column: 'card', strategy, rule })
  assert.equal(compareDecisions(allow([m('redact')]), allow([m('partial')])), [{ change: 'mask weakened', relaxation: true, rules: ['r'], detail: 'column card: redact → partial' }])
  assert.equal(compareDecisions(allow([m('hash')]), allow([m('null')]))[0]?.change, 'mask strengthened')
  // No strategy means redact.
  assert.equal(compareDecisions(allow([{ column: 'card', rule: 'r' }]), allow([m('redact')])), [])
  assert.equal(compareDecisions(allow([m('partial', 'a'), m('redact', 'b')]), allow([m('redact', 'b')])), [])
})

test('a detector mask is still applied when the `all` detector covers it', () => {
  const all = { detector: 'all', rule: 'content' }
  assert.equal(compareDecisions(allow([{ detector: 'email', rule: 'pii' }]), allow([all])), [
    { change: 'mask added', relaxation: false, rules: ['content'], detail: 'detector all' },
  ])
  assert.equal(compareDecisions(allow([all]), allow([{ detector: 'email', rule: 'pii' }]))[0]?.change, 'mask lost')
})

test('more approvers, a wider scope or a longer grant widen the approval; the opposite narrows it', () => {
  assert.equal(compareDecisions(approve(['dba']), approve(['dba', 'oncall'])), [
    { change: 'approval widened', relaxation: true, rules: ['warden.rules.sql'], detail: 'approvers + oncall' },
  ])
  assert.equal(compareDecisions(approve(['dba'], 'statement'), approve(['dba'], 'session'))[0]?.detail, 'scope statement → session')
  assert.equal(compareDecisions(approve(['dba'], 'statement', 60), approve(['dba'], 'statement', 30)), [
    { change: 'approval narrowed', relaxation: false, rules: ['warden.rules.sql'], detail: 'ttl 60 s → 30 s' },
  ])
  // A widening beside a narrowing still relaxes.
  assert.equal(compareDecisions(approve(['dba', 'sec']), approve(['dba', 'oncall']))[0], {
    change: 'approval widened', relaxation: true, rules: ['warden.rules.sql'], detail: 'approvers + oncall; approvers − sec',
  })
})

test('fewer approvals needed, or any group instead of every group, widens; a target grant is the widest scope', () => {
  const two = approve(['dba', 'sec'], 'statement', 3600, 'warden.rules.sql', { min_approvals: 2, all_groups: true })
  assert.equal(compareDecisions(two, approve(['dba', 'sec'])), [
    { change: 'approval widened', relaxation: true, rules: ['warden.rules.sql'], detail: 'approvals needed 2 → 1; one approver from every group → from any group' },
  ])
  assert.equal(compareDecisions(approve(['dba', 'sec']), two)[0]?.change, 'approval narrowed')
  assert.equal(compareDecisions(approve(['dba'], 'session'), approve(['dba'], 'target'))[0]?.detail, 'scope session → target')
})

test('a set of groups no longer needed, or now met by more groups, widens; one more set narrows', () => {
  const sets = (approver_sets: string[][]) => approve(['dba', 'sec', 'sre'], 'statement', 3600, 'warden.rules.sql', { approver_sets })
  assert.equal(compareDecisions(sets([['dba', 'sre'], ['sec']]), approve(['dba', 'sec', 'sre'])), [
    { change: 'approval widened', relaxation: true, rules: ['warden.rules.sql'], detail: 'approver sets dba or sre; sec → none' },
  ])
  assert.equal(compareDecisions(sets([['dba'], ['sec']]), sets([['dba', 'sre'], ['sec']]))[0]?.change, 'approval widened')
  assert.equal(compareDecisions(sets([['dba', 'sre']]), sets([['dba', 'sre'], ['sec']])), [
    { change: 'approval narrowed', relaxation: false, rules: ['warden.rules.sql'], detail: 'approver sets dba or sre → dba or sre; sec' },
  ])
})

test('a rule\'s own count dropped, lowered or met from more groups widens; a higher one, or from fewer groups, narrows', () => {
  const counts = (quorums: Array<{ groups: string[]; min_approvals: number }>) => approve(['dba', 'sec'], 'statement', 3600, 'warden.rules.sql', { min_approvals: 2, quorums })
  assert.equal(compareDecisions(counts([{ groups: ['dba'], min_approvals: 2 }, { groups: ['sec'], min_approvals: 2 }]), approve(['dba', 'sec'], 'statement', 3600, 'warden.rules.sql', { min_approvals: 2 })), [
    { change: 'approval widened', relaxation: true, rules: ['warden.rules.sql'], detail: 'counts by group 2 from dba; 2 from sec → none' },
  ])
  assert.equal(compareDecisions(counts([{ groups: ['dba'], min_approvals: 3 }]), counts([{ groups: ['dba'], min_approvals: 2 }]))[0]?.change, 'approval widened')
  assert.equal(compareDecisions(counts([{ groups: ['sec'], min_approvals: 2 }]), counts([{ groups: ['dba', 'sec'], min_approvals: 2 }]))[0]?.change, 'approval widened')
  assert.equal(compareDecisions(counts([{ groups: ['dba', 'sec'], min_approvals: 2 }]), counts([{ groups: ['sec'], min_approvals: 3 }]))[0]?.change, 'approval narrowed')
  assert.equal(compareDecisions(counts([{ groups: ['sec'], min_approvals: 2 }]), counts([{ groups: ['sec'], min_approvals: 2 }])), [])
})

test.run()
