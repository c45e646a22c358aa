import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { executableComment, lexMysql, mysqlShape, splitMysql } from './mysql-lex.ts'
import { SqlParseError } from './parse.ts'

const split = (text: string) => splitMysql(text, lexMysql(text))

test('tokens cover the text exactly', () => {
  const text = "SELECT `a``b`, 'x\\'y', \"q\"\"r\", 1.5e3, @v, @@global.x -- c\n# d\n/* e */;"
  const tokens = lexMysql(text)
  assert.is(tokens.map((t) => t.text).join(''), text)
  assert.equal(tokens.filter((t) => t.kind === 'string').map((t) => t.text), ["'x\\'y'", '"q""r"'])
  assert.equal(tokens.filter((t) => t.kind === 'identifier').map((t) => t.text), ['`a``b`'])
  assert.equal(tokens.filter((t) => t.kind === 'comment').length, 3)
  assert.equal(tokens.filter((t) => t.kind === 'variable').map((t) => t.text), ['@v', '@@global.x'])
})

test('-- starts a comment only when followed by a space or control character', () => {
  assert.equal(lexMysql('SELECT 1--1').filter((t) => t.kind === 'comment'), [])
  assert.is(lexMysql('SELECT 1 -- x').filter((t) => t.kind === 'comment').length, 1)
  assert.is(lexMysql('SELECT 1 --').filter((t) => t.kind === 'comment').length, 1)
})

test('split keeps original text and start offsets, drops empty pieces', () => {
  assert.equal(split("  SELECT ';' ; ;\n DELETE FROM t # ;\n"), [
    { text: "SELECT ';'", start: 2 },
    { text: 'DELETE FROM t # ;', start: 18 },
  ])
  assert.equal(split('-- only\n;/* c */'), [])
})

test('unterminated strings, identifiers and comments are parse errors with positions', () => {
  for (const [text, position] of [["SELECT 'a", 7], ['SELECT `a', 7], ['SELECT 1 /* x', 9]] as const) {
    try {
      lexMysql(text)
      assert.unreachable(text)
    } catch (error) {
      assert.instance(error, SqlParseError)
      assert.is((error as SqlParseError).position, position)
    }
  }
})

test('executable comments are found; optimizer hints and plain comments are not', () => {
  assert.is(executableComment(lexMysql('SELECT 1 /*!40101 x */'))?.start, 9)
  assert.ok(executableComment(lexMysql('/*M!100101 x */')))
  assert.is(executableComment(lexMysql('SELECT /*+ BKA(t) */ 1 /* ! */')), undefined)
})

test('shape replaces literals, drops comments and spacing, lower-cases words', () => {
  assert.is(mysqlShape(lexMysql("SELECT a FROM `T` WHERE x = 'v' /* c */ AND y = 0x1F")), 'select a from `T` where x = ? and y = ?')
})

test.run()
