// Whether a statement can only name built-in types. A cast to a domain, or a parameter of one, runs the
// domain's CHECK expressions, which may call any function (a pg_notify acts at commit): a statement that
// calls no function by name can still run code this way.
import { KeyedLru } from '../../engine/keyed-lru.ts'
import { parsePostgres } from '../../engine/normalize/sql/parse.ts'

/** PostgreSQL's FirstNormalObjectId: every type created after initdb has an OID from here on. */
const FIRST_NORMAL_OID = 16384

/** Whether a type OID Parse declares is built in (or 0, left to the server to infer). */
export const builtinTypeOid = (oid: number): boolean => oid >= 0 && oid < FIRST_NORMAL_OID

/** Unqualified names of common built-in types (pg_catalog is searched first: search-path rules deny otherwise). */
const BUILTIN = new Set([
  'bool', 'boolean', 'int2', 'int4', 'int8', 'smallint', 'integer', 'int', 'bigint', 'numeric', 'decimal', 'float4', 'float8', 'real',
  'text', 'varchar', 'char', 'bpchar', 'name', 'bytea', 'uuid', 'json', 'jsonb', 'date', 'time', 'timetz', 'timestamp', 'timestamptz',
  'interval', 'oid', 'regclass', 'inet', 'cidr',
])

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null

function builtinTypeName(typeName: unknown): boolean {
  if (!isObject(typeName) || !Array.isArray(typeName.names)) return false
  const names = typeName.names.map((n) => (isObject(n) && isObject(n.String) && typeof n.String.sval === 'string' ? n.String.sval : undefined))
  if (names.some((n) => n === undefined)) return false
  return (names.length === 2 && names[0] === 'pg_catalog') || (names.length === 1 && BUILTIN.has(names[0]!))
}

function namesOnlyBuiltinTypes(node: unknown): boolean {
  if (Array.isArray(node)) return node.every(namesOnlyBuiltinTypes)
  if (!isObject(node)) return true
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'typeName' || key === 'TypeName') && !builtinTypeName(value)) return false
    if (!namesOnlyBuiltinTypes(value)) return false
  }
  return true
}

// What the text names depends on the text alone: a prepared statement executed again and again
// is parsed for it once, not at every Execute.
const answers = new KeyedLru<boolean>(1024, 1024 * 1024)

/**
 * True when `text` parses and every type it names (casts, typed literals, column definitions) is built in,
 * and every parameter type Parse declared is a built-in one (0: left to the server, which infers it from
 * built-in types here). False when in doubt.
 */
export function onlyBuiltinTypes(text: string, paramTypes: readonly number[] = []): boolean {
  if (!paramTypes.every(builtinTypeOid)) return false
  let answer = answers.get(text)
  if (answer === undefined) {
    try {
      answer = namesOnlyBuiltinTypes(parsePostgres(text))
    } catch {
      answer = false
    }
    answers.set(text, answer)
  }
  return answer
}
