// pg_dump sets two settings with set_config in a SELECT, each in one fixed form; those forms, and only they, are read
// as the SET they are (the server applies set_config(…, false) as it would the SET: for the session, undone by a
// rollback), so the policy judges a SET and the gateway's name resolution follows it (search-path.ts):
// - `SELECT pg_catalog.set_config('search_path', '', false)`, its first statement: `SET search_path = ''`;
// - `SELECT set_config(name, 'view, foreign-table', false) FROM pg_settings WHERE name =
//   'restrict_nonsystem_relation_kind'` (or 'view' with --include-foreign-data), which sets that setting where the
//   server has it (15.8 and later) and does nothing where it does not: `SET restrict_nonsystem_relation_kind = …`.
//   Its one result column is the value given. Its names are unqualified: a temporary relation named pg_settings
//   would be read instead (a `name` of the session's own type, compared and cast by its own code, could name
//   another setting), so the form is read as the SET only while the catalog resolves pg_settings to pg_catalog's
//   (builder.ts), and it counts as running code (runs-code.ts): a search_path probe follows it.
// Any other call of set_config (another setting or value, a computed one, LOCAL, an alias, beside other expressions
// or clauses) stays a function call, judged as such.
import type { PgObject } from './ast.ts'
import { bodyOf, list, str } from './ast.ts'

const RESTRICT = 'restrict_nonsystem_relation_kind'
/** The values pg_dump gives restrict_nonsystem_relation_kind (src/bin/pg_dump/pg_dump.c, set_restrict_relation_kind). */
const RESTRICT_VALUES = new Set(['view, foreign-table', 'view'])

/** Whether an object has exactly these keys (`location` aside): a field the form does not have is another form. */
function only(body: PgObject | undefined, keys: readonly string[]): body is PgObject {
  if (!body) return false
  return Object.keys(body).every((k) => k === 'location' || keys.includes(k)) && keys.every((k) => k in body)
}

function constString(value: unknown): string | undefined {
  const c = bodyOf(value, 'A_Const')
  if (!only(c, ['sval'])) return undefined
  const s = bodyOf(c.sval, 'String') ?? (c.sval as PgObject)
  return only(s, ['sval']) ? str(s.sval) : only(s, []) ? '' : undefined
}

/** `false`: a boolean constant whose value, false, the parse tree leaves out. */
function constFalse(value: unknown): boolean {
  const c = bodyOf(value, 'A_Const')
  return only(c, ['boolval']) && only(c.boolval as PgObject, [])
}

/** A bare, unqualified column name. */
function columnNamed(value: unknown, name: string): boolean {
  const ref = bodyOf(value, 'ColumnRef')
  if (!only(ref, ['fields'])) return false
  const fields = list(ref.fields)
  return fields.length === 1 && str(bodyOf(fields[0], 'String')?.sval) === name
}

/** `set_config(a, b, false)` as the only result column, without alias: its two first arguments; else undefined. */
function onlyCall(body: PgObject, qualified: boolean): [unknown, unknown] | undefined {
  if (body.limitOption !== 'LIMIT_OPTION_DEFAULT' || body.op !== 'SETOP_NONE') return undefined
  const targets = list(body.targetList)
  if (targets.length !== 1) return undefined
  const target = bodyOf(targets[0], 'ResTarget')
  if (!only(target, ['val'])) return undefined
  const call = bodyOf(target.val, 'FuncCall')
  if (!only(call, ['funcname', 'args', 'funcformat']) || call.funcformat !== 'COERCE_EXPLICIT_CALL') return undefined
  const fn = list(call.funcname).map((n) => str(bodyOf(n, 'String')?.sval)).join('.')
  if (fn !== (qualified ? 'pg_catalog.set_config' : 'set_config')) return undefined
  const args = list(call.args)
  if (args.length !== 3 || !constFalse(args[2])) return undefined
  return [args[0], args[1]]
}

export interface SetConfigForm {
  node: [string, PgObject]
  /** What the statement's detail records of its form: `via`, and `reads` for the one that reads a relation. */
  detail: Record<string, string>
}

function setStmt(name: string, value: string, detail: Record<string, string>): SetConfigForm {
  return { node: ['VariableSetStmt', { kind: 'VAR_SET_VALUE', name, args: [{ A_Const: { sval: { sval: value } } }] }], detail }
}

function searchPathForm(body: PgObject): SetConfigForm | undefined {
  if (!only(body, ['targetList', 'limitOption', 'op'])) return undefined
  const args = onlyCall(body, true)
  if (!args || constString(args[0]) !== 'search_path' || constString(args[1]) !== '') return undefined
  return setStmt('search_path', '', { via: 'pg_catalog.set_config' })
}

function restrictForm(body: PgObject): SetConfigForm | undefined {
  if (!only(body, ['targetList', 'fromClause', 'whereClause', 'limitOption', 'op'])) return undefined
  const args = onlyCall(body, false)
  const value = args && constString(args[1])
  if (!args || !columnNamed(args[0], 'name') || value === undefined || !RESTRICT_VALUES.has(value)) return undefined
  const from = list(body.fromClause)
  const rel = from.length === 1 ? bodyOf(from[0], 'RangeVar') : undefined
  if (!only(rel, ['relname', 'inh', 'relpersistence']) || rel.relname !== 'pg_settings' || rel.inh !== true || rel.relpersistence !== 'p') return undefined
  const where = bodyOf(body.whereClause, 'A_Expr')
  if (!only(where, ['kind', 'name', 'lexpr', 'rexpr']) || where.kind !== 'AEXPR_OP') return undefined
  const op = list(where.name).map((n) => str(bodyOf(n, 'String')?.sval))
  if (op.length !== 1 || op[0] !== '=' || !columnNamed(where.lexpr, 'name') || constString(where.rexpr) !== RESTRICT) return undefined
  return setStmt(RESTRICT, value, { via: 'set_config', reads: 'pg_settings' })
}

/** The VariableSetStmt one of pg_dump's set_config forms stands for; undefined for any other statement. */
export function setConfigAsSet(name: string, body: PgObject): SetConfigForm | undefined {
  if (name !== 'SelectStmt') return undefined
  return searchPathForm(body) ?? restrictForm(body)
}
