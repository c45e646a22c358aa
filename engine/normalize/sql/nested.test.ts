import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { SqlStatement } from '../../types.ts'
import { loadSqlParsers } from './parse.ts'
import { normalizePostgres } from './postgres.ts'
import { functionsOf, pg, shape, tablesOf } from './test-support.ts'

test.before(async () => {
  await loadSqlParsers()
})

const at = (statements: SqlStatement[], i: number): SqlStatement => statements[i] as SqlStatement

test('writable CTE: the select is not read-only and the DELETE is its own entry via cte', () => {
  const s = pg('WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d')
  assert.equal(shape(s), ['select', 'delete<-cte@0'])
  assert.is(at(s, 0).read_only, false)
  assert.is(at(s, 1).text, 'DELETE FROM t RETURNING *')
  assert.equal(tablesOf(at(s, 1)), ['t:write'])
  assert.is(at(s, 1).has_where, false)
})

test('writable CTE with column list and MATERIALIZED keeps the body text', () => {
  const s = pg('WITH x (id) AS MATERIALIZED (UPDATE accounts SET balance = 0 WHERE id = 1 RETURNING id) SELECT * FROM x')
  assert.equal(shape(s), ['select', 'update<-cte@0'])
  assert.is(at(s, 1).text, 'UPDATE accounts SET balance = 0 WHERE id = 1 RETURNING id')
  assert.is(at(s, 1).has_where, true)
})

test('read-only CTE bodies are not entries; their tables and functions roll into the parent', () => {
  const s = pg('WITH a AS (SELECT id, lower(name) FROM users) SELECT * FROM a JOIN orders o ON o.user_id = a.id')
  assert.equal(shape(s), ['select'])
  assert.is(at(s, 0).read_only, true)
  assert.equal(tablesOf(at(s, 0)), ['users:read', 'orders:read'])
  assert.equal(functionsOf(at(s, 0)), ['lower'])
})

test('writable CTE on INSERT and a CTE that locks rows', () => {
  const s = pg('WITH moved AS (DELETE FROM q RETURNING *) INSERT INTO archive SELECT * FROM moved')
  assert.equal(shape(s), ['insert', 'delete<-cte@0'])
  assert.equal(tablesOf(at(s, 0)), ['q:write', 'archive:write'])
  const locked = pg('WITH l AS (SELECT * FROM t FOR UPDATE) SELECT * FROM l')
  assert.equal(shape(locked), ['select'])
  assert.is(at(locked, 0).read_only, false)
})

test('EXPLAIN ANALYZE runs its statement: nested entry via explain', () => {
  const s = pg('EXPLAIN ANALYZE DELETE FROM users WHERE id = 1')
  assert.equal(shape(s), ['explain', 'delete<-explain@0'])
  assert.is(at(s, 0).detail.analyze, true)
  assert.is(at(s, 0).detail.statement_type, 'delete')
  assert.is(at(s, 0).read_only, false)
  assert.is(at(s, 1).text, 'DELETE FROM users WHERE id = 1')
})

test('EXPLAIN option lists: ANALYZE, ANALYZE true/on/1 run; ANALYZE false/off/0 do not', () => {
  for (const option of ['ANALYZE', 'ANALYSE', 'ANALYZE true', 'ANALYZE on', "ANALYZE 'on'", 'ANALYZE 1', 'ANALYZE, FORMAT JSON', 'FORMAT JSON, ANALYZE']) {
    const s = pg(`EXPLAIN (${option}) UPDATE t SET a = 1`)
    assert.equal(shape(s), ['explain', 'update<-explain@0'], option)
    assert.is(at(s, 1).text, 'UPDATE t SET a = 1', option)
  }
  for (const option of ['ANALYZE false', 'ANALYZE off', 'ANALYZE 0', 'FORMAT JSON']) {
    const s = pg(`EXPLAIN (${option}) UPDATE t SET a = 1`)
    assert.equal(shape(s), ['explain'], option)
    assert.is(at(s, 0).detail.analyze, false, option)
    assert.is(at(s, 0).read_only, true, option)
  }
  assert.equal(shape(pg('EXPLAIN ANALYZE VERBOSE DELETE FROM t')), ['explain', 'delete<-explain@0'])
  assert.equal(shape(pg('EXPLAIN ANALYSE DELETE FROM t')), ['explain', 'delete<-explain@0'])
  assert.is(at(pg('EXPLAIN /* c */ ANALYZE /* d */ DELETE FROM t'), 1).text, 'DELETE FROM t')
})

test('plain EXPLAIN does not execute: read-only, tables reported as read, no nested entry', () => {
  const s = pg('EXPLAIN WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d')
  assert.equal(shape(s), ['explain'])
  assert.is(at(s, 0).read_only, true)
  assert.is(at(s, 0).detail.statement_type, 'select')
  assert.equal(tablesOf(at(s, 0)), ['t:read'])
})

test('EXPLAIN ANALYZE of a read-only query is as read-only as the query', () => {
  const s = pg('EXPLAIN ANALYZE SELECT * FROM t')
  assert.equal(shape(s), ['explain', 'select<-explain@0'])
  assert.is(at(s, 0).read_only, true)
  const cte = pg('EXPLAIN ANALYZE WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d')
  assert.equal(shape(cte), ['explain', 'select<-explain@0', 'delete<-cte@1'])
  assert.is(at(cte, 0).read_only, false)
  assert.is(at(cte, 2).text, 'DELETE FROM t RETURNING *')
})

test('PREPARE: inner statement via prepare; prepare is as read-only as its query', () => {
  const s = pg('PREPARE p (int) AS DELETE FROM users WHERE id = $1')
  assert.equal(shape(s), ['prepare', 'delete<-prepare@0'])
  assert.is(at(s, 0).detail.name, 'p')
  assert.is(at(s, 0).read_only, false)
  assert.is(at(s, 1).text, 'DELETE FROM users WHERE id = $1')
  const read = pg('PREPARE q AS SELECT * FROM users WHERE id = $1')
  assert.is(at(read, 0).read_only, true)
})

test('EXECUTE resolves through the session prepared statements (unquoted names fold to lower case)', () => {
  const prepared = new Map([['p', 'DELETE FROM users WHERE id = $1'], ['r', 'SELECT 1']])
  const s = pg('EXECUTE P(1)', { prepared })
  assert.equal(shape(s), ['execute', 'delete<-execute@0'])
  assert.is(at(s, 0).detail.name, 'p')
  assert.is(at(s, 0).detail.resolved, true)
  assert.is(at(s, 0).read_only, false)
  assert.is(at(s, 1).text, 'DELETE FROM users WHERE id = $1')
  const read = pg('EXECUTE r', { prepared })
  assert.is(at(read, 0).read_only, true)
})

test('EXECUTE of a quoted name matches exactly; a protocol name recorded in another case still resolves', () => {
  const prepared = new Map([['Mixed', 'UPDATE t SET a = 1'], ['mixed', 'SELECT 1']])
  assert.equal(shape(pg('EXECUTE "Mixed"', { prepared })), ['execute', 'update<-execute@0'])
  assert.equal(shape(pg('EXECUTE mixed', { prepared })), ['execute', 'select<-execute@0'])
  assert.equal(shape(pg('EXECUTE upper_only', { prepared: new Map([['UPPER_ONLY', 'DELETE FROM t']]) })), ['execute', 'delete<-execute@0'])
})

test('EXECUTE reached through EXPLAIN ANALYZE or CREATE TABLE AS is resolved too', () => {
  const prepared = new Map([['p', 'DELETE FROM users WHERE id = $1']])
  assert.equal(shape(pg('EXPLAIN ANALYZE EXECUTE p(1)', { prepared })), ['explain', 'execute<-explain@0', 'delete<-execute@1'])
  const ctas = pg('CREATE TABLE x AS EXECUTE p', { prepared })
  assert.equal(shape(ctas), ['create_table_as', 'execute<-subquery@0', 'delete<-execute@1'])
  assert.is(at(ctas, 1).text, 'EXECUTE p')
})

test('unresolved EXECUTE: resolved false, not read-only, no nested entry', () => {
  const s = pg('EXECUTE nope')
  assert.equal(shape(s), ['execute'])
  assert.is(at(s, 0).detail.resolved, false)
  assert.is(at(s, 0).read_only, false)
})

test('PREPARE then EXECUTE in one string: both judged', () => {
  const s = pg('PREPARE p AS DELETE FROM t; EXECUTE p', { prepared: new Map([['p', 'DELETE FROM t']]) })
  assert.equal(shape(s), ['prepare', 'delete<-prepare@0', 'execute', 'delete<-execute@2'])
})

test('a prepared statement that fails to parse makes the whole command a parse error', () => {
  const { sql } = normalizePostgres('EXECUTE p', { prepared: new Map([['p', 'DELET FROM t']]) })
  assert.equal(sql.statements, [])
  assert.match(sql.parse_error ?? '', /^prepared statement p: syntax error at or near "DELET" at position 0/)
})

test('nesting deeper than the limit is refused as a parse error', () => {
  const prepared = new Map([['p', 'EXECUTE p']])
  const { sql } = normalizePostgres('EXECUTE p', { prepared })
  assert.equal(sql.statements, [])
  assert.match(sql.parse_error ?? '', /nested more than \d+ levels/)
})

test('an invalid PL/pgSQL body is a parse error', () => {
  const { sql } = normalizePostgres('DO $$ BEGIN DELETE FROM; END $$')
  assert.equal(sql.statements, [])
  assert.ok(sql.parse_error)
})

test('DO block: every statement inside is an entry via do; do is never read-only', () => {
  const s = pg('DO $$ BEGIN DELETE FROM users WHERE id = 1; PERFORM pg_sleep(1); END $$')
  assert.equal(shape(s), ['do', 'delete<-do@0', 'select<-do@0'])
  assert.equal(at(s, 0).detail, { language: 'plpgsql', dynamic_sql: false, opaque: false })
  assert.is(at(s, 0).read_only, false)
  assert.is(at(s, 1).text, 'DELETE FROM users WHERE id = 1')
  assert.equal(functionsOf(at(s, 2)), ['pg_sleep'])
})

test('DO with EXECUTE of a literal: dynamic_sql, and the literal statement is judged', () => {
  const s = pg("DO $$ BEGIN EXECUTE 'DROP TABLE users'; END $$")
  assert.equal(shape(s), ['do', 'drop<-do@0'])
  assert.is(at(s, 0).detail.dynamic_sql, true)
  assert.equal(tablesOf(at(s, 1)), ['users:write'])
})

test('DO with EXECUTE of a computed string: dynamic_sql, the expression functions are visible', () => {
  const s = pg("DO $$ DECLARE t text := 'users'; BEGIN EXECUTE format('DELETE FROM %I', t); END $$")
  assert.is(at(s, 0).detail.dynamic_sql, true)
  assert.ok(s.some((e) => e.functions.some((f) => f.name === 'format')))
})

test('DO: queries in loops, conditions, assignments, cursors and RETURN QUERY are found', () => {
  const body = `DO $$
    DECLARE r record; n int; c refcursor;
    BEGIN
      n := (SELECT count(*) FROM accounts);
      IF EXISTS (SELECT 1 FROM flags WHERE on_) THEN UPDATE t SET a = 1; END IF;
      FOR r IN SELECT * FROM src LOOP INSERT INTO dst VALUES (r.id); END LOOP;
      OPEN c FOR SELECT * FROM curs;
      BEGIN TRUNCATE logs; EXCEPTION WHEN others THEN NULL; END;
    END $$`
  const s = pg(body)
  const tables = s.flatMap(tablesOf)
  for (const t of ['accounts:read', 'flags:read', 't:write', 'src:read', 'dst:write', 'curs:read', 'logs:write']) assert.ok(tables.includes(t), t)
  assert.ok(s.slice(1).every((e) => e.nested?.via === 'do' && e.nested.parent_index === 0))
})

test('DO body containing the wrapper dollar tag still parses', () => {
  const s = pg("DO $x$ BEGIN PERFORM '$warden$'; DELETE FROM t; END $x$")
  assert.equal(shape(s), ['do', 'select<-do@0', 'delete<-do@0'])
  assert.equal(tablesOf(at(s, 2)), ['t:write'])
})

test('DO in another language is opaque', () => {
  const s = pg("DO LANGUAGE plpython3u 'import os; os.system(\"rm -rf /\")'")
  assert.equal(shape(s), ['do'])
  assert.equal(at(s, 0).detail, { language: 'plpython3u', dynamic_sql: false, opaque: true })
})

test('CREATE FUNCTION with a SQL body: statements via function_body', () => {
  const s = pg('CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ DELETE FROM t; SELECT 1 $$')
  assert.equal(shape(s), ['create_function', 'delete<-function_body@0', 'select<-function_body@0'])
  assert.is(at(s, 0).detail.language, 'sql')
  assert.is(at(s, 1).text, 'DELETE FROM t')
})

test('CREATE FUNCTION plpgsql, SECURITY DEFINER, dynamic SQL', () => {
  const s = pg(`CREATE OR REPLACE FUNCTION g(x text) RETURNS int SECURITY DEFINER AS $f$
    BEGIN UPDATE t SET a = 1; EXECUTE x; RETURN 1; END $f$ LANGUAGE plpgsql`)
  assert.equal(shape(s).slice(0, 2), ['create_function', 'update<-function_body@0'])
  assert.is(at(s, 0).detail.language, 'plpgsql')
  assert.is(at(s, 0).detail.security_definer, true)
  assert.is(at(s, 0).detail.replace, true)
  assert.is(at(s, 0).detail.dynamic_sql, true)
  assert.is(at(s, 0).read_only, false)
})

test('a trigger function: fields of NEW / OLD it hands on are judged, its whole row is flagged', () => {
  const fn = (body: string) => pg(`CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ ${body} $$`)
  // An expression that reads only a field of the row (no table, no function) is an entry of its own.
  for (const body of ['BEGIN NEW.label := NEW.password; RETURN NEW; END', 'DECLARE x text := OLD.password; BEGIN RETURN NEW; END']) {
    const s = fn(body)
    assert.equal(shape(s), ['create_function', 'select<-function_body@0'], body)
    assert.equal(at(s, 1).stored?.map((v) => [v.into, v.sources.map((src) => src.column)]), [['routine', ['password']]], body)
    assert.is(at(s, 0).detail.whole_trigger_row, undefined, body)
  }
  for (const body of ['BEGIN INSERT INTO stash(v) VALUES (NEW::text); RETURN NEW; END', 'DECLARE r text := to_jsonb(OLD)::text; BEGIN RETURN NEW; END',
    'BEGIN INSERT INTO stash SELECT (NEW).*; RETURN NEW; END', 'BEGIN PERFORM g(NEW.*); RETURN NEW; END']) {
    assert.is(fn(body)[0]?.detail.whole_trigger_row, true, body)
  }
  // Returning the row, naming its fields or comparing it with the other row is not a use of the whole row.
  for (const body of ['BEGIN IF NEW.label IS DISTINCT FROM OLD.label THEN NEW.label := lower(NEW.label); END IF; RETURN NEW; END',
    'BEGIN IF NEW IS NOT DISTINCT FROM OLD THEN RETURN NULL; END IF; RETURN NEW; END', 'BEGIN IF NEW <> OLD THEN NEW.label := lower(NEW.label); END IF; RETURN NEW; END']) {
    assert.is(fn(body)[0]?.detail.whole_trigger_row, undefined, body)
  }
  assert.is(fn('BEGIN IF NEW::text <> OLD::text THEN RETURN NULL; END IF; RETURN NEW; END')[0]?.detail.whole_trigger_row, true)
})

test('a trigger function reading its row under another name (an ALIAS, the function\'s label) uses its whole row', () => {
  const fn = (body: string) => pg(`CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS $$ ${body} $$`)
  for (const body of ['DECLARE n ALIAS FOR new; BEGIN n.label := n.password; RETURN n; END', 'DECLARE o ALIAS FOR OLD; BEGIN INSERT INTO stash(v) VALUES (o.password); RETURN NEW; END',
    'DECLARE a ALIAS FOR new; b ALIAS FOR a; BEGIN NEW.label := b.password; RETURN NEW; END', 'BEGIN NEW.label := tf.new.password; RETURN NEW; END',
    'BEGIN INSERT INTO stash(v) VALUES (tf.old.password); RETURN NEW; END', 'DECLARE r text := tf.new; BEGIN RETURN NEW; END']) {
    assert.is(fn(body)[0]?.detail.whole_trigger_row, true, body)
  }
  assert.is(fn('DECLARE n ALIAS FOR tg_op; BEGIN RETURN NEW; END')[0]?.detail.whole_trigger_row, undefined)
  const aliasParam = pg('CREATE FUNCTION g(text) RETURNS text LANGUAGE plpgsql AS $$ DECLARE v ALIAS FOR $1; BEGIN RETURN v; END $$')
  assert.is(aliasParam[0]?.detail.whole_trigger_row, undefined)
})

test('CREATE PROCEDURE plpgsql and SQL-standard bodies', () => {
  const proc = pg('CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN DELETE FROM t; COMMIT; END $$')
  assert.equal(shape(proc), ['create_function', 'delete<-function_body@0'])
  assert.is(at(proc, 0).detail.procedure, true)
  const atomic = pg('CREATE FUNCTION h() RETURNS int LANGUAGE sql BEGIN ATOMIC DELETE FROM t; SELECT 1; END')
  assert.equal(shape(atomic), ['create_function', 'delete<-function_body@0', 'select<-function_body@0'])
  assert.is(at(atomic, 1).text, 'DELETE FROM t')
  const ret = pg('CREATE FUNCTION k() RETURNS bigint RETURN (SELECT count(*) FROM t)')
  assert.equal(shape(ret), ['create_function', 'select<-function_body@0'])
  assert.equal(tablesOf(at(ret, 1)), ['t:read'])
})

test('CREATE FUNCTION in C is opaque', () => {
  const s = pg("CREATE FUNCTION c() RETURNS int AS 'evil', 'sym' LANGUAGE c")
  assert.equal(shape(s), ['create_function'])
  assert.is(at(s, 0).detail.opaque, true)
})

test('CREATE RULE actions via rule', () => {
  const s = pg('CREATE RULE r AS ON INSERT TO t DO INSTEAD (DELETE FROM u; UPDATE v SET a = 1)')
  assert.equal(shape(s), ['create', 'delete<-rule@0', 'update<-rule@0'])
  assert.is(at(s, 0).detail.object_kind, 'rule')
  assert.is(at(s, 2).text, 'UPDATE v SET a = 1')
  assert.equal(shape(pg('CREATE RULE r AS ON INSERT TO t DO ALSO NOTHING')), ['create'])
  assert.equal(shape(pg('CREATE RULE r AS ON UPDATE TO t WHERE (old.a > 1) DO ALSO INSERT INTO log VALUES (1)')), ['create', 'insert<-rule@0'])
})

test('COPY (writing query) TO: the query is an entry via subquery; a plain SELECT rolls into the copy', () => {
  const s = pg('COPY (DELETE FROM t RETURNING *) TO STDOUT')
  assert.equal(shape(s), ['copy', 'delete<-subquery@0'])
  assert.is(at(s, 1).text, 'DELETE FROM t RETURNING *')
  const read = pg('COPY (SELECT a FROM t) TO STDOUT')
  assert.equal(shape(read), ['copy'])
  assert.equal(tablesOf(at(read, 0)), ['t:read'])
})

test('nested entries of the second statement point at its own index', () => {
  const s = pg('SELECT 1; WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d; SELECT 2')
  assert.equal(shape(s), ['select', 'select', 'delete<-cte@1', 'select'])
})

test.run()
