import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createMemoryApprovalStore } from '../../approvals/index.ts'
import { createMemoryAuditSink } from '../../audit/index.ts'
import { defaultConfig } from '../../config/defaults.ts'
import { prepareDecider } from '../../decide/index.ts'
import { compileRego } from '../../decide/test-bundle.ts'
import type { SessionState } from '../../gateway.ts'
import { createGatewayEngine } from '../../gateway-engine.ts'
import { createVerifier, generateDevKey } from '../../identity/index.ts'
import { loadSqlParsers } from '../index.ts'
import { normalizePostgres } from './postgres.ts'
import { olderServerRefusal } from './syntax-since.ts'

await loadSqlParsers()

const since = (sql: string) => normalizePostgres(sql).newer?.version

test('syntax PostgreSQL 15 reads otherwise is found, nested code included', () => {
  const cases: Array<[string, number]> = [
    ['SELECT system_user', 16],
    ['SELECT json_array(1)', 16],
    ["SELECT JSON_OBJECT('a' VALUE 1)", 16],
    ['SELECT x IS JSON FROM t', 16],
    ['SELECT json_arrayagg(x) FROM t', 16],
    ["SELECT json_value(x, '$') FROM t", 17],
    ["SELECT * FROM JSON_TABLE('[]', '$[*]' COLUMNS (a int PATH '$.a')) j", 17],
    ['SELECT JSON(x) FROM t', 17],
    ['SELECT merge_action()', 17],
    ['MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE RETURNING t.a', 17],
    ['UPDATE t SET a = 1 RETURNING WITH (OLD AS o) o.a', 18],
    ["DO $$ BEGIN PERFORM json_value('1', '$'); END $$", 17],
    ["DO $$ DECLARE v text := merge_action(); BEGIN END $$", 17],
    ["CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN system_user; END $$", 16],
    ["PREPARE p AS SELECT json_scalar(1); EXECUTE p", 17],
    ['SELECT 1; SELECT json_array(1); SELECT merge_action()', 17],
  ]
  for (const [sql, version] of cases) assert.is(since(sql), version, sql)
})

test('PostgreSQL 15 syntax is not flagged, words in names and strings included', () => {
  for (const sql of [
    "SELECT json_build_object('a', 1), json_object(ARRAY['a', 'b']), to_json(1), json_agg(x) FROM t",
    'SELECT current_user, session_user, "system_user" FROM t',
    "SELECT 'merge_action() system_user IS JSON' AS json, returning FROM jsonb_rows",
    'UPDATE t SET a = 1 RETURNING a, old_value',
    'MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE',
    "SELECT x::json, '1'::jsonb -> 'a' FROM t",
  ]) assert.is(since(sql), undefined, sql)
})

test('the refusal names the syntax and both versions; a server that has it, or an unknown one (eval), refuses nothing', () => {
  const newer = normalizePostgres('SELECT merge_action()').newer
  assert.match(olderServerRefusal(newer, 15)!, /uses merge_action\(\), syntax of PostgreSQL 17; the server runs PostgreSQL 15/)
  assert.match(olderServerRefusal(newer, 0)!, /the server runs PostgreSQL \(version not reported\)/)
  assert.is(olderServerRefusal(newer, 17), undefined)
  assert.is(olderServerRefusal(newer, undefined), undefined)
  assert.is(olderServerRefusal(undefined, 15), undefined)
})

test('the engine refuses it before the policy on an older server, also for texts the template cache instantiates', async () => {
  const config = defaultConfig()
  const target = { name: 'db', kind: 'postgres' as const, environment: 'production', labels: {}, upstream: { host: '127.0.0.1', port: 1, database: 'app', user: 'warden' } }
  config.targets = [target]
  const engine = await createGatewayEngine(config, {
    verifier: createVerifier(config.identity, { devPublicJwk: (await generateDevKey()).publicJwk }),
    approvals: createMemoryApprovalStore(),
    audit: createMemoryAuditSink(),
    decider: await prepareDecider(await compileRego({ 'p.rego': 'package warden\ndecision := {"effect": "allow", "reasons": [], "obligations": {"mask": []}}\n' }), { maxMemoryPages: 256 }),
  })
  const session: SessionState = { id: 's', started_at: new Date().toISOString(), identity: { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' }, target }
  const judge = (text: string, serverVersion?: number) => engine.judge({ kind: 'sql', session, text, serverVersion }).decision
  for (const n of [1, 2, 3]) {
    const d = judge(`SELECT merge_action() WHERE ${n} = ${n}`, 15)
    assert.is(d.effect, 'deny')
    assert.is(d.reasons[0]!.rule, 'warden.request_refused', d.reasons[0]!.message)
  }
  assert.is(judge('SELECT merge_action() WHERE 4 = 4', 17).effect, 'allow')
  assert.is(judge('SELECT merge_action() WHERE 5 = 5').effect, 'allow')
  assert.is(judge('SELECT json_build_array(1) WHERE 6 = 6', 15).effect, 'allow')
})

test.run()
