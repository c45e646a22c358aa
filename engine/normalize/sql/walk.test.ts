import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadSqlParsers } from './parse.ts'
import { columnsOf, functionsOf, one, pg, tablesOf } from './test-support.ts'

test.before(async () => {
  await loadSqlParsers()
})

test('qualified and quoted names keep schema and case as written', () => {
  const s = one('SELECT * FROM "public"."Users" u JOIN sales.orders ON true')
  assert.equal(s.tables, [
    { schema: 'public', name: 'Users', full_name: 'public.Users', access: 'read' },
    { schema: 'sales', name: 'orders', full_name: 'sales.orders', access: 'read' },
  ])
  assert.equal(tablesOf(one('SELECT * FROM USERS')), ['users:read'])
})

test('joins, subqueries and aliases resolve columns to their tables', () => {
  const s = one(`SELECT u.name, o.total, (SELECT max(p.amount) FROM payments p WHERE p.user_id = u.id)
    FROM public.users AS u JOIN orders o ON o.user_id = u.id
    WHERE u.id IN (SELECT user_id FROM banned) GROUP BY u.name, o.total ORDER BY 1`)
  assert.equal(tablesOf(s), ['public.users:read', 'orders:read', 'payments:read', 'banned:read'])
  const columns = columnsOf(s)
  for (const c of ['public.users.name:read', 'orders.total:read', 'payments.amount:read', 'payments.user_id:read', 'public.users.id:read', 'orders.user_id:read', 'banned.user_id:read']) {
    assert.ok(columns.includes(c), `${c} in ${columns.join(' ')}`)
  }
  assert.equal(functionsOf(s), ['max'])
})

test('unqualified columns resolve to the only table in scope, else null', () => {
  assert.equal(columnsOf(one('SELECT email FROM users WHERE id = 1')), ['users.email:read', 'users.id:read'])
  assert.equal(columnsOf(one('SELECT email FROM users, orders')), ['?.email:read'])
  assert.equal(columnsOf(one('SELECT users.email FROM users')), ['users.email:read'])
  assert.equal(columnsOf(one('SELECT s.users.email FROM s.users')), ['s.users.email:read'])
})

test('star expansions: * on the only table, t.* on t, * over a join has no table', () => {
  assert.equal(columnsOf(one('SELECT * FROM users')), ['users.*:read'])
  assert.equal(columnsOf(one('SELECT u.* FROM users u JOIN orders o ON true')), ['users.*:read'])
  assert.equal(columnsOf(one('SELECT * FROM users JOIN orders ON true')), ['?.*:read'])
})

test('CTE names referenced inside their WITH are not tables; a schema-qualified name is', () => {
  const s = one('WITH users AS (SELECT id FROM accounts) SELECT id FROM users, public.users pu')
  assert.equal(tablesOf(s), ['accounts:read', 'public.users:read'])
  const recursive = one('WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r')
  assert.equal(tablesOf(recursive), [])
  const later = one('WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a, b')
  assert.equal(tablesOf(later), ['b:read'], 'a CTE is not visible to an earlier CTE of a non-recursive WITH')
})

test('write targets: INSERT columns, UPDATE SET, DELETE rows; sources are read', () => {
  const insert = one('INSERT INTO audit (a, b) SELECT x, now() FROM src RETURNING id')
  assert.equal(tablesOf(insert), ['audit:write', 'src:read'])
  assert.equal(columnsOf(insert), ['audit.a:write', 'audit.b:write', 'src.x:read', 'audit.id:read'])
  assert.equal(functionsOf(insert), ['now'])
  assert.equal(columnsOf(one('INSERT INTO t VALUES (1)')), ['t.*:write'])
  const update = one('UPDATE accounts a SET balance = s.total FROM sums s WHERE s.id = a.id')
  assert.equal(tablesOf(update), ['accounts:write', 'sums:read'])
  assert.equal(columnsOf(update), ['accounts.balance:write', 'sums.total:read', 'sums.id:read', 'accounts.id:read'])
  const del = one('DELETE FROM sessions USING users WHERE users.id = sessions.user_id AND users.banned')
  assert.equal(tablesOf(del), ['sessions:write', 'users:read'])
  assert.ok(columnsOf(del).includes('sessions.*:write'))
})

test('INSERT … ON CONFLICT DO UPDATE: SET targets written, excluded resolves to the target', () => {
  const s = one('INSERT INTO t (id, a) VALUES (1, 2) ON CONFLICT (id) DO UPDATE SET a = excluded.a')
  assert.equal(columnsOf(s), ['t.id:write', 't.a:write', 't.a:read'])
})

test('MERGE: target written, source read, WHEN clauses columns', () => {
  const s = one('MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a WHEN NOT MATCHED THEN INSERT (id) VALUES (s.id)')
  assert.equal(tablesOf(s), ['t:write', 's:read'])
  assert.ok(columnsOf(s).includes('t.a:write'))
  assert.ok(columnsOf(s).includes('t.id:write'))
  assert.ok(columnsOf(s).includes('s.a:read'))
})

test('DDL and utility statements: the changed relation is written, references are read', () => {
  assert.equal(tablesOf(one('ALTER TABLE t ADD COLUMN c int REFERENCES o(id)')), ['t:write', 'o:read'])
  assert.equal(tablesOf(one('CREATE TABLE x AS SELECT * FROM s.y')), ['s.y:read', 'x:write'])
  assert.equal(tablesOf(one('SELECT a INTO new_t FROM t')), ['t:read', 'new_t:write'])
  assert.equal(tablesOf(one('CREATE VIEW v AS SELECT * FROM t')), ['v:write', 't:read'])
  assert.equal(tablesOf(one('CREATE INDEX i ON s.t (a)')), ['s.t:write'])
  assert.equal(tablesOf(one('DROP TABLE "public"."users", b')), ['public.users:write', 'b:write'])
  assert.equal(tablesOf(one('DROP SCHEMA s')), [])
  assert.equal(tablesOf(one('TRUNCATE a, s.b')), ['a:write', 's.b:write'])
  assert.equal(tablesOf(one('LOCK TABLE a IN SHARE MODE')), ['a:write'])
  assert.equal(tablesOf(one('GRANT SELECT ON public.users TO bob')), ['public.users:write'])
  assert.equal(tablesOf(one('VACUUM FULL public.t')), ['public.t:write'])
  assert.equal(tablesOf(one('ALTER TABLE t RENAME TO u')), ['t:write'])
})

test('COPY: FROM writes the table and its columns, TO reads them', () => {
  const from = one("COPY t (a, b) FROM '/tmp/x'")
  assert.equal(tablesOf(from), ['t:write'])
  assert.equal(columnsOf(from), ['t.a:write', 't.b:write'])
  const to = one('COPY users TO STDOUT')
  assert.equal(tablesOf(to), ['users:read'])
  assert.equal(columnsOf(to), ['users.*:read'])
})

test('functions: nested, qualified, in FROM, in WHERE, in defaults; names as PostgreSQL folds them', () => {
  assert.equal(functionsOf(one("SELECT Upper(lower(x)) FROM t WHERE pg_catalog.length(x) > my.f(1)")), ['upper', 'lower', 'pg_catalog.length', 'my.f'])
  assert.equal(functionsOf(one("SELECT * FROM pg_ls_dir('.')")), ['pg_ls_dir'])
  assert.equal(functionsOf(one("SELECT \"MyFunc\"()")), ['MyFunc'])
  assert.equal(functionsOf(one('CREATE TABLE t (id int DEFAULT nextval(\'s\'))')), ['nextval'])
  assert.equal(functionsOf(one('CALL s.p(f(1))')), ['s.p', 'f'])
  assert.equal(functionsOf(one("SELECT set_config('role', 'x', false)")), ['set_config'])
  assert.equal(one("SELECT pg_read_file('x')").functions, [{ schema: null, name: 'pg_read_file', full_name: 'pg_read_file' }])
})

test('SELECT INTO on a UNION branch: the new table is written', () => {
  assert.equal(tablesOf(one('SELECT id INTO leak FROM users UNION SELECT id FROM admins')), ['users:read', 'leak:write', 'admins:read'])
})

test('TABLESAMPLE: the sampling method is a function, qualified or not; its arguments are walked', () => {
  assert.equal(functionsOf(one('SELECT * FROM users TABLESAMPLE exfiltrate_sampler (10)')), ['exfiltrate_sampler'])
  assert.equal(one('SELECT * FROM users TABLESAMPLE evil.sampler (1)').functions, [{ schema: 'evil', name: 'sampler', full_name: 'evil.sampler' }])
  assert.equal(functionsOf(one('SELECT * FROM users TABLESAMPLE BERNOULLI (f(1)) REPEATABLE (g(2))')), ['bernoulli', 'f', 'g'])
  assert.equal(functionsOf(one('SELECT * FROM a JOIN b TABLESAMPLE SYSTEM (5) ON true')), ['system'])
  assert.equal(functionsOf(one('DELETE FROM t USING u TABLESAMPLE s.m (1) WHERE t.id = u.id')), ['s.m'])
  assert.equal(tablesOf(one('SELECT * FROM users TABLESAMPLE SYSTEM (5)')), ['users:read'])
})

test('built-in operators, written bare or as OPERATOR(pg_catalog.op), add no functions', () => {
  const builtins = [
    "SELECT a = 1, a <> 2, a != 3, a <= 4, -a, a || 'x', a ^ 2, |/ a, @ a, a # b, ~ a, a << 1 FROM t",
    "SELECT * FROM t WHERE a LIKE 'x' OR a ILIKE 'y' OR a NOT LIKE 'z' OR a ~* 'v' OR a !~ 'u'",
    "SELECT j -> 'a', j ->> 'b', j #> '{c}', j #>> '{d}', j @> '{}', j ? 'k', j ?| '{k}', j ?& '{k}', j #- '{k}', j @? '$.a', j @@ '$.a' FROM t",
    "SELECT r && s, r -|- s, r &< s, p <-> q, p ## q, p ?-| q, p @-@ q, ts @@ q, inet << n, inet >>= n, x ~= y, s ^@ 'a' FROM t",
    'SELECT a BETWEEN 1 AND 2, a NOT BETWEEN SYMMETRIC 1 AND 2, a IN (1, 2), a NOT IN (3), a IS DISTINCT FROM b, NULLIF(a, b) FROM t',
    'SELECT a = ANY (b), a < ALL (SELECT c FROM u), a IN (SELECT c FROM u), (a, b) = (SELECT 1, 2) FROM t',
    'SELECT 1 OPERATOR(pg_catalog.+) 2, 3 OPERATOR(+) 4 FROM t ORDER BY a USING <, b USING OPERATOR(pg_catalog.>)',
  ]
  for (const sql of builtins) assert.equal(functionsOf(one(sql)), [], sql)
})

test('custom and schema-qualified operators are listed as functions by symbol', () => {
  assert.equal(one('SELECT * FROM users WHERE id === 1').functions, [{ schema: null, name: '===', full_name: '===' }])
  assert.equal(one('SELECT 1 OPERATOR(evil.+) 2').functions, [{ schema: 'evil', name: '+', full_name: 'evil.+' }])
  assert.equal(functionsOf(one('SELECT 1 OPERATOR(public.=) 2')), ['public.='], 'a built-in symbol in another schema is not built in')
  assert.equal(functionsOf(one('SELECT ~~~ a, a === ANY (b), a <=> ALL (SELECT 1), a @~@ (SELECT 1) FROM t')), ['~~~', '===', '<=>', '@~@'])
  assert.equal(functionsOf(one('SELECT * FROM t ORDER BY a USING OPERATOR(evil.<)')), ['evil.<'])
  assert.equal(functionsOf(one('SELECT array_agg(a ORDER BY a USING ~<<) FROM t')), ['array_agg', '~<<'])
  assert.equal(functionsOf(one('UPDATE t SET a = b %% 2 WHERE c === d RETURNING e ==> f')), ['%%', '===', '==>'])
  assert.equal(functionsOf(one('SELECT f(a) === f(b) FROM t')), ['===', 'f'])
})

test('operators in plain EXPLAIN and DDL expressions are still listed', () => {
  assert.equal(functionsOf(pg('EXPLAIN SELECT 1 === 2')[0]!), ['==='])
  assert.equal(functionsOf(one('CREATE TABLE t (a int CHECK (a === 1))')), ['==='])
})

test('tables, columns and functions are deduplicated', () => {
  const s = one('SELECT a, a, f(a), f(a) FROM t JOIN t t2 ON true')
  assert.equal(tablesOf(s), ['t:read'])
  assert.equal(functionsOf(s), ['f'])
  assert.equal(columnsOf(s), ['?.a:read'])
})

test('UNION arms each see their own FROM', () => {
  assert.equal(columnsOf(one('SELECT a FROM t UNION SELECT b FROM u')), ['t.a:read', 'u.b:read'])
})

test.run()
