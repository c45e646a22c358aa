import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { AcknowledgementError, indexAcknowledgements, parseAcknowledgements } from './acknowledge.ts'
import type { Flip } from './compare.ts'
import { createFlipCollector } from './group.ts'

const FILE = `# reviewed relaxations
acknowledged:
  - rule: warden.rules.sql.*
    change: deny->allow
    target: staging-*
    reason: staging may truncate (#12)
  - rule: warden.rules.pii
    change: mask lost
    digest: ${'a'.repeat(64)}
    reason: this report needs the raw column
`
const relax = (rules: string[], change: Flip['change'] = 'deny→allow'): Flip => ({ change, relaxation: true, rules })

test('entries parse with their file:line; -> is read as →', () => {
  const entries = parseAcknowledgements(FILE, 'policies/diff-acknowledged.yaml')
  assert.equal(entries.map((e) => [e.rule, e.change, e.target, e.location]), [
    ['warden.rules.sql.*', 'deny→allow', 'staging-*', 'policies/diff-acknowledged.yaml:3'],
    ['warden.rules.pii', 'mask lost', undefined, 'policies/diff-acknowledged.yaml:7'],
  ])
  assert.equal(parseAcknowledgements('', 'empty.yaml'), [])
})

test('a malformed file is refused with the file and what is wrong', () => {
  const refused = (text: string): string => {
    try {
      parseAcknowledgements(text, 'a.yaml')
    } catch (err) {
      assert.instance(err, AcknowledgementError)
      return (err as Error).message
    }
    assert.unreachable('accepted')
    return ''
  }
  assert.match(refused('acknowledged:\n  - rule: x\n'), /^a\.yaml: .*reason/)
  assert.match(refused('acknowledged:\n  - { rule: x, reason: y, change: allow->deny }\n'), /^a\.yaml: .*change/)
  assert.match(refused('acknowledged: [\n'), /^a\.yaml:\d+:\d+: invalid YAML/)
  assert.match(refused('acknowledged:\n  - { rule: x, reason: y, digest: abc }\n'), /digest/)
})

test('a relaxation is acknowledged when each of its rules is covered by an entry matching change, target and digest', () => {
  const index = indexAcknowledgements(parseAcknowledgements(FILE, 'f'))
  assert.is(index.match(relax(['warden.rules.sql.truncate']), 'staging-db', 'd').length, 1)
  assert.equal(index.match(relax(['warden.rules.sql.truncate']), 'prod-db', 'd'), [], 'another target')
  assert.equal(index.match(relax(['warden.rules.sql.truncate'], 'approve→allow'), 'staging-db', 'd'), [], 'another change')
  assert.equal(index.match(relax(['warden.rules.sql.truncate', 'warden.rules.other']), 'staging-db', 'd'), [], 'one rule is not covered')
  assert.equal(index.match({ change: 'allow→deny', relaxation: false, rules: ['warden.rules.sql.x'] }, 'staging-db', 'd'), [], 'a tightening needs no acknowledgement')
  assert.equal(index.match(relax(['warden.rules.pii'], 'mask lost'), 'prod-db', 'b'.repeat(64)), [], 'another command')
  assert.equal(index.unused().map((e) => e.rule), ['warden.rules.pii'])
  assert.is(index.match(relax(['warden.rules.pii'], 'mask lost'), 'prod-db', 'a'.repeat(64)).length, 1)
  assert.equal(index.unused(), [])
})

test('groups count inputs, keep the first example, and say whether every relaxation of an input is acknowledged', () => {
  const index = indexAcknowledgements(parseAcknowledgements(FILE, 'f'))
  const collector = createFlipCollector(index)
  const example = (origin: string) => ({ command: 'TRUNCATE t', origin, digest: 'd' })
  assert.equal(collector.add([relax(['warden.rules.sql.truncate'])], 'staging-db', example('first'), 3), { relaxed: true, acknowledged: true })
  assert.equal(collector.add([relax(['warden.rules.sql.truncate'])], 'prod-db', example('second')), { relaxed: true, acknowledged: false })
  assert.equal(collector.add([relax(['warden.rules.sql.truncate'])], 'staging-db', example('third')), { relaxed: true, acknowledged: true })
  assert.equal(collector.add([{ change: 'allow→deny', relaxation: false, rules: ['r'] }], 'prod-db', example('fourth')), { relaxed: false, acknowledged: false })
  const groups = collector.groups()
  // Unacknowledged relaxations first, then acknowledged ones, then tightenings.
  assert.equal(groups.map((g) => [g.change, g.target, g.count, g.acknowledged, g.example.origin]), [
    ['deny→allow', 'prod-db', 1, 0, 'second'],
    ['deny→allow', 'staging-db', 4, 4, 'first'],
    ['allow→deny', 'prod-db', 1, 0, 'fourth'],
  ])
  assert.equal(groups[1]!.acknowledgements, ['staging may truncate (#12) (f:3)'])
})

test('an input with several flips in one group (masks lost on several columns) counts once there', () => {
  const collector = createFlipCollector()
  const lost = (column: string): Flip => ({ change: 'mask lost', relaxation: true, rules: ['warden.rules.sql.pii'], detail: `column ${column}` })
  collector.add([lost('email'), lost('phone')], 'prod-db', { command: 'SELECT * FROM users', origin: 'a', digest: 'd' }, 2)
  collector.add([lost('email')], 'prod-db', { command: 'SELECT email FROM users', origin: 'b', digest: 'e' })
  assert.equal(collector.groups().map((g) => [g.count, g.example.detail]), [[3, 'column email']])
})

test.run()
