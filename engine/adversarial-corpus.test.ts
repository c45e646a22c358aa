import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { CorpusError, describeJudgement, parseCorpus } from './adversarial-corpus.ts'
import type { Decision, InputDocument, SqlStatement } from './types.ts'

function rejects(text: string, pattern: RegExp): void {
  try {
    parseCorpus(text, 'c.yaml')
  } catch (err) {
    assert.instance(err, CorpusError)
    assert.is((err as CorpusError).code, 'corpus.invalid')
    assert.match((err as Error).message, pattern)
    return
  }
  assert.unreachable(`accepted ${JSON.stringify(text)}`)
}

test('parses entries with and without a prepared map', () => {
  const entries = parseCorpus('- why: a\n  sql: SELECT 1\n- why: b\n  sql: EXECUTE p\n  prepared: { p: DELETE FROM t }\n', 'c.yaml')
  assert.equal(entries, [{ sql: 'SELECT 1', why: 'a' }, { sql: 'EXECUTE p', why: 'b', prepared: { p: 'DELETE FROM t' } }])
})

test('rejects invalid YAML with its position', () => rejects('- why: [a\n', /^c\.yaml:\d+:\d+: invalid YAML/))
test('rejects a corpus that is not a list', () => rejects('why: a\nsql: b\n', /must be a YAML list/))
test('rejects an entry without sql text', () => rejects('- why: a\n  sql: 1\n', /entry 1: sql must be a string/))
test('rejects an entry without a why', () => rejects('- sql: SELECT 1\n', /entry 1: why must be a non-empty string/))
test('rejects unknown keys', () => rejects('- why: a\n  sql: x\n  want: deny\n', /unknown keys want/))
test('rejects a prepared value that is not text', () => rejects('- why: a\n  sql: x\n  prepared: { p: [1] }\n', /prepared must map/))
test('rejects a duplicate why', () => rejects('- why: a\n  sql: x\n- why: a\n  sql: y\n', /entry 2: duplicate why "a"/))

const statement: SqlStatement = {
  type: 'delete', node: 'DeleteStmt', text: 'DELETE FROM t', read_only: false, has_where: false, detail: {},
  tables: [{ schema: null, name: 't', full_name: 't', access: 'write' }], columns: [],
  functions: [{ schema: 'pg_catalog', name: 'now', full_name: 'pg_catalog.now' }],
  nested: { via: 'cte', parent_index: 0 },
}

function input(sql: InputDocument['command']['sql']): InputDocument {
  return {
    identity: { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' },
    session: { id: 's', started_at: '2026-01-01T00:00:00Z', grants: [] },
    target: { name: 'prod-db', kind: 'postgres', environment: 'production', labels: {} },
    command: { protocol: 'postgres', raw: '', digest: '', fingerprint: '', sql },
    risk: { level: 'high', score: 70, reasons: ['write'] },
  }
}

const deny: Decision = { effect: 'deny', reasons: [{ rule: 'r.x', message: 'no' }], obligations: { mask: [] } }

test('describes the decision and each statement', () => {
  const text = describeJudgement(input({ dialect: 'postgres', statements: [statement] }), deny)
  assert.match(text, 'effect deny')
  assert.match(text, 'reason r.x: no')
  assert.match(text, 'risk high (write)')
  assert.match(text, '[0] delete (DeleteStmt) read_only=false nested via cte in 0 functions=[pg_catalog.now] tables=[t:write]')
})

test('describes a parse error', () => {
  const text = describeJudgement(input({ dialect: 'postgres', statements: [], parse_error: 'syntax error at end of input' }), deny)
  assert.match(text, 'parse_error: syntax error at end of input')
  assert.match(text, 'no statements')
})

test.run()
