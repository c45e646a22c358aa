import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadSqlParsers } from './parse.ts'
import { normalizeMysql } from './mysql.ts'
import { pg } from './test-support.ts'
import type { CatalogRelation, SqlContext } from './builder.ts'

await loadSqlParsers()

function hasWhere(sql: string, ctx?: SqlContext): boolean {
  const s = pg(sql, ctx)
  const write = s.find((x) => x.type === 'update' || x.type === 'delete')
  assert.ok(write, `no update or delete in ${sql}`)
  return write!.has_where
}

test('a WHERE clause that picks rows by given values bounds an update or delete', () => {
  for (const sql of [
    'DELETE FROM users WHERE id = 1',
    'DELETE FROM public.users WHERE public.users.id = 1',
    'DELETE FROM users u WHERE u.id = 1',
    'DELETE FROM users WHERE id = $1',
    'DELETE FROM users WHERE id = ANY($1)',
    "DELETE FROM users WHERE id = ANY('{1,2}'::int[])",
    'DELETE FROM users WHERE id IN (5, 6)',
    'DELETE FROM users WHERE id = 1 OR id = 2',
    'DELETE FROM users WHERE 5 = id AND id > 0',
    "DELETE FROM users WHERE lower(name) = 'x'",
    "DELETE FROM users WHERE ctid = '(0,1)'",
    "UPDATE users SET a = 1 WHERE created = now() - interval '1 day'",
    'UPDATE users SET a = 1 WHERE id = 1 AND (true OR x)',
    'UPDATE users SET a = 1 FROM orders o WHERE o.user_id = users.id',
    "UPDATE users SET a = v.a FROM (VALUES (1, 'x'), (2, 'y')) v(id, a) WHERE users.id = v.id",
    'DELETE FROM users WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user_id = users.id)',
    'DELETE FROM users WHERE id IN (SELECT user_id FROM banned)',
    'DELETE FROM users WHERE id IN (VALUES (1), (2))',
    'DELETE FROM users WHERE id = (SELECT o.user_id FROM orders o LIMIT 1)',
    'DELETE FROM users WHERE CURRENT OF c',
    'DELETE FROM users WHERE (id = 1) IS NOT FALSE',
    'DELETE FROM users WHERE NOT NOT (id = 1)',
    'WITH d AS (DELETE FROM users WHERE id = 1 RETURNING *) SELECT 1',
  ]) assert.ok(hasWhere(sql), sql)
})

test('anything else bounds nothing: constants, ranges, a boolean column, IS [NOT] NULL, negations, the row against itself', () => {
  for (const sql of [
    'DELETE FROM users',
    'DELETE FROM users WHERE true',
    'DELETE FROM users WHERE 1 = 1',
    "UPDATE users SET a = 1 WHERE 'x' = 'x'",
    'DELETE FROM users WHERE NOT false',
    'DELETE FROM users WHERE coalesce(null, true)',
    'DELETE FROM users WHERE coalesce(id = 1, true)',
    'DELETE FROM users WHERE random() < 2',
    'DELETE FROM users WHERE (SELECT true)',
    'DELETE FROM users WHERE EXISTS (SELECT 1)',
    // A range may hold every row: the gateway cannot know the data.
    'DELETE FROM users WHERE id > -1',
    'DELETE FROM users WHERE id >= 0',
    "DELETE FROM users WHERE created < now() - interval '30 days'",
    "DELETE FROM users WHERE name LIKE '%'",
    // A boolean has two values: at best half the rows.
    'UPDATE users SET a = 1 WHERE v_flag',
    'UPDATE users SET a = 1 WHERE v_flag = true',
    'DELETE FROM users WHERE id::bool = true',
    'DELETE FROM users WHERE id IS NOT NULL',
    'DELETE FROM users WHERE id IS NULL',
    // All but some.
    'DELETE FROM users WHERE id <> 5',
    'DELETE FROM users WHERE id NOT IN (5)',
    'DELETE FROM users WHERE NOT (id = 1)',
    'DELETE FROM users WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = users.id)',
    // The row against itself or another of its columns, or a value that may change per row.
    'DELETE FROM users WHERE id + 0 = id',
    'DELETE FROM users WHERE (id * 0) = 0',
    'DELETE FROM users WHERE ctid = ctid',
    'DELETE FROM users WHERE id = a',
    'DELETE FROM users WHERE true AND id = id',
    'DELETE FROM users WHERE id = id OR false',
    "DELETE FROM users WHERE id = nextval('s')",
    'DELETE FROM users WHERE id = (random() * 10)::int',
    'DELETE FROM users WHERE id = my_func()',
    'DELETE FROM users WHERE id OPERATOR(myschema.=) 5',
    'DELETE FROM users WHERE id = 1 OR name LIKE \'%\'',
    // Rows a function, a CTE or the table itself gives.
    'DELETE FROM users USING generate_series(1, 100000) g WHERE users.id = g.g',
    'DELETE FROM users USING (SELECT generate_series(1, 100000) AS x) g WHERE users.id = g.x',
    'DELETE FROM users WHERE id IN (SELECT generate_series(1, 1000000))',
    'WITH s AS (SELECT id FROM users) DELETE FROM users USING s WHERE users.id = s.id',
    'WITH s AS (SELECT id FROM users) DELETE FROM users WHERE id IN (SELECT id FROM s)',
    'DELETE FROM users USING (SELECT id FROM users) s WHERE users.id = s.id',
    'DELETE FROM users WHERE id IN (SELECT o.user_id FROM orders o UNION SELECT id FROM users)',
    'DELETE FROM users WHERE id = ANY (ARRAY(SELECT id FROM users))',
    'UPDATE users SET a = 1 WHERE id IN (SELECT id FROM users WHERE true)',
    'DELETE FROM users WHERE id > 0 OR true',
    'DELETE FROM users WHERE EXISTS (SELECT 1 FROM admins WHERE admins.on)',
    // A condition on the joined table only: every user goes when one admin matches.
    'DELETE FROM users USING admins WHERE admins.on',
    'UPDATE users SET a = 1 FROM orders o WHERE o.paid',
    // With an alias, `users.id` names the USING table of that name, not the row being deleted.
    'DELETE FROM users u USING users WHERE users.id = 1',
    'WITH d AS (DELETE FROM users WHERE 1 = 1 RETURNING *) SELECT 1',
  ]) assert.not.ok(hasWhere(sql), sql)
})

test('under NOT, IS FALSE or IS NOT TRUE nothing bounds: NOT (id = 1 AND false) is true for every row', () => {
  for (const sql of [
    'DELETE FROM users WHERE NOT (id = 1 AND false)',
    'DELETE FROM users WHERE (id > 0 OR true) IS TRUE',
    'DELETE FROM users WHERE (id > 0 AND false) IS NOT TRUE',
    'UPDATE users SET a = 1 WHERE (id = 1 AND false) IS FALSE',
    'DELETE FROM users WHERE NOT NOT (id > 0 OR true)',
    'DELETE FROM users WHERE NOT (id = 1 OR false)',
    'DELETE FROM users WHERE id = 5 IS NOT TRUE',
  ]) assert.not.ok(hasWhere(sql), sql)
})

const RELATIONS: CatalogRelation[] = [
  { schema: 'public', name: 'users', kind: 'table', columns: ['id', 'name', 'a'] },
  { schema: 'public', name: 'admins', kind: 'table', columns: ['id', 'active'] },
  { schema: 'public', name: 'orders', kind: 'table', columns: ['id', 'user_id', 'paid'] },
]
const withCatalog: SqlContext = {
  catalog: { relation: (schema, name) => RELATIONS.find((r) => r.name === name && (schema === null || r.schema === schema)) },
}

test('in a subquery, a name its own FROM holds is its own; the catalog tells whose an unqualified name is', () => {
  for (const sql of [
    'DELETE FROM users WHERE EXISTS (SELECT * FROM admins WHERE admins.active)',
    // The inner users hides the changed one: users.a is the inner row's.
    'DELETE FROM users WHERE EXISTS (SELECT 1 FROM users WHERE users.a = 1)',
    'DELETE FROM users u WHERE EXISTS (SELECT 1 FROM orders u WHERE u.paid)',
    'DELETE FROM users WHERE EXISTS (SELECT 1 FROM admins WHERE active)',
    // orders has an id: the subquery compares its own columns, whatever the user.
    'DELETE FROM users WHERE EXISTS (SELECT 1 FROM orders WHERE orders.user_id = id)',
    'DELETE FROM users WHERE EXISTS (SELECT 1 FROM elsewhere WHERE active)',
    'WITH admins AS (SELECT 1 AS x) DELETE FROM users WHERE EXISTS (SELECT 1 FROM admins WHERE admins.x = users.id)',
    'DELETE FROM users WHERE EXISTS (SELECT 1 FROM (SELECT 1 AS x) s WHERE active)',
  ]) {
    assert.not.ok(hasWhere(sql), sql)
    assert.not.ok(hasWhere(sql, withCatalog), sql)
  }
  for (const sql of [
    'DELETE FROM users WHERE EXISTS (SELECT 1 FROM orders WHERE orders.user_id = users.id)',
    'DELETE FROM users u WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id)',
    'DELETE FROM users WHERE EXISTS (SELECT 1 WHERE a = 1)',
    'DELETE FROM users WHERE id IN (SELECT user_id FROM orders)',
  ]) {
    assert.ok(hasWhere(sql), sql)
    assert.ok(hasWhere(sql, withCatalog), sql)
  }
  for (const sql of [
    // name is not a column of orders: the server finds it on the user.
    'DELETE FROM users WHERE EXISTS (SELECT 1 FROM orders WHERE orders.paid AND name = \'x\')',
    // Without the catalog, `id` may be the user's own (where orders has none): `id IN (id)`.
    'DELETE FROM users WHERE id IN (SELECT id FROM orders)',
    // With other FROM items, a bare name is the row's only when none of them has it.
    'UPDATE users SET a = 1 FROM orders o WHERE name = \'x\'',
  ]) {
    assert.not.ok(hasWhere(sql), `${sql}: without a catalog the name may be another's`)
    assert.ok(hasWhere(sql, withCatalog), sql)
  }
  assert.not.ok(hasWhere('UPDATE users SET a = 1 FROM orders o WHERE user_id = 5', withCatalog))
})

test('a comparison of the row with itself bounds nothing, however spelled', () => {
  for (const sql of [
    'DELETE FROM users WHERE id = id',
    'DELETE FROM users u WHERE u.id >= u.id',
    'DELETE FROM users WHERE id IS NOT DISTINCT FROM id',
    'DELETE FROM users WHERE name OPERATOR(pg_catalog.=) name',
    'UPDATE users SET a = 1 WHERE id = 5 OR (id + 0)::int <= (id + 0)::int',
    'DELETE FROM users WHERE NOT (id <> id)',
    'DELETE FROM users WHERE id + random() > id + random()',
    'DELETE FROM users WHERE id::int = id',
    'DELETE FROM users WHERE users.id = id',
    'DELETE FROM users WHERE name = name COLLATE "C"',
    'DELETE FROM users WHERE lower(name) = lower(name)',
    'DELETE FROM users WHERE id IN (id)',
    'DELETE FROM users WHERE id IN (5, users.id::bigint)',
    'DELETE FROM users WHERE id BETWEEN id AND id',
    'DELETE FROM users WHERE id BETWEEN id AND 5',
    'DELETE FROM users WHERE id = ANY (ARRAY[id])',
    'DELETE FROM users WHERE id < ANY (ARRAY[id, 5])',
    'DELETE FROM users WHERE id IN (SELECT id FROM users)',
    'DELETE FROM users WHERE id IN (SELECT user_id FROM users)',
    'DELETE FROM users u WHERE u.id = ANY (SELECT users.id FROM public.users)',
    'DELETE FROM users WHERE id = ANY (SELECT id FROM users u2 WHERE u2.a > 3)',
    'UPDATE users SET a = 1 WHERE id IN (SELECT id FROM users) OR id = 5',
    // The table joined to itself: each row matches itself.
    'DELETE FROM users USING users u2 WHERE users.id = u2.id',
    'UPDATE users u SET a = 1 FROM users WHERE u.id = users.id',
    'DELETE FROM users USING users u2 WHERE users.a = u2.id',
    'DELETE FROM users USING users u2 WHERE users.id = u2.id AND users.a > 3',
    'DELETE FROM users USING users u2 WHERE u2.id = 5',
    'UPDATE users u SET a = 1 FROM orders o JOIN users ON users.id = o.user_id WHERE u.id = users.id',
  ]) assert.not.ok(hasWhere(sql), sql)
  for (const sql of [
    'DELETE FROM users WHERE id = id AND id = 5',
    'DELETE FROM users WHERE id = 5',
    // The table itself, picked by its own bounded condition or a LIMIT.
    'DELETE FROM users WHERE id IN (SELECT id FROM users WHERE a = 1)',
    'DELETE FROM users WHERE id IN (SELECT id FROM users LIMIT 10)',
    // The joined copy's own condition is the row's.
    'DELETE FROM users USING users u2, orders o WHERE users.id = u2.id AND o.user_id = u2.id',
    'DELETE FROM users USING users u2 WHERE users.id = u2.id AND u2.id = 5',
  ]) assert.ok(hasWhere(sql), sql)
  assert.equal(mergeUnbounded('MERGE INTO users u USING src s ON u.id IN (u.id) WHEN MATCHED THEN DELETE'), ['delete'])
  assert.equal(mergeUnbounded('MERGE INTO users u USING users s ON u.id = s.id WHEN MATCHED THEN DELETE'), ['delete'])
  assert.equal(mergeUnbounded('MERGE INTO users u USING users s ON u.id = s.a WHEN MATCHED THEN DELETE'), ['delete'])
  assert.equal(mergeUnbounded('MERGE INTO users u USING (SELECT id FROM users WHERE a = 1) s ON u.id = s.id WHEN MATCHED THEN DELETE'), [])
})

function mergeUnbounded(sql: string): unknown {
  const s = pg(sql).find((x) => x.type === 'merge')
  assert.ok(s, `no merge in ${sql}`)
  return s!.detail.unbounded_actions ?? []
}

test('MERGE: an UPDATE or DELETE action no condition of which bounds the target row is unbounded', () => {
  assert.equal(mergeUnbounded('MERGE INTO users u USING src s ON true WHEN MATCHED THEN DELETE'), ['delete'])
  assert.equal(mergeUnbounded('MERGE INTO users u USING src s ON s.x = 1 WHEN MATCHED THEN UPDATE SET a = 1'), ['update'])
  assert.equal(mergeUnbounded('MERGE INTO users u USING src s ON u.id = u.id WHEN MATCHED AND s.x THEN DELETE WHEN MATCHED THEN UPDATE SET a = 1'), ['delete', 'update'])
  assert.equal(mergeUnbounded('MERGE INTO users u USING generate_series(1, 100) s ON u.id = s.s WHEN MATCHED THEN DELETE'), ['delete'])
  // By source: an empty source leaves every row unmatched, whatever ON reads.
  assert.equal(mergeUnbounded('MERGE INTO users u USING src s ON u.id = s.id WHEN NOT MATCHED BY SOURCE THEN DELETE'), ['delete'])
  assert.equal(mergeUnbounded('MERGE INTO users u USING src s ON u.id = s.id WHEN NOT MATCHED BY SOURCE AND u.a > 1 THEN DELETE'), ['delete'])
  assert.equal(mergeUnbounded('MERGE INTO users u USING src s ON u.id = s.id WHEN MATCHED THEN DELETE'), [])
  assert.equal(mergeUnbounded('MERGE INTO users u USING src s ON true WHEN MATCHED AND u.id = 3 THEN DELETE'), [])
  assert.equal(mergeUnbounded('MERGE INTO users u USING src s ON u.id = s.id WHEN NOT MATCHED BY SOURCE AND u.a = 1 THEN DELETE'), [])
  assert.equal(mergeUnbounded('MERGE INTO users u USING src s ON true WHEN NOT MATCHED THEN INSERT (id) VALUES (1) WHEN MATCHED THEN DO NOTHING'), [])
  // Inside a function body too.
  assert.equal(pg("CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ MERGE INTO users u USING src s ON true WHEN MATCHED THEN DELETE $$").some((x) => x.type === 'merge' && (x.detail.unbounded_actions as string[])?.[0] === 'delete'), true)
})

function myHasWhere(sql: string): boolean {
  const { sql: result } = normalizeMysql(sql)
  assert.is(result.parse_error, undefined, sql)
  const [s] = result.statements
  assert.is(s?.type === 'update' || s?.type === 'delete', true, sql)
  return s!.has_where
}

test('MySQL: the same allowlist: a changed table\'s column by = or IN with given values, a judged join or EXISTS', () => {
  for (const sql of [
    'DELETE FROM users WHERE id = 1',
    'DELETE FROM users WHERE id = ?',
    'DELETE FROM users WHERE id IN (1, 2)',
    "DELETE FROM users WHERE lower(name) = 'x' OR id = -1",
    'UPDATE users SET a = 1 WHERE id = 1 AND (1 = 1 OR x)',
    'DELETE u FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id = 1',
    'UPDATE users u JOIN orders o ON o.user_id = u.id SET u.a = 1 WHERE o.paid AND u.id > 3',
    // An inner join's ON bounds the rows as a WHERE does.
    'DELETE u FROM users u JOIN orders o ON o.user_id = u.id WHERE o.paid',
    'DELETE u FROM users u JOIN orders o ON o.uid = u.id WHERE 1 = 1',
    'DELETE u FROM users u JOIN orders o USING (id) WHERE o.paid',
    'DELETE FROM users WHERE EXISTS (SELECT * FROM orders o WHERE o.user_id = users.id)',
    'DELETE FROM users WHERE id IN (SELECT user_id FROM orders)',
    'DELETE FROM users WHERE id IN (SELECT o.id FROM orders o)',
  ]) assert.ok(myHasWhere(sql), sql)
  for (const sql of [
    'DELETE FROM users',
    'DELETE FROM users WHERE 1 = 1',
    'DELETE FROM users WHERE TRUE',
    'UPDATE users SET a = 1 WHERE NOT FALSE',
    'DELETE FROM users WHERE id > 0 OR 1 = 1',
    'DELETE FROM users WHERE id > -1',
    'DELETE FROM users WHERE id IS NOT NULL',
    'UPDATE users SET a = 1 WHERE v_flag',
    'UPDATE users SET a = 1 WHERE v_flag = TRUE',
    'DELETE FROM users WHERE id = id',
    'DELETE FROM users WHERE id + 0 = id',
    'DELETE FROM users WHERE id <> 5',
    'DELETE FROM users WHERE id NOT IN (5)',
    'DELETE FROM users WHERE id = @x',
    'DELETE FROM users WHERE id = RAND()',
    'DELETE FROM users WHERE EXISTS (SELECT 1)',
    'DELETE FROM users WHERE id IN (SELECT id FROM users)',
    'DELETE FROM users WHERE id IN (SELECT id FROM orders)',
    'WITH c AS (SELECT id FROM users) DELETE FROM users WHERE id IN (SELECT c.id FROM c)',
    // XOR with true is NOT: every row but one.
    'DELETE FROM users WHERE id = 1 XOR 1 = 1',
    'DELETE u FROM users u JOIN admins a ON a.x = 1 WHERE a.on',
    'DELETE u FROM users u JOIN users u2 ON u2.id = u.id',
    'DELETE u FROM users u JOIN (SELECT id FROM users) d ON d.id = u.id',
    // Orphans: a LEFT join keeps every row of the changed table, and IS NULL picks no given value.
    'DELETE c FROM child c LEFT JOIN parent p ON p.id = c.parent_id WHERE p.id IS NULL',
    'DELETE c FROM parent p RIGHT JOIN child c ON p.id = c.parent_id WHERE p.id IS NULL',
    'UPDATE users u LEFT JOIN orders o ON o.user_id = u.id SET u.a = 1 WHERE o.id IS NULL',
    'DELETE c FROM child c LEFT JOIN parent p ON p.id = 3 WHERE p.id IS NULL',
    'DELETE u FROM users u LEFT JOIN orders o ON o.uid = 2 LEFT JOIN items i ON i.oid = o.id WHERE i.x',
  ]) assert.not.ok(myHasWhere(sql), sql)
})

test('MySQL: UPDATE changes the tables its SET names; a condition on another one only does not bound them', () => {
  assert.not.ok(myHasWhere('UPDATE users u, orders o SET u.a = 1 WHERE o.uid = 3'))
  assert.not.ok(myHasWhere('UPDATE users u JOIN orders o ON o.x = 1 SET u.a = 1 WHERE o.paid'))
  assert.ok(myHasWhere('UPDATE users u, orders o SET u.a = 1 WHERE o.uid = u.id'))
  // An unqualified SET column may be either table's: both are changed, and o.uid = 3 is a changed row's.
  assert.ok(myHasWhere('UPDATE users u, orders o SET a = 1 WHERE o.uid = 3'))
})

test('MySQL: in a subquery, * and a table of the changed one\'s name are its own', () => {
  for (const sql of [
    'DELETE FROM users WHERE EXISTS (SELECT * FROM admins WHERE admins.on)',
    'DELETE FROM users WHERE EXISTS (SELECT 1 FROM users WHERE users.flag = 1)',
    'UPDATE users u SET u.a = 1 WHERE EXISTS (SELECT 1 FROM orders u WHERE u.paid = 1)',
  ]) assert.not.ok(myHasWhere(sql), sql)
})

test('MySQL: under NOT and IS NOT TRUE nothing bounds; a table name in another case is the table', () => {
  for (const sql of [
    'DELETE FROM users WHERE NOT (id = 1 AND 0)',
    'DELETE FROM users WHERE !(id = 1 AND 0)',
    'DELETE FROM users WHERE (id = 1 OR 1) IS TRUE',
    'DELETE FROM users WHERE (id = 1 AND 0) IS NOT TRUE',
    'DELETE FROM users WHERE NOT (id = 1)',
  ]) assert.not.ok(myHasWhere(sql), sql)
  assert.ok(myHasWhere('DELETE FROM users WHERE (id = 1) IS TRUE'))
  // Where table names ignore case (lower_case_table_names=1) this is the row; elsewhere the server refuses it.
  assert.ok(myHasWhere('DELETE FROM users WHERE USERS.id = 1'))
})

test.run()
