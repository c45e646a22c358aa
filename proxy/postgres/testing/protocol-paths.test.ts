import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { disagreements, type PathOutcome } from './protocol-diff-run.ts'
import { firstKeyword, parameterize, pathsOf } from './protocol-paths.ts'

test('the first string literal moves into $1, unescaped; a text with comments or dollar quotes is left alone', () => {
  assert.equal(parameterize("SELECT x FROM t WHERE a = 'it''s' AND b = 'c'"), { text: "SELECT x FROM t WHERE a = $1 AND b = 'c'", value: "it's" })
  assert.equal(parameterize("SELECT E'\\x41', U&'d' FROM t"), undefined)
  assert.equal(parameterize("SELECT 'a' -- note"), undefined)
  assert.equal(parameterize('SELECT 1'), undefined)
})

test('a read goes every way; a write every way but cursor and DO; transaction control only as itself and in Parse', () => {
  const ways = (sql: string) => pathsOf(sql).map((r) => r.path)
  assert.equal(ways("SELECT a FROM t WHERE b = 'x';"), ['simple', 'multi', 'unnamed', 'named', 'param-text', 'param-binary', 'prepare', 'cursor', 'transaction', 'do', 'copy'])
  assert.equal(ways('DELETE FROM t RETURNING a'), ['simple', 'multi', 'unnamed', 'named', 'prepare', 'transaction', 'copy'])
  assert.equal(ways('BEGIN'), ['simple', 'multi', 'unnamed', 'named'])
  assert.equal(firstKeyword('/* c */ ( -- d\nSELECT 1)'), 'select')
})

test('a way more permissive than the simple Query, or leaking what it hides, is a walk-around; a stricter one is not', () => {
  const o = (path: PathOutcome['path'], effect: PathOutcome['effect'], leaks: string[] = []): PathOutcome => ({ path, effect, leaks, judged: [] })
  const statement = { source: 's', sql: 'SELECT 1' }
  const found = disagreements([{ statement, outcomes: [o('simple', 'held'), o('multi', 'held'), o('prepare', 'allowed'), o('copy', 'denied'), o('cursor', 'held', ['x'])] }])
  assert.equal(found.map((d) => `${d.path} ${d.kind}`), ['prepare walk-around', 'copy stricter', 'cursor walk-around'])
})

test.run()
