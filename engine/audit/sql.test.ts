import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadAuditRedaction, redactSql } from './sql.ts'
import { scrubSql } from './sql-scrub.ts'

test('before the parser loads, the scrubber alone replaces literals', () => {
  assert.is(redactSql("SELECT * FROM users WHERE pw = 'hunter2' AND n = 42"), 'SELECT * FROM users WHERE pw = $1 AND n = $2')
  // Strict scrubbing reads `#` as a comment; the parsed answer later (see below) must not be this cached one.
  assert.is(redactSql('SELECT 5 # 3'), 'SELECT $1 ')
})

test('parsed statements: literals become placeholders, identifiers stay', async () => {
  await loadAuditRedaction()
  assert.is(redactSql("ALTER ROLE app PASSWORD 'hunter2'"), 'ALTER ROLE app PASSWORD $1')
  assert.is(redactSql(`SELECT "Email", 'a@example.com', 3.5 FROM t`), 'SELECT "Email", $1, $2 FROM t')
  assert.is(redactSql('SELECT $1, 42'), 'SELECT $1, $2')
})

test('what normalization leaves is scrubbed: utility literals and comments', async () => {
  await loadAuditRedaction()
  assert.is(redactSql("COPY t FROM PROGRAM 'curl http://x/?k=secret'"), 'COPY t FROM PROGRAM $1')
  const out = redactSql("SELECT 1 -- password 'hunter2'\n/* token abc */ FROM t")
  assert.not.match(out, /hunter2|token|abc/)
  assert.match(out, /^SELECT \$1\s+FROM t$/)
})

test('unparseable text: strings, numbers, dollar bodies and quoted identifiers all go', async () => {
  await loadAuditRedaction()
  const cases: Array<[string, string]> = [
    ["SELEC 'hunter2' FROM", 'SELEC $1 FROM'],
    ["select 'unterminated secret", 'select $1'],
    ['SELEC $$body secret$$ 12', 'SELEC $1 $2'],
    ["SELEC $fn$ x := 'a'; $fn$", 'SELEC $1'],
    ['SELEC "weird secret" FROM `tbl secret`', 'SELEC $1 FROM $2'],
    ["SELEC E'it\\'s secret', X'ff', U&'d\\0061t', .5e3", 'SELEC $1, $2, $3, $4'],
    ['SELEC * FROM t WHERE x = 0x1F /* nested /* secret */ */', 'SELEC * FROM t WHERE x = $1  '],
  ]
  for (const [input, want] of cases) assert.is(redactSql(input), want, input)
})

test('identifiers with digits and $n parameters are not literals', () => {
  assert.is(scrubSql('SELECT col1, t2.x$y FROM s3 WHERE a = $2 AND b = 7', { strict: false }), 'SELECT col1, t2.x$y FROM s3 WHERE a = $2 AND b = $3')
})

test('# is a comment only in strict (unparsed, MySQL) mode', async () => {
  await loadAuditRedaction()
  assert.is(redactSql('SELECT 5 # 3'), 'SELECT $1 # $2')
  assert.is(redactSql("SELECT * FROM `t` # 'secret'\nWHERE a = 1"), 'SELECT * FROM $1 \nWHERE a = $2')
})

test('a repeated statement gets the same redaction (memoized), including redacting its own redaction', async () => {
  await loadAuditRedaction()
  const text = "SELECT abalance FROM pgbench_accounts WHERE aid = 4242 AND note = 'x'"
  const once = redactSql(text)
  assert.is(once, 'SELECT abalance FROM pgbench_accounts WHERE aid = $1 AND note = $2')
  assert.is(redactSql(text), once)
  assert.is(redactSql(once), once)
})

test('text the caller knows parsed is redacted exactly as when the parse is checked', async () => {
  await loadAuditRedaction()
  const texts = [
    "SELECT * FROM users WHERE pw = 'hunter2' /* note 'x' */ AND n = 42",
    "COPY t FROM PROGRAM 'curl http://x/?k=secret'",
    "SELECT E'it\\'s', $$dollar body$$, U&'d\\0061t', 3.5e2 -- trailing 'c'",
    'SELECT 5 # 3',
  ]
  for (const t of texts) {
    const checked = redactSql(t)
    // A memo hit would hide the difference: vary the text the same way for both paths.
    assert.is(redactSql(`${t} `, { parsed: true }), redactSql(`${t} `), t)
    assert.is(redactSql(`${t}  `, { parsed: true }).trimEnd(), checked.trimEnd(), t)
  }
})

test('empty and non-string input never echo anything raw', () => {
  assert.is(redactSql(''), '')
  assert.is(redactSql(42 as never), '[sql withheld: could not be redacted]')
})

test('texts that differ only in integer values share a redaction only when no value survives it', async () => {
  await loadAuditRedaction()
  for (const n of ['4242', '1717', '0001']) assert.is(redactSql(`SELECT abalance FROM pgbench_accounts WHERE aid = ${n};`), 'SELECT abalance FROM pgbench_accounts WHERE aid = $1;')
  assert.is(redactSql('FETCH 5 FROM c'), 'FETCH $1 FROM c')
  assert.is(redactSql('FETCH 70 FROM c'), 'FETCH $1 FROM c')
  // A digit left in the redaction (here in a name) keeps the redaction per text.
  assert.is(redactSql('SELECT a FROM t1 WHERE b = 5'), 'SELECT a FROM t1 WHERE b = $1')
  assert.is(redactSql('SELECT a FROM t1 WHERE b = 7'), 'SELECT a FROM t1 WHERE b = $1')
  assert.is(redactSql('SELECT a FROM t ORDER BY 1 LIMIT 3'), 'SELECT a FROM t ORDER BY $2 LIMIT $1')
  assert.is(redactSql('SELECT a FROM t ORDER BY 2 LIMIT 9'), 'SELECT a FROM t ORDER BY $2 LIMIT $1')
})

test.run()
