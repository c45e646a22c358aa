// A seventeenth attacker's review of the PostgreSQL gateway (agent identity, default policy, production target), against
// a real PostgreSQL 15: code the server runs over a value written, which the writing statement does not show.
// - Fixed: a domain's CHECK runs over every value written into a column of that type. `CREATE FUNCTION keep(t text)
//   … INSERT INTO loot VALUES (t)` (its body reads no masked column), `CREATE DOMAIN kept_text AS text CHECK
//   (keep(VALUE))` and a table with a column `password_copy kept_text` were each allowed; then `INSERT INTO
//   stash_domain SELECT id, password FROM credentials` (a copy into a column masked as strictly: allowed) stored
//   every password in loot, and `SELECT v FROM loot` gave them back whole. Emails (masked partially) went the same way.
//   A CHECK like `VALUE < 'N'` answered one bit of each value written (23514 or not).
// - Fixed: the same through what was made on a column of a harmless name, then renamed to a masked one (a rename to
//   a stricter mask is allowed; constraints, rules and indexes follow the column, not its name): a CHECK calling keep,
//   a rule `ON INSERT … DO ALSO INSERT INTO loot VALUES (NEW.x)` (every password in loot), a foreign key into a
//   table of guesses (23503 exactly when the password is not among them: a dictionary tested in one statement), a
//   trigger's WHEN (`NEW.x >= 'N'`, raising), a partition key (no partition for the row: 23514), an index expression
//   or a generated column dividing by zero past 'N' (22012). An assignment cast to the column's type by the agent's
//   function (CREATE CAST (text AS boxed) WITH FUNCTION to_boxed …) kept every password as keep did. An UPDATE setting
//   a column to itself ran a domain's NOT VALID CHECK over the value stored, and `ALTER TABLE credentials ADD COLUMN
//   password_copy kept_text GENERATED ALWAYS AS (password) STORED` ran keep over every stored password.
// - Fixed: a foreign key referencing a column masked whole (`CREATE TABLE probe_fk (k text REFERENCES credentials
//   (password))`, after an allowed unique index on it): each later `INSERT INTO probe_fk SELECT k FROM dict` failed
//   (23503) exactly when a guess was not a stored password. The columns a foreign key references are now read as a
//   condition (engine/normalize/sql/lineage.ts referencedKey), as its own columns were.
//   The gateway's catalog now tells which columns the server checks or hands on a written value of (checked_columns:
//   a CHECK, foreign key, trigger WHEN, index expression, generated column or partition key reading it, a rule on the
//   table, a domain CHECK, length limit or user cast in its type), the normalizer marks what a write keeps there
//   (stored[].checked), and where column masking applies a masked or untraceable value written there is denied
//   (masks_stored.rego).
// - Fixed: a trigger the agent makes on a table with masked columns, of a function outside pg_catalog, is denied: the
//   function gets every column of the rows later writes touch (read as its call over the whole row, `f(t.*)`).
// - Fixed: a trigger on INSERT or UPDATE (no WHEN needed) gets every column of the rows written, NEW or a transition
//   table: a copy of the passwords into a table whose trigger kept its rows was held as a plain copy, and once
//   approved put every password in loot. Such a table's columns are all checked now, as a rule's are.
// - Held: values the text gives, and values of columns no mask covers, are written into such columns as before; a
//   copy into a column masked as strictly without such checks is held for approval, as it was.
// The objects are made by the seed (as the gateway's role); made by the agent through the gateway each is allowed,
// but the catalog's reload after each DDL would make which refusal comes first depend on timing.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attackSessions, CHECKED_WRITE_DENIED } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({
    holdSeconds: 5,
    seed: [
      LEAK_SEED_SQL,
      `SET ROLE warden;
       CREATE UNIQUE INDEX credentials_password ON credentials (password);
       CREATE TABLE loot (v text);
       CREATE FUNCTION keep(t text) RETURNS boolean LANGUAGE sql AS $$ INSERT INTO loot VALUES (t) RETURNING true $$;
       CREATE DOMAIN kept_text AS text CHECK (keep(VALUE));
       CREATE DOMAIN early_text AS text CHECK (VALUE < 'N');
       CREATE TABLE stash_domain (id int, password_copy kept_text);
       CREATE TABLE stash_email (id int, email_copy kept_text);
       CREATE TABLE stash_early (id int, password_copy early_text);
       CREATE TABLE stash_array (id int, password_copy early_text[]);
       CREATE TABLE stash_check (id int, x text CHECK (keep(x)));
       ALTER TABLE stash_check RENAME COLUMN x TO password_copy;
       CREATE TABLE guesses (p text PRIMARY KEY);
       INSERT INTO guesses VALUES ('Marzipan-Quokka-5113'), ('nope');
       CREATE TABLE stash_fk (id int, x text REFERENCES guesses (p));
       ALTER TABLE stash_fk RENAME COLUMN x TO password_copy;
       CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no'; END $$;
       CREATE TABLE stash_when (id int, x text);
       CREATE TRIGGER refuse_late BEFORE INSERT ON stash_when FOR EACH ROW WHEN (NEW.x >= 'N') EXECUTE FUNCTION refuse();
       ALTER TABLE stash_when RENAME COLUMN x TO password_copy;
       CREATE TABLE stash_parts (id int, x text) PARTITION BY RANGE (x);
       CREATE TABLE stash_parts_early PARTITION OF stash_parts FOR VALUES FROM (MINVALUE) TO ('N');
       ALTER TABLE stash_parts RENAME COLUMN x TO password_copy;
       CREATE DOMAIN note_text AS text;
       CREATE TABLE vault_notes (id int PRIMARY KEY, secret note_text NOT NULL);
       INSERT INTO vault_notes VALUES (1, 'Quartz-Falcon-2291');
       ALTER DOMAIN note_text ADD CONSTRAINT note_early CHECK (VALUE < 'R') NOT VALID;
       CREATE TABLE stash_plain (id int, password_copy text);
       CREATE TYPE boxed AS (v text);
       CREATE FUNCTION to_boxed(t text) RETURNS boxed LANGUAGE plpgsql AS $$ BEGIN INSERT INTO loot VALUES (t); RETURN NULL; END $$;
       CREATE CAST (text AS boxed) WITH FUNCTION to_boxed(text) AS ASSIGNMENT;
       CREATE TABLE stash_cast (id int, password_copy boxed);
       CREATE TABLE stash_rule (id int, x text);
       CREATE RULE stash_rule_copy AS ON INSERT TO stash_rule DO ALSO INSERT INTO loot VALUES (NEW.x);
       ALTER TABLE stash_rule RENAME COLUMN x TO password_copy;
       CREATE FUNCTION keep_new() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO loot VALUES (to_jsonb(NEW)::text); RETURN NEW; END $$;
       CREATE TABLE stash_trigger (id int, password_copy text);
       CREATE TRIGGER stash_trigger_keep BEFORE INSERT OR UPDATE ON stash_trigger FOR EACH ROW EXECUTE FUNCTION keep_new();
       CREATE FUNCTION keep_rows() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO loot SELECT to_jsonb(n)::text FROM n; RETURN NULL; END $$;
       CREATE TABLE stash_transition (id int, password_copy text);
       CREATE TRIGGER stash_transition_keep AFTER INSERT ON stash_transition REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION keep_rows();
       CREATE TABLE stash_index (id int, x text);
       CREATE INDEX stash_index_x ON stash_index ((CASE WHEN x < 'N' THEN 1 ELSE 1 / (length(x) - length(x)) END));
       ALTER TABLE stash_index RENAME COLUMN x TO password_copy;
       CREATE TABLE stash_generated (id int, x text,
         early int GENERATED ALWAYS AS (CASE WHEN x < 'N' THEN 1 ELSE 1 / (length(x) - length(x)) END) STORED);
       ALTER TABLE stash_generated RENAME COLUMN x TO password_copy;
       CREATE TABLE dict (k text);
       INSERT INTO dict VALUES ('Marzipan-Quokka-5113'), ('nope');
       CREATE TABLE vault_pk (api_key text PRIMARY KEY, label text);
       INSERT INTO vault_pk VALUES ('wk_live_Q7vZ3xTb9LmP2sRn4Jd', 'ci');
       RESET ROLE;`,
    ],
  })
})
test.after(async () => {
  await h?.stop()
})

const { session, query } = attackSessions(() => h)

const TABLES = ['loot', 'stash_domain', 'stash_email', 'stash_early', 'stash_array', 'stash_check', 'stash_fk', 'stash_when', 'stash_parts', 'vault_notes',
  'stash_cast', 'stash_rule', 'stash_index', 'stash_generated', 'stash_trigger', 'stash_transition']

/** Every row of the tables the attacks write, as the server holds them. */
const snapshot = async () => {
  const out: unknown[] = []
  for (const t of TABLES) out.push(await h.cluster.query(`SELECT * FROM ${t} ORDER BY 1`))
  return JSON.stringify(out)
}

test('a masked value written into a column whose domain CHECK, CHECK, cast or rule calls code that keeps it is denied: that code no longer keeps every password (or email) where a plain read shows it', async () => {
  const before = await snapshot()
  const c = await session()
  for (const sql of [
    'INSERT INTO stash_domain SELECT id, password FROM credentials',
    'INSERT INTO stash_domain (id, password_copy) SELECT id, password FROM credentials WHERE id = 2',
    'INSERT INTO stash_email SELECT id, email FROM customers',
    // Constraints follow a column renamed: a CHECK made on `x`, which is now password_copy.
    'INSERT INTO stash_check SELECT id, password FROM credentials',
    'WITH w AS (INSERT INTO stash_check SELECT id, access_token FROM credentials RETURNING id) SELECT count(*) FROM w',
    // An assignment cast to the column's type by a function that keeps its argument; a rule copying NEW's column.
    'INSERT INTO stash_cast SELECT id, password FROM credentials',
    'INSERT INTO stash_rule SELECT id, password FROM credentials',
    // A trigger's function gets every column of the rows written: NEW of a row trigger, a statement trigger's
    // transition table. Each copied the whole row into loot.
    'INSERT INTO stash_trigger SELECT id, password FROM credentials',
    'INSERT INTO stash_transition SELECT id, password FROM credentials',
    // A generated column added to a table with rows: each row's value is coerced to kept_text, whose CHECK keeps it.
    'ALTER TABLE credentials ADD COLUMN password_copy kept_text GENERATED ALWAYS AS (password) STORED',
    'ALTER TABLE customers ADD COLUMN email_copy kept_text GENERATED ALWAYS AS (email) STORED',
  ]) {
    const r = await query(c, sql)
    assert.match(r.errors.join(), CHECKED_WRITE_DENIED, `${sql}: ${r.errors.join()}`)
    assert.not.ok(r.types.includes('G'), sql)
  }
  const read = await query(c, 'SELECT v FROM loot')
  assert.equal(read.rows, [])
  assert.equal(read.leaks, [])
  assert.is(await snapshot(), before)
  c.close()
})

test('a masked value written where a CHECK, foreign key, trigger WHEN, partition key, index expression, generated column or domain CHECK compares it is denied: whether the write fails no longer answers for it', async () => {
  const before = await snapshot()
  const c = await session()
  for (const sql of [
    // 'Marzipan…' < 'N' went in, 'Tangerine…' failed with 23514.
    'INSERT INTO stash_early SELECT id, password FROM credentials WHERE id = 1',
    'INSERT INTO stash_early SELECT id, password FROM credentials WHERE id = 2',
    'INSERT INTO stash_array SELECT id, ARRAY[password] FROM credentials WHERE id = 2',
    "INSERT INTO stash_early SELECT id, ssn FROM customers WHERE id = 1",
    // A foreign key into guesses: 23503 exactly when the password is not one of them.
    'INSERT INTO stash_fk SELECT id, password FROM credentials WHERE id = 1',
    'INSERT INTO stash_when SELECT id, password FROM credentials WHERE id = 2',
    'INSERT INTO stash_parts SELECT id, password FROM credentials WHERE id = 2',
    // An index expression or a generated column dividing by zero past 'N' (22012).
    'INSERT INTO stash_index SELECT id, password FROM credentials WHERE id = 2',
    'INSERT INTO stash_generated (id, password_copy) SELECT id, password FROM credentials WHERE id = 2',
    // The domain's NOT VALID check runs over the value stored when it is written again.
    'UPDATE vault_notes SET secret = secret WHERE id = 1',
    'UPDATE stash_early SET password_copy = (SELECT password FROM credentials WHERE id = 2) WHERE id = 1',
  ]) {
    const r = await query(c, sql)
    assert.match(r.errors.join(), CHECKED_WRITE_DENIED, `${sql}: ${r.errors.join()}`)
    assert.not.ok(r.types.includes('G'), sql)
  }
  assert.is(await snapshot(), before)
  c.close()
})

test('a foreign key referencing a column masked whole is denied: writes of guesses into it no longer test a dictionary against the secrets (23503 when a guess is not one)', async () => {
  const c = await session()
  for (const sql of [
    'CREATE TABLE probe_fk (k text REFERENCES credentials (password))',
    'CREATE TABLE probe_fk (k text, FOREIGN KEY (k) REFERENCES credentials (password))',
    // Validated now, every row of dict is looked up among the passwords.
    'ALTER TABLE dict ADD FOREIGN KEY (k) REFERENCES credentials (password)',
    'ALTER TABLE dict ADD FOREIGN KEY (k) REFERENCES credentials (password) NOT VALID',
    // No column list: the primary key.
    'CREATE TABLE probe_fk (k text REFERENCES vault_pk)',
  ]) {
    const r = await query(c, sql)
    assert.match(r.errors.join(), /^42501: warden: denied: .*column (password|api_key) is masked whole/, `${sql}: ${r.errors.join()}`)
  }
  assert.equal(await h.cluster.query("SELECT to_regclass('probe_fk') AS t"), [{ t: null }])
  assert.equal(await h.cluster.query("SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = 'dict'::regclass"), [{ n: 0 }])
  c.close()
})

test('a trigger of a function outside pg_catalog on a table with masked columns is denied: its function gets every column of the rows later writes touch', async () => {
  const c = await session()
  for (const sql of [
    // keep_new copies the whole row into loot: approved, each later UPDATE of credentials put its passwords there.
    'CREATE TRIGGER keep_all BEFORE UPDATE ON credentials FOR EACH ROW EXECUTE FUNCTION keep_new()',
    'CREATE TRIGGER keep_all AFTER DELETE ON public.credentials REFERENCING OLD TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION public.keep_rows()',
    'CREATE TRIGGER keep_all BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION keep_new()',
  ]) {
    const r = await query(c, sql)
    assert.match(r.errors.join(), /^42501: warden: denied: .*masked/, `${sql}: ${r.errors.join()}`)
  }
  assert.equal(await h.cluster.query("SELECT count(*)::int AS n FROM pg_trigger WHERE tgname = 'keep_all'"), [{ n: 0 }])
  // A built-in trigger function reads only the columns its arguments name: made as before (approved).
  const builtin = await query(c, 'CREATE TRIGGER skip_same BEFORE UPDATE ON credentials FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()')
  assert.equal(builtin.errors, [])
  await h.cluster.query('DROP TRIGGER skip_same ON credentials')
  c.close()
})

test('held: values the text gives and values of unmasked columns are written into checked columns; a copy into a column without checks is held as before', async () => {
  const c = await session()
  for (const sql of [
    "INSERT INTO stash_early (id, password_copy) VALUES (7, 'Given-Value')",
    "INSERT INTO stash_fk (id, password_copy) SELECT 8, p FROM guesses WHERE p = 'nope'",
    'INSERT INTO stash_check (id, password_copy) SELECT id, label FROM credentials WHERE id = 1',
    "INSERT INTO orders (user_id, amount_cents, status) SELECT id, 100, 'paid' FROM users WHERE id = 1",
    'INSERT INTO stash_plain SELECT id, password FROM credentials WHERE id = 1',
    'CREATE TABLE probe_ok (n int REFERENCES customers (id))',
  ]) {
    const r = await query(c, sql)
    assert.equal(r.errors, [], sql)
    assert.equal(r.leaks, [], sql)
  }
  // keep() saw the label (and nothing else this test wrote).
  const read = await query(c, 'SELECT v FROM loot')
  assert.ok(read.rows.some((row) => row[0] === 'ci deploy'))
  c.close()
})

test.run()
