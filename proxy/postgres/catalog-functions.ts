// Functions and operators outside pg_catalog named like a built-in. PostgreSQL picks, among the functions (or
// operators) of a name on the search_path, the one whose argument types match best, whatever the schema order
// (CVE-2018-1058): with an aggregate public.count(text), `count(email)` runs it, not pg_catalog.count("any"); with
// an operator public.=(text, varchar), `status = 'x'::varchar` runs its function. The policy trusts built-ins by
// their unqualified name (count is a safe derivation, lower a known-safe function, operators no call at all), so
// the gateway tells the normalizer which names may call something else, and their uses are judged as calls of that
// schema's function. Function names and operator symbols never collide (identifiers against symbol characters),
// so one list holds both. Extension members (citext's lower(citext) …) a superuser owns are left out: an
// administrator installed them, or a trusted extension's script made them.

/** The list is looked up again before a statement calling a function is judged once it is this old. */
export const FUNCTIONS_FRESH_MS = 1_000
/** Past this age, with lookups failing, no name is known to call the built-in. */
const FUNCTIONS_TRUST_MS = 10_000
/** The schema reported for every name while the list cannot be trusted: no built-in then counts as known. */
export const UNVERIFIED_SCHEMA = '(unverified)'

const OUTSIDE = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast_)?temp_'"
const POSITION = 'pg_catalog.array_position(pg_catalog.current_schemas(false), n.nspname)'
// An extension member is left out only when a superuser owns it: a role with CREATE on the database can create a
// trusted extension (lo, citext …), which it then owns, and ALTER EXTENSION … ADD its own public.count(text) to it;
// the members the extension's script made are owned by the bootstrap superuser.
const notExtensionMember = (catalog: string, oid: string, owner: string) =>
  `NOT (EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = '${catalog}'::pg_catalog.regclass AND d.objid = ${oid} AND d.deptype = 'e') ` +
  `AND COALESCE((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid = ${owner}), false))`

/**
 * Names the shipped policy trusts as built-ins (safe_functions and side_effect_functions of
 * policies/warden/catalog/sql/data.json) that PostgreSQL 15's pg_catalog has no function of: MySQL's (date_add,
 * a built-in only since PostgreSQL 16, ifnull …), words the grammar reads as syntax unless quoted ("greatest"(x)),
 * a type a call converts to when no function has its name (inet(x)), an extension's member (uuid_generate_v4).
 * An unqualified call of one runs whatever function of that name the search_path holds; catalog-functions.test.ts
 * keeps the list complete against the server.
 */
export const TRUSTED_BY_NAME = [
  'grouping', 'group_concat', 'greatest', 'least', 'trim', 'ifnull', 'if', 'locate', 'instr', 'ucase', 'lcase', 'xmlparse',
  'xmlserialize', 'xmlelement', 'xmlforest', 'xmlconcat', 'date_format', 'datediff', 'date_add', 'date_sub', 'curdate',
  'unix_timestamp', 'json_extract', 'json_unquote', 'coalesce', 'nullif', 'row', 'current_role', 'user', 'uuid_generate_v4',
  'inet', 'database', 'found_rows', 'last_insert_id',
]

/**
 * Every function and operator outside pg_catalog, information_schema and the temporary schemas (never searched for
 * functions or operators) that shares a name with a built-in (or is one of TRUSTED_BY_NAME), is no extension member
 * a superuser owns, with its schema's position in the search_path of the gateway's role (NULL when not on it).
 */
export const SHADOWING_FUNCTIONS_SQL =
  `SELECT n.nspname, p.proname, ${POSITION} AS pos FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace ` +
  `WHERE ${OUTSIDE} AND ${notExtensionMember('pg_catalog.pg_proc', 'p.oid', 'p.proowner')} ` +
  "AND (EXISTS (SELECT 1 FROM pg_catalog.pg_proc b WHERE b.pronamespace = 'pg_catalog'::pg_catalog.regnamespace AND b.proname = p.proname) " +
  `OR p.proname = ANY ('{${TRUSTED_BY_NAME.join(',')}}'::pg_catalog.text[])) ` +
  `UNION SELECT n.nspname, o.oprname, ${POSITION} FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace ` +
  `WHERE ${OUTSIDE} AND ${notExtensionMember('pg_catalog.pg_operator', 'o.oid', 'o.oprowner')} ` +
  "AND EXISTS (SELECT 1 FROM pg_catalog.pg_operator b WHERE b.oprnamespace = 'pg_catalog'::pg_catalog.regnamespace AND b.oprname = o.oprname) " +
  'ORDER BY 3 NULLS LAST, 1, 2'

/** The names of the functions in pg_catalog (about 3,000). */
export const BUILTIN_FUNCTIONS_SQL = "SELECT DISTINCT proname FROM pg_catalog.pg_proc WHERE pronamespace = 'pg_catalog'::pg_catalog.regnamespace"

export class ShadowingFunctions {
  /** Name → the first schema on the search_path holding a function of that name. */
  private onPath = new Map<string, string>()
  /** Name → a schema anywhere holding one (for sessions whose search_path changed). */
  private anywhere = new Map<string, string>()
  private loadedAt = -Infinity
  private triedAt = -Infinity
  private failedAt = -Infinity
  private loading: Promise<void> | undefined
  /** Counts clear()s: a lookup begun before one (before the DDL that caused it committed) is not stored. */
  private generation = 0

  constructor(private readonly now: () => number) {}

  /**
   * The schema whose function an unqualified call of `name` may run instead of the built-in; undefined when none.
   * Never looked up, or only failing lookups for FUNCTIONS_TRUST_MS: no built-in is known (fail closed).
   */
  schemaOf(name: string, anySchema: boolean): string | undefined {
    if (this.loadedAt === -Infinity || (this.failedAt > this.loadedAt && this.now() - this.loadedAt >= FUNCTIONS_TRUST_MS)) return UNVERIFIED_SCHEMA
    return (anySchema ? this.anywhere : this.onPath).get(name)
  }

  /**
   * Whether a judgement must wait for a lookup: one is under way, or the list is older than FUNCTIONS_FRESH_MS
   * and none was tried since (a failing server is not asked more often).
   */
  due(): boolean {
    if (this.loading) return true
    const at = this.now()
    return at - this.loadedAt >= FUNCTIONS_FRESH_MS && at - this.triedAt >= FUNCTIONS_FRESH_MS
  }

  /** Replaces the list with what `query` returns (SHADOWING_FUNCTIONS_SQL's rows); one lookup at a time. */
  load(query: () => Promise<(string | null)[][]>): Promise<void> {
    if (this.loading) return this.loading
    const generation = this.generation
    this.loading = (async () => {
      this.triedAt = this.now()
      try {
        const rows = await query()
        // Cleared meanwhile: these rows may predate a function or operator just created; the list stays unloaded
        // (no built-in known) until a lookup begun after the clear answers.
        if (generation === this.generation) this.store(rows)
      } catch (err) {
        if (generation === this.generation) this.failedAt = this.now()
        throw err
      } finally {
        // After a clear() the lookup under way, if any, is a newer one.
        if (generation === this.generation) this.loading = undefined
      }
    })()
    return this.loading
  }

  private store(rows: (string | null)[][]): void {
    const onPath = new Map<string, string>()
    const anywhere = new Map<string, string>()
    for (const [schema, name, pos] of rows) {
      if (!schema || !name) continue
      if (pos !== null && pos !== undefined && !onPath.has(name)) onPath.set(name, schema)
      if (!anywhere.has(name)) anywhere.set(name, schema)
    }
    this.onPath = onPath
    this.anywhere = anywhere
    this.loadedAt = this.now()
  }

  clear(): void {
    this.generation++
    this.loading = undefined
    this.onPath = new Map()
    this.anywhere = new Map()
    this.loadedAt = -Infinity
    this.triedAt = -Infinity
    this.failedAt = -Infinity
  }
}
