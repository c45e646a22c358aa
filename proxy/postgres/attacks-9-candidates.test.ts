// A ninth attacker's review, of masking by origin for derived values, with raw wire clients against a real
// PostgreSQL 15 (agent identity, default policy, production target). Tests named "held" passed before any fix.
// - Fixed: a partially masked column (email, phone, card) may be filtered on, by design (`email ILIKE '%@x.com'`),
//   but a condition that compared it with candidates the statement makes copied it whole into unmasked rows:
//   `WHERE ascii(substr(email, g, 1)) = n` over two generate_series gave every character of every email, as
//   chr(n) ordered by g, in one statement (also through VALUES, a CTE of constants, JOIN … ON, a correlated
//   subquery, a comparison computed in a subquery and filtered or ordered on outside it, FILTER, ORDER BY … LIMIT,
//   IN / = subqueries, a function in FROM whose row count is the value, another table's ids joined, by ON or
//   USING, to a code point computed in a CTE, and VALUES rows mixing the value with tagged candidates). Only the content detectors stood in
//   the way, and letters joined by spaces or code points pass them. Such a condition is denied now (lineage
//   `against_candidates` / `against`, rules/sql/masks_probes.rego), as is one comparing the column with a column
//   masked less strictly; conditions with values the statement writes, and joins of columns as they are, stay.
// - Fixed: LIMIT and OFFSET of a set operation or VALUES were not read at all: `… UNION ALL … OFFSET (SELECT
//   ascii(password) …) LIMIT 1` over generate_series gave a password's code point back, one character a statement,
//   past the rule that keeps columns masked whole from being computed on. A number of rows computed from a masked
//   column (LIMIT, OFFSET, a frame offset, generate_series' bounds, a set-returning function's computed arguments,
//   in FROM or in the select list) is now denied for every masked column: the rows give the number back whole.
// - Fixed: a function not known to compute only from its arguments is denied in a result, but in a condition it
//   was only held for approval; approved, `WHERE n = first_code(1)` over generate_series gave back the code point
//   the function read from a masked column (a SECURITY DEFINER or PL/pgSQL function reading customers). A condition
//   over candidates, or a number of rows, that reads such a function is denied (detail.matched_calls).
// - Fixed (review13): a safe derivation (count(x), x IS NULL) hid the condition inside x: `count(NULLIF(ascii(substr(
//   email, g, 1)), n))` grouped by g, n was 0 exactly at each code point, and went out unmasked. A computed x is
//   read as the condition it is (lineage-expr.ts nullnessTest), so the candidates rule sees it.
// - Fixed (review13): rank(n) / dense_rank / percent_rank / cume_dist WITHIN GROUP (ORDER BY ascii(email)) over
//   generate_series placed n among the masked values, and went out as derived from n alone (on the server rank
//   steps to 2 at 'm' + 1); its arguments and what it sorts are now read as one condition, and denied over candidates.
// - Fixed (review13): INTERSECT, EXCEPT and UNION compare their branches' rows, and count(DISTINCT x) its values:
//   count(*) FROM (SELECT n INTERSECT SELECT ascii(email) …) was 1 at the code point, a safe count, unmasked. A
//   column of such a set operation (or of count(DISTINCT …), SELECT DISTINCT) mixing a masked value with candidates is a condition now.
// - Held: whole-row references, casts of rows, row_to_json / to_jsonb / format / concat of rows, set operations
//   mixing masked and plain columns, recursive and data-modifying CTEs, LATERAL, window functions, COALESCE /
//   NULLIF / GREATEST / CASE, DISTINCT, cursors WITH HOLD, PREPARE / EXECUTE, COPY, RETURNING, errors that
//   would quote values (casts, division by zero, NOT NULL, unique and CHECK violations), pg_stats, and
//   SQL functions reading masked columns.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attackSessions } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({ seed: [LEAK_SEED_SQL] })
})
test.after(async () => {
  await h?.stop()
})

const { session, query } = attackSessions(() => h)
const DENIED = /^42501: warden: denied/

const CANDIDATES = [
  "SELECT id, string_agg(chr(n), ' ' ORDER BY g) FROM customers, generate_series(1, 40) g, generate_series(32, 126) n WHERE ascii(substr(email, g, 1)) = n GROUP BY id",
  "SELECT id, string_agg(n::text, '.' ORDER BY g) FROM customers, generate_series(1, 40) g, generate_series(32, 126) n WHERE ascii(substr(card_number, g, 1)) = n GROUP BY id",
  "SELECT id, string_agg(chr(n), ' ' ORDER BY g) FROM customers JOIN generate_series(1, 40) g ON true JOIN generate_series(32, 126) n ON n = ascii(substr(email, g, 1)) GROUP BY id",
  "SELECT id, (SELECT string_agg(chr(n), ' ' ORDER BY g) FROM generate_series(1, 40) g, generate_series(32, 126) n WHERE ascii(substr(c.email, g, 1)) = n) FROM customers c",
  "SELECT id, string_agg(chr(n), ' ' ORDER BY g) FROM (SELECT id, g, n, ascii(substr(email, g, 1)) = n AS hit FROM customers, generate_series(1, 40) g, generate_series(32, 126) n) s WHERE hit GROUP BY id",
  "SELECT string_agg(chr(n), ' ' ORDER BY g) FROM (SELECT ascii(substr(email, g, 1)) = n AS hit, g, n FROM customers, generate_series(1, 40) g, generate_series(32, 126) n WHERE id = 1 ORDER BY 1 DESC LIMIT 30) s",
  "SELECT string_agg(chr(n), ' ' ORDER BY g) FILTER (WHERE ascii(substr(email, g, 1)) = n) FROM customers, generate_series(1, 40) g, generate_series(32, 126) n WHERE id = 1",
  "SELECT c.id, string_agg(v.ch, ' ' ORDER BY p.i) FROM customers c, (VALUES (1), (2), (3), (4), (5), (6), (7)) p(i), (VALUES ('m'), ('a'), ('r'), ('l'), ('o'), ('w'), ('e')) v(ch) WHERE substr(c.email, p.i, 1) = v.ch GROUP BY c.id",
  "WITH RECURSIVE r(s) AS (SELECT ''::text UNION ALL SELECT r.s || chr(n) FROM r, generate_series(32, 126) n WHERE length(r.s) < 40 AND EXISTS (SELECT 1 FROM customers c WHERE c.id = 1 AND left(c.email, length(r.s) + 1) = r.s || chr(n))) SELECT string_agg(s, ' | ') FROM r",
  "SELECT c.id, x.cand FROM customers c JOIN (SELECT '+1 (415) 867-' || lpad(g::text, 4, '0') AS cand FROM generate_series(0, 9999) g) x ON c.phone = x.cand",
  'SELECT g, (SELECT count(*) FROM customers c, generate_series(1, ascii(substr(c.email, g, 1))) k WHERE c.id = 1) FROM generate_series(1, 40) g',
  'SELECT g, (SELECT count(*) FROM generate_series(1, (SELECT ascii(substr(email, g, 1)) FROM customers WHERE id = 1))) FROM generate_series(1, 40) g',
  'SELECT n FROM generate_series(32, 126) n WHERE n = (SELECT ascii(email) FROM customers WHERE id = 1)',
  'SELECT n FROM generate_series(32, 126) n WHERE n IN (SELECT ascii(email) FROM customers)',
  'SELECT n FROM generate_series(32, 126) n, customers c WHERE c.id = 1 ORDER BY abs(ascii(c.email) - n) LIMIT 1',
  'SELECT c.id, o.amount_cents FROM customers c, orders o WHERE ascii(c.email) = o.amount_cents % 128',
  // Another table's ids as candidates, through a column computed in a CTE or subquery: no join of stored columns.
  'WITH a AS (SELECT id AS cid, ascii(substr(email, 1, 1)) AS v FROM customers) SELECT a.cid, o.id FROM orders o JOIN a ON o.id = a.v',
  'SELECT o.id FROM orders o JOIN (SELECT ascii(substr(phone, 2, 1)) AS id FROM customers) a USING (id)',
  // A column whose rows are partly the masked value, partly candidates (VALUES, a set operation), with a tag.
  'SELECT s.t FROM (VALUES ((SELECT ascii(email) FROM customers WHERE id = 1), 0), (109, 109), (110, 110)) s(x, t), customers c WHERE c.id = 1 AND s.t > 0 AND s.x = ascii(c.email) + 0',
  // The condition inside a safe derivation (count(x), x IS NULL): a count of 0, or true, where n is the code point.
  'SELECT g, n, count(NULLIF(ascii(substr(email, g, 1)), n)) FROM customers, generate_series(1, 40) g, generate_series(32, 126) n WHERE id = 1 GROUP BY g, n',
  'SELECT g, n, count(CASE WHEN ascii(substr(email, g, 1)) = n THEN 1 END) FROM customers, generate_series(1, 40) g, generate_series(32, 126) n WHERE id = 1 GROUP BY g, n',
  'SELECT g, n, NULLIF(ascii(substr(email, g, 1)), n) IS NULL FROM customers, generate_series(1, 40) g, generate_series(32, 126) n WHERE id = 1',
  // A hypothetical-set aggregate's place of n among the sorted code points steps up just past the code point.
  'SELECT n, rank(n) WITHIN GROUP (ORDER BY ascii(email)) FROM customers, generate_series(32, 126) n WHERE id = 1 GROUP BY n ORDER BY n',
  'SELECT g, n, cume_dist(n) WITHIN GROUP (ORDER BY ascii(substr(email, g, 1))) FROM customers, generate_series(1, 40) g, generate_series(32, 126) n WHERE id = 1 GROUP BY g, n',
  // Set operations that compare rows, and count(DISTINCT …), counted: 1 (or one fewer) at the code point.
  'SELECT g, n, (SELECT count(*) FROM (SELECT n INTERSECT SELECT ascii(substr(email, g, 1)) FROM customers WHERE id = 1) s) FROM generate_series(1, 40) g, generate_series(32, 126) n',
  'SELECT n, (SELECT count(*) FROM (SELECT generate_series(32, n) EXCEPT SELECT ascii(email) FROM customers WHERE id = 1) s) FROM generate_series(32, 126) n',
  'SELECT n, (SELECT count(*) FROM (SELECT n UNION SELECT ascii(email) FROM customers WHERE id = 1) s) FROM generate_series(32, 126) n',
  'SELECT n, (SELECT count(DISTINCT x) FROM (SELECT n AS x UNION ALL SELECT ascii(email) FROM customers WHERE id = 1) s) FROM generate_series(32, 126) n',
  'SELECT n, (SELECT count(*) FROM (SELECT DISTINCT x FROM (SELECT n AS x UNION ALL SELECT ascii(email) FROM customers WHERE id = 1) a) s) FROM generate_series(32, 126) n',
]

test('a masked column compared with candidates the statement makes is denied: its value would come back whole in them', async () => {
  // On the server the first two statements do give the values back, spelled past the content detectors.
  const direct = await h.cluster.query<{ string_agg: string }>(CANDIDATES[0]!)
  assert.ok(direct.some((r) => r.string_agg === 'm a r l o w e . q u i n t r e l l @ v e x h o l m . t e s t'), JSON.stringify(direct))
  const c = await session()
  for (const sql of CANDIDATES) {
    const o = await query(c, sql)
    assert.equal(o.leaks, [], sql)
    assert.equal(o.rows, [], sql)
    assert.match(o.errors.join('\n'), DENIED, sql)
  }
  c.close()
})

test('a number of rows computed from a masked column is denied: LIMIT / OFFSET of a set operation gave a password code point back', async () => {
  // On the server: the row an OFFSET of the first character's code point picks is that code point.
  const setOperation = 'SELECT n FROM generate_series(0, 200) n UNION ALL SELECT -1 ORDER BY 1 OFFSET (SELECT ascii(password) FROM credentials WHERE id = 1) + 1 LIMIT 1'
  assert.equal(await h.cluster.query(setOperation), [{ n: 'M'.charCodeAt(0) }])
  const c = await session()
  for (const sql of [
    setOperation,
    'VALUES (1), (2), (3) LIMIT (SELECT length(ssn) FROM customers WHERE id = 1)',
    'SELECT n FROM generate_series(0, 200) n OFFSET (SELECT ascii(email) FROM customers WHERE id = 1) LIMIT 1',
    'SELECT count(*) FROM generate_series(1, (SELECT ascii(email) FROM customers WHERE id = 1))',
    'SELECT count(*) FROM (SELECT generate_series(1, ascii(email)) FROM customers WHERE id = 1) s',
    "SELECT count(*) FROM customers, regexp_split_to_table(repeat('x', ascii(card_number)), '') x WHERE id = 1",
    'SELECT count(*) OVER (ROWS BETWEEN CURRENT ROW AND (SELECT ascii(phone) FROM customers WHERE id = 1) FOLLOWING) FROM generate_series(1, 200)',
  ]) {
    const o = await query(c, sql)
    assert.equal(o.rows, [], sql)
    assert.match(o.errors.join('\n'), DENIED, sql)
  }
  c.close()
})

test('rows matched against a function that may read tables are denied, even approved: its result may be a masked value', async () => {
  await h.cluster.query(`
    CREATE FUNCTION public.first_code(i int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT ascii(email) FROM customers WHERE id = i); END $$;
    GRANT EXECUTE ON FUNCTION public.first_code(int) TO warden`)
  const c = await session()
  for (const sql of [
    'SELECT n FROM generate_series(32, 126) n WHERE n = first_code(1)',
    'SELECT n FROM generate_series(0, 200) n OFFSET first_code(1) LIMIT 1',
    'SELECT count(*) FROM generate_series(1, first_code(1))',
  ]) {
    const o = await query(c, sql)
    assert.equal(o.rows, [], sql)
    assert.match(o.errors.join('\n'), DENIED, sql)
  }
  c.close()
})

test('held: conditions on a partially masked column with values the statement writes, and joins of columns as they are, are allowed', async () => {
  const c = await session()
  for (const sql of [
    "SELECT id FROM customers WHERE email ILIKE '%@vexholm.test'",
    "SELECT id, email FROM customers WHERE email LIKE 'm%' AND id IN (SELECT id FROM customers WHERE phone LIKE '+1%')",
    "SELECT u.name, o.amount_cents FROM users u JOIN orders o ON o.user_id = u.id WHERE u.email LIKE '%example.com' ORDER BY u.email",
    'SELECT c.id, u.name FROM customers c JOIN users u ON u.email = c.email',
    'SELECT u.name FROM users u JOIN customers c ON lower(c.email) = lower(u.email)',
    "SELECT count(CASE WHEN email ILIKE '%@vexholm.test' THEN 1 END), count(email), count(phone IS NULL) FROM customers",
    "SELECT rank('m') WITHIN GROUP (ORDER BY email) FROM customers",
  ]) {
    const o = await query(c, sql)
    assert.equal(o.errors, [], sql)
    assert.equal(o.leaks, [], sql)
  }
  c.close()
})

test('held: whole rows, set operations, CTEs, windows, cursors, prepared statements and errors give no masked value back', async () => {
  const c = await session()
  for (const sql of [
    'SELECT c FROM customers c', 'SELECT c::text FROM customers c', 'SELECT row_to_json(c) FROM customers c', 'SELECT to_jsonb(c.*) FROM customers c',
    "SELECT format('%s', c) FROM customers c", 'SELECT concat(c) FROM customers c', 'SELECT ARRAY[c.*] FROM customers c', 'SELECT ROW(c.*) FROM customers c',
    'SELECT (c).ssn FROM customers c', 'SELECT json_agg(c) FROM customers c', 'SELECT xmlelement(name x, c.email) FROM customers c',
    'SELECT display_name FROM customers UNION SELECT email FROM customers', 'SELECT display_name FROM customers UNION ALL SELECT ssn FROM customers',
    'SELECT tier FROM customers INTERSECT SELECT ssn FROM customers', 'SELECT email FROM customers EXCEPT SELECT display_name FROM customers',
    "WITH RECURSIVE r(x, n) AS (SELECT 'a'::text, 0 UNION ALL SELECT c.ssn, r.n + 1 FROM r, customers c WHERE r.n < 1) SELECT x FROM r",
    "WITH RECURSIVE r(x, n) AS (SELECT email, 0 FROM customers UNION ALL SELECT x || '', n + 1 FROM r WHERE n < 1) SELECT x FROM r",
    'SELECT s.x FROM customers c, LATERAL (SELECT c.ssn AS x) s', 'SELECT (SELECT c.ssn) AS note FROM customers c',
    'SELECT lag(email) OVER (ORDER BY id), first_value(card_number) OVER () FROM customers',
    "SELECT COALESCE(NULL, email), NULLIF(email, 'x'), GREATEST(phone, 'a'), CASE WHEN true THEN card_number END FROM customers",
    'SELECT DISTINCT ssn FROM customers', "SELECT regexp_replace(email, '(.)', '\\1 ', 'g'), translate(email, 'abc', 'xyz') FROM customers",
    'SELECT email::int FROM customers', 'SELECT 1 / (length(email) - 30) FROM customers',
    'SELECT histogram_bounds FROM pg_stats WHERE tablename = \'customers\'', 'COPY (SELECT c FROM customers c) TO STDOUT',
    'CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT ssn FROM customers LIMIT 1 $$',
  ]) {
    const o = await query(c, sql)
    assert.equal(o.leaks, [], sql)
  }
  for (const texts of [
    ['BEGIN', 'DECLARE cur CURSOR WITH HOLD FOR SELECT ssn, email FROM customers', 'COMMIT', 'FETCH ALL FROM cur', 'CLOSE cur'],
    ['PREPARE p AS SELECT ssn, upper(email) FROM customers', 'EXECUTE p', 'DEALLOCATE p'],
    ['BEGIN', 'UPDATE customers SET tier = NULL WHERE id = 1', 'ROLLBACK'],
    ['BEGIN', 'UPDATE customers SET id = 2 WHERE id = 1 RETURNING *', 'ROLLBACK'],
    ['BEGIN', 'INSERT INTO customers SELECT id + 10, display_name, email, phone, card_number, ssn, tier FROM customers RETURNING ssn, email', 'ROLLBACK'],
    ['BEGIN', "ALTER TABLE customers ADD CONSTRAINT ck CHECK (ssn <> '536-22-8147')", 'ROLLBACK'],
  ]) {
    for (const sql of texts) assert.equal((await query(c, sql)).leaks, [], sql)
  }
  c.close()
})

test.run()
