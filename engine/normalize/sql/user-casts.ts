// Where a statement makes values of a type outside pg_catalog: a cast (`::t`, CAST, `t 'literal'`), the column
// definition list of a function in FROM (`json_to_record(…) AS x(a t)`, ROWS FROM), an XMLTABLE column. Each runs
// that type's code on the value (a domain's CHECK may call any function), though the statement names no function.
import { eachEntry, isObject } from './ast.ts'
import { userType } from './builtin-types.ts'

/** Types outside pg_catalog whose values the statement node makes, as written (`schema.name` or `name`). */
export function userTypesMade(node: unknown): string[] {
  const out = new Set<string>()
  const add = (typeName: unknown) => {
    const type = userType(typeName)
    if (type !== undefined) out.add(type)
  }
  eachEntry([node], (key, value) => {
    if (!isObject(value)) return
    if (key === 'TypeCast' || key === 'RangeTableFuncCol') add(value.typeName)
    // Column definitions elsewhere (CREATE TABLE) make no value; a function's in FROM make its rows'.
    else if (key === 'RangeFunction') {
      eachEntry([value.coldeflist, value.functions], (k, v) => {
        if (k === 'ColumnDef' && isObject(v)) add(v.typeName)
      })
    }
  })
  return [...out]
}
