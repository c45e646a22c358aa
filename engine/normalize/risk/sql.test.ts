import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { RiskLevel } from '../../types.ts'
import { loadSqlParsers, normalizeMysql, normalizePostgres } from '../sql/index.ts'
import { riskLevel, sqlRisk } from './sql.ts'

test.before(async () => {
  await loadSqlParsers()
})

const risk = (text: string, prepared?: ReadonlyMap<string, string>) => sqlRisk(normalizePostgres(text, { prepared }).sql)

const CASES: Array<[sql: string, level: RiskLevel, score: number, reason?: string]> = [
  ['SELECT * FROM users', 'low', 10, 'read-only select'],
  ['SET search_path = public', 'low', 5, 'SET (session)'],
  ['BEGIN', 'low', 5],
  ['SHOW work_mem', 'low', 10],
  ['EXPLAIN SELECT 1', 'low', 10],
  ['COPY users TO STDOUT', 'low', 20, 'COPY TO client from users'],
  ['SELECT * FROM t FOR UPDATE', 'medium', 30],
  ['INSERT INTO t VALUES (1)', 'medium', 40, 'INSERT on t'],
  ['SELECT id INTO leak FROM users UNION SELECT id FROM admins', 'medium', 40, 'SELECT INTO on users, leak, admins'],
  ['VACUUM t', 'medium', 30],
  ['UPDATE users SET a = 1 WHERE id = 1', 'high', 50, 'update with WHERE on users'],
  ['CREATE TABLE t (a int)', 'high', 50],
  ['ALTER TABLE t ADD COLUMN b int', 'high', 70],
  ['EXECUTE nope', 'high', 70, 'EXECUTE of unknown prepared statement nope'],
  ['MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE', 'high', 60],
  ['DELETE FROM users', 'critical', 85, 'delete without WHERE on users'],
  ['UPDATE public.users SET a = 1', 'critical', 85, 'update without WHERE on public.users'],
  ['DROP TABLE public.users', 'critical', 90, 'DROP TABLE public.users'],
  ['TRUNCATE audit_log', 'critical', 90, 'TRUNCATE audit_log'],
  ['GRANT SELECT ON t TO bob', 'critical', 95, 'GRANT'],
  ['SET ROLE postgres', 'critical', 95, 'SET ROLE'],
  ['ALTER SYSTEM SET wal_level = minimal', 'critical', 95],
  ["COPY users TO PROGRAM 'curl x'", 'critical', 95, 'COPY TO PROGRAM "curl x"'],
  ["COPY t FROM '/etc/passwd'", 'critical', 95, 'COPY FROM server file "/etc/passwd"'],
  ['DO $$ BEGIN NULL; END $$', 'critical', 95, 'DO'],
  ['CREATE EXTENSION dblink', 'critical', 95],
  ["SELECT pg_read_file('/etc/passwd')", 'critical', 90, 'calls pg_read_file()'],
  ["SELECT set_config('role', 'x', false)", 'critical', 80, 'calls set_config()'],
  ['SECURITY LABEL ON TABLE t IS \'x\'', 'high', 60],
]

for (const [sql, level, score, reason] of CASES) {
  test(`risk ${sql} → ${level} ${score}`, () => {
    const r = risk(sql)
    assert.is(r.score, score)
    assert.is(r.level, level)
    if (reason !== undefined) assert.ok(r.reasons.includes(reason), `${reason} in ${JSON.stringify(r.reasons)}`)
  })
}

test('nested statements count: a DELETE hidden in a CTE, EXPLAIN ANALYZE or EXECUTE scores as a DELETE', () => {
  assert.is(risk('WITH d AS (DELETE FROM users RETURNING *) SELECT * FROM d').score, 85)
  assert.is(risk('EXPLAIN ANALYZE DELETE FROM users').score, 85)
  assert.is(risk('EXECUTE p', new Map([['p', 'DELETE FROM users']])).score, 85)
  assert.is(risk('EXPLAIN DELETE FROM users').score, 10)
})

test('each extra top-level statement adds 5, capped at 100', () => {
  const r = risk('SELECT 1; SELECT 2; DELETE FROM users')
  assert.is(r.score, 95)
  assert.ok(r.reasons.includes('3 statements in one request'))
  assert.is(risk('DROP TABLE a; DROP TABLE b; DROP TABLE c').score, 100)
  assert.is(risk('WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d').reasons.length, 1, 'nested entries are not extra statements')
})

test('parse error is critical 100; no statements is low 0', () => {
  assert.equal(risk('garbage'), { level: 'critical', score: 100, reasons: ['parse error: syntax error at or near "garbage" at position 0'] })
  assert.equal(risk(''), { level: 'low', score: 0, reasons: ['no statements'] })
})

test('mysql commands are scored the same way', () => {
  assert.is(sqlRisk(normalizeMysql('DELETE FROM users').sql).score, 85)
  assert.is(sqlRisk(normalizeMysql("SELECT LOAD_FILE('/etc/passwd')").sql).score, 90)
  assert.is(sqlRisk(normalizeMysql('SELECT 1').sql).level, 'low')
})

test('level thresholds', () => {
  assert.equal([0, 24, 25, 49, 50, 74, 75, 100].map(riskLevel), ['low', 'low', 'medium', 'medium', 'high', 'high', 'critical', 'critical'])
})

test.run()
