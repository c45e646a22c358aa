import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { customOperator, isBuiltinOperator, operatorOf } from './operators.ts'

const op = (...parts: string[]) => parts.map((sval) => ({ String: { sval } }))

test('built in: a pg_catalog symbol, bare or qualified by pg_catalog only', () => {
  for (const symbol of ['=', '<>', '||', '~~*', '->>', '@@', '<<=', '-|-', '?-|']) assert.ok(isBuiltinOperator([symbol]), symbol)
  assert.ok(isBuiltinOperator(['pg_catalog', '+']))
  assert.not.ok(isBuiltinOperator(['===']))
  assert.not.ok(isBuiltinOperator(['evil', '+']))
  assert.not.ok(isBuiltinOperator(['PG_CATALOG', '+']), 'a quoted upper-case schema is another schema')
  assert.not.ok(isBuiltinOperator(['db', 'pg_catalog', '+']))
  assert.not.ok(isBuiltinOperator(['pg_catalog', '===']))
  assert.not.ok(isBuiltinOperator([]))
})

test('operatorOf reads A_Expr, SubLink and SortBy names; BETWEEN is a keyword, not an operator', () => {
  assert.equal(operatorOf('A_Expr', { kind: 'AEXPR_OP', name: op('evil', '+') }), ['evil', '+'])
  assert.equal(operatorOf('A_Expr', { kind: 'AEXPR_OP_ANY', name: op('===') }), ['==='])
  assert.is(operatorOf('A_Expr', { kind: 'AEXPR_BETWEEN', name: op('BETWEEN') }), undefined)
  assert.is(operatorOf('A_Expr', { kind: 'AEXPR_NOT_BETWEEN_SYM', name: op('NOT BETWEEN SYMMETRIC') }), undefined)
  assert.equal(operatorOf('SubLink', { subLinkType: 'ANY_SUBLINK', operName: op('<=>') }), ['<=>'])
  assert.is(operatorOf('SubLink', { subLinkType: 'ANY_SUBLINK' }), undefined, 'IN (SELECT …) uses = and carries no name')
  assert.equal(operatorOf('SortBy', { sortby_dir: 'SORTBY_USING', useOp: op('~<~') }), ['~<~'])
  assert.is(operatorOf('FuncCall', { funcname: op('f') }), undefined)
})

test('customOperator keeps only what is not built in', () => {
  assert.is(customOperator('A_Expr', { kind: 'AEXPR_OP', name: op('=') }), undefined)
  assert.equal(customOperator('A_Expr', { kind: 'AEXPR_OP', name: op('public', '=') }), ['public', '='])
})

test.run()
