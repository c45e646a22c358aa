// The server looks an unqualified type name up in the session's temporary schema before pg_catalog (it does so
// for relations and types, never for functions or operators). A temporary domain named text, with a CHECK that
// calls a function, runs it on every value cast `::text` — a masked column's included — while the gateway judges
// `::text` as the built-in cast. Creating (or renaming to) a type the temporary schema would hold under a built-in
// type's name is refused. An unqualified name is created in the first schema of the search_path, which a session
// may have made pg_temp (`SET search_path = pg_temp`), so it is refused too: a schema-qualified one is not.
import { eachEntry, isObject } from './ast.ts'
import { BUILTIN_TYPES } from './builtin-types.ts'

const TEMP_SCHEMA = /^pg_temp(_\d+)?$/i

/** Object kinds that are, or come with, a type of their name (a relation's row type). */
const TYPED_KINDS = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_SEQUENCE', 'OBJECT_FOREIGN_TABLE', 'OBJECT_TYPE', 'OBJECT_DOMAIN'])

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map((n) => (isObject(n) && isObject(n.String) && typeof n.String.sval === 'string' ? n.String.sval : '')) : [])

/** A type name [schema, name] created under a built-in type's name in the temporary schema, or unqualified. */
function tempBuiltin(names: string[]): string | undefined {
  const name = names[names.length - 1]
  const schema = names[names.length - 2]
  const temp = names.length === 1 || (names.length === 2 && schema !== undefined && TEMP_SCHEMA.test(schema))
  return temp && name !== undefined && BUILTIN_TYPES.has(name) ? name : undefined
}

/** Statements that create a relation (which has a row type), and the field holding its RangeVar. */
const CREATED_RELATION: Readonly<Record<string, string>> = {
  CreateStmt: 'relation', ViewStmt: 'view', into: 'rel', intoClause: 'rel', CreateSeqStmt: 'sequence', CompositeTypeStmt: 'typevar',
}

/** A relation created under a built-in type's name without a schema: the search_path's first schema may be pg_temp. */
function unqualifiedBuiltin(rangeVar: unknown): string | undefined {
  if (!isObject(rangeVar) || rangeVar.schemaname !== undefined || typeof rangeVar.relname !== 'string') return undefined
  return BUILTIN_TYPES.has(rangeVar.relname) ? rangeVar.relname : undefined
}

/** Keys a RangeVar sits under (unwrapped): a table, view, SELECT INTO, sequence or composite type made, or named. */
const RANGE_VARS = new Set(['RangeVar', 'relation', 'view', 'rel', 'sequence', 'typevar'])

function shadowed(key: string, body: Record<string, unknown>): string | undefined {
  const field = Object.hasOwn(CREATED_RELATION, key) ? CREATED_RELATION[key]! : undefined
  const created = field !== undefined ? unqualifiedBuiltin(body[field]) : key === 'CreateForeignTableStmt' && isObject(body.base) ? unqualifiedBuiltin(body.base.relation) : undefined
  if (created !== undefined) return created
  switch (RANGE_VARS.has(key) ? 'RangeVar' : key) {
    case 'RangeVar': {
      const temp = body.relpersistence === 't' || (typeof body.schemaname === 'string' && TEMP_SCHEMA.test(body.schemaname))
      return temp && typeof body.relname === 'string' && BUILTIN_TYPES.has(body.relname) ? body.relname : undefined
    }
    case 'CreateDomainStmt': return tempBuiltin(strings(body.domainname))
    case 'CreateEnumStmt':
    case 'CreateRangeStmt': return tempBuiltin(strings(body.typeName))
    case 'DefineStmt': return body.kind === 'OBJECT_TYPE' ? tempBuiltin(strings(body.defnames)) : undefined
    case 'RenameStmt':
      // Which schema the renamed object is in is not in the text: any type-bearing object is refused the name.
      return typeof body.renameType === 'string' && TYPED_KINDS.has(body.renameType) && typeof body.newname === 'string' && BUILTIN_TYPES.has(body.newname) ? body.newname : undefined
    default: return undefined
  }
}

/** Why the trees are refused: they would put a type named like a built-in one where unqualified names find it first. */
export function builtinTypeShadow(trees: readonly unknown[]): string | undefined {
  let name: string | undefined
  eachEntry(trees, (key, value) => {
    if (isObject(value)) name = shadowed(key, value)
    return name !== undefined
  })
  if (name === undefined) return undefined
  return `the statement names a type (or a relation, which has a row type) ${name} that may be temporary: the server looks ` +
    `unqualified type names up in the temporary schema before pg_catalog (an unqualified name is created there when the search_path ` +
    `starts with pg_temp), so a cast ::${name} would run its code, not the built-in's; choose another name, or qualify it with a schema other than pg_temp`
}
