// Where a statement makes values of a type outside pg_catalog: a cast (`::t`, CAST, `t 'literal'`), the column
// definition list of a function in FROM (`json_to_record(…) AS x(a t)`, ROWS FROM), an XMLTABLE or JSON_TABLE column,
// the type XMLSERIALIZE(… AS t) or a SQL/JSON function's RETURNING t gives its result. Each runs that type's code on
// the value (a domain's CHECK may call any function), though the statement names no function.
import { eachEntry, isObject } from './ast.ts'
import { userType } from './builtin-types.ts'

/** Nodes whose `typeName` is the type of a value they make. */
const MAKES_VALUE = new Set(['TypeCast', 'RangeTableFuncCol', 'XmlSerialize', 'JsonTableColumn'])

/** Types outside pg_catalog whose values the statement node makes, as written (`schema.name` or `name`). */
export function userTypesMade(node: unknown): string[] {
  const out = new Set<string>()
  const add = (typeName: unknown) => {
    const type = userType(typeName)
    if (type !== undefined) out.add(type)
  }
  eachEntry([node], (key, value) => {
    if (!isObject(value)) return
    if (MAKES_VALUE.has(key)) add(value.typeName)
    // A SQL/JSON constructor's or function's RETURNING clause (JsonOutput, unnamed in the tree): JSON_OBJECT(… RETURNING t).
    else if (key === 'output' && 'returning' in value) add(value.typeName)
    // Column definitions elsewhere (CREATE TABLE) make no value; a function's in FROM make its rows'.
    else if (key === 'RangeFunction') {
      eachEntry([value.coldeflist, value.functions], (k, v) => {
        if (k === 'ColumnDef' && isObject(v)) add(v.typeName)
      })
    }
  })
  return [...out]
}
