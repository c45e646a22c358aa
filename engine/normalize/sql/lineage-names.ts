// The column name PostgreSQL reports for an output expression without an alias: FigureColnameInternal
// (src/backend/parser/parse_target.c), on the raw tree. A "strength" tells a real name (2) from a
// fallback such as `case` or a type name (1); `?column?` is what is left.
import type { PgObject } from './ast.ts'
import { list, names, str, unwrap } from './ast.ts'

const SQL_VALUE_FUNCTIONS: Record<string, string> = {
  SVFOP_CURRENT_DATE: 'current_date', SVFOP_CURRENT_TIME: 'current_time', SVFOP_CURRENT_TIME_N: 'current_time',
  SVFOP_CURRENT_TIMESTAMP: 'current_timestamp', SVFOP_CURRENT_TIMESTAMP_N: 'current_timestamp',
  SVFOP_LOCALTIME: 'localtime', SVFOP_LOCALTIME_N: 'localtime', SVFOP_LOCALTIMESTAMP: 'localtimestamp',
  SVFOP_LOCALTIMESTAMP_N: 'localtimestamp', SVFOP_CURRENT_ROLE: 'current_role', SVFOP_CURRENT_USER: 'current_user',
  SVFOP_USER: 'user', SVFOP_SESSION_USER: 'session_user', SVFOP_CURRENT_CATALOG: 'current_catalog',
  SVFOP_CURRENT_SCHEMA: 'current_schema',
}

const XML_OPS: Record<string, string> = {
  IS_XMLCONCAT: 'xmlconcat', IS_XMLELEMENT: 'xmlelement', IS_XMLFOREST: 'xmlforest', IS_XMLPARSE: 'xmlparse',
  IS_XMLPI: 'xmlpi', IS_XMLROOT: 'xmlroot', IS_XMLSERIALIZE: 'xmlserialize', IS_DOCUMENT: '?column?',
}

const JSON_FUNC_OPS: Record<string, string> = { JSON_EXISTS_OP: 'json_exists', JSON_QUERY_OP: 'json_query', JSON_VALUE_OP: 'json_value' }

/** Fixed names by node. */
const FIXED: Record<string, string> = {
  GroupingFunc: 'grouping', MergeSupportFunc: 'merge_action', A_ArrayExpr: 'array', RowExpr: 'row',
  CoalesceExpr: 'coalesce', XmlSerialize: 'xmlserialize', JsonParseExpr: 'json', JsonScalarExpr: 'json_scalar',
  JsonSerializeExpr: 'json_serialize', JsonObjectConstructor: 'json_object', JsonArrayConstructor: 'json_array',
  JsonArrayQueryConstructor: 'json_array', JsonObjectAgg: 'json_objectagg', JsonArrayAgg: 'json_arrayagg',
}

export type SubqueryName = (subselect: unknown) => string | undefined

/** The output name of a target expression (without an AS alias). */
export function columnName(node: unknown, subqueryName: SubqueryName): string {
  return figure(node, subqueryName)[0] ?? '?column?'
}

function figure(node: unknown, sub: SubqueryName): [string | undefined, number] {
  const n = unwrap(node)
  if (!n) return [undefined, 0]
  const [name, body] = n
  const fixed = FIXED[name]
  if (fixed !== undefined) return [fixed, 2]
  switch (name) {
    case 'ColumnRef': {
      const fields = list(body.fields)
      const last = unwrap(fields[fields.length - 1])
      return last?.[0] === 'String' ? [str(last[1].sval), 2] : [undefined, 0]
    }
    case 'A_Indirection': {
      const ind = list(body.indirection)
      const last = unwrap(ind[ind.length - 1])
      if (last?.[0] === 'String') return [str(last[1].sval), 2]
      return figure(body.arg, sub)
    }
    case 'FuncCall': {
      const parts = names(body.funcname)
      return [parts[parts.length - 1], 2]
    }
    case 'A_Expr':
      return str(body.kind) === 'AEXPR_NULLIF' ? ['nullif', 2] : [undefined, 0]
    case 'TypeCast': {
      const inner = figure(body.arg, sub)
      if (inner[1] > 1) return inner
      return [typeName(body.typeName), 1]
    }
    case 'CollateClause':
      return figure(body.arg, sub)
    case 'SubLink':
      return subLinkName(body, sub)
    case 'CaseExpr': {
      const inner = figure(body.defresult, sub)
      return inner[1] > 1 ? inner : ['case', 1]
    }
    case 'MinMaxExpr':
      return [str(body.op) === 'IS_LEAST' ? 'least' : 'greatest', 2]
    case 'SQLValueFunction':
      return [SQL_VALUE_FUNCTIONS[str(body.op) ?? ''], 2]
    case 'XmlExpr':
      return [XML_OPS[str(body.op) ?? ''], 2]
    case 'JsonFuncExpr':
      return [JSON_FUNC_OPS[str(body.op) ?? ''], 2]
    default:
      return [undefined, 0]
  }
}

function subLinkName(body: PgObject, sub: SubqueryName): [string | undefined, number] {
  switch (str(body.subLinkType)) {
    case 'EXISTS_SUBLINK': return ['exists', 2]
    case 'ARRAY_SUBLINK': return ['array', 2]
    case 'EXPR_SUBLINK': {
      const name = sub(body.subselect)
      return name === undefined ? [undefined, 0] : [name, 2]
    }
    default: return [undefined, 0]
  }
}

/** Last part of a TypeName's names (`pg_catalog.int4` → int4); arrays keep the element name. */
export function typeName(value: unknown): string | undefined {
  const body = unwrap(value)?.[1] ?? (value as PgObject | undefined)
  const parts = names(body?.names)
  return parts[parts.length - 1]
}
