import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadSqlParsers, normalizePostgres } from './index.ts'
import { MAX_STATEMENTS, parsePostgres } from './parse.ts'
import { countStatements } from './statement-count.ts'

test('counts non-empty statements; quotes, dollar quotes and comments hide semicolons', () => {
  const cases: [string, number][] = [
    ['', 0],
    ['SELECT 1', 1],
    ['SELECT 1;', 1],
    ['SELECT 1;;; SELECT 2 ;  ', 2],
    ["SELECT ';;;'; SELECT 'it''s;'", 2],
    ["SELECT E'\\';'; SELECT 1", 2],
    ['SELECT ";"; SELECT 1', 2],
    ['SELECT $$;$$; SELECT $a$ ; $$ ; $a$', 2],
    ['SELECT 1 -- ; ;\n; SELECT 2', 2],
    ['SELECT 1 /* ; /* ; */ ; */ ; SELECT 2', 2],
    ['SELECT a$b ; SELECT $1', 2],
  ]
  for (const [text, n] of cases) assert.is(countStatements(text), n, text)
})

test('agrees with the parser on texts it accepts', async () => {
  await loadSqlParsers()
  for (const text of ["SELECT 'a;b'; SELECT $q$ ; $q$; /* ; */ SELECT 3; -- ;\nSELECT E'\\';'", 'SELECT 1;'.repeat(90)]) {
    assert.is(countStatements(text), parsePostgres(text).length, text.slice(0, 40))
  }
})

test(`refuses more than ${MAX_STATEMENTS} statements as a parse error that says what to do`, async () => {
  await loadSqlParsers()
  assert.is(normalizePostgres('SELECT 1;'.repeat(MAX_STATEMENTS)).sql.statements.length, MAX_STATEMENTS)
  for (const text of ['SELECT 1;'.repeat(MAX_STATEMENTS + 1), 'SELECT 1;'.repeat(29_000)]) {
    const { sql } = normalizePostgres(text)
    assert.equal(sql.statements, [])
    assert.match(sql.parse_error ?? '', new RegExp(`statements in one text exceed the limit of ${MAX_STATEMENTS}; send them in smaller batches`))
  }
  // Semicolons inside one literal are not statements.
  assert.is(normalizePostgres(`SELECT '${';'.repeat(5000)}'`).sql.statements.length, 1)
})

test.run()
