// Functions outside pg_catalog named like a built-in. PostgreSQL picks, among the functions of a name on the
// search_path, the one whose argument types match best, whatever the schema order (CVE-2018-1058): with an
// aggregate public.count(text), `count(email)` runs it, not pg_catalog.count("any"). The policy trusts built-ins by
// their unqualified name (count is a safe derivation, lower a known-safe function), so the gateway tells the
// normalizer which names may call something else, and their calls are judged as calls of that schema's function.
// Extension members (citext's lower(citext) …) are left out: an extension is installed by an administrator.

/** The list is looked up again before a statement calling a function is judged once it is this old. */
export const FUNCTIONS_FRESH_MS = 1_000
/** Past this age (lookups failing) no name is known to call the built-in. */
const FUNCTIONS_TRUST_MS = 10_000
/** The schema reported for every name while the list cannot be trusted: no built-in then counts as known. */
export const UNVERIFIED_SCHEMA = '(unverified)'

/**
 * Every function outside pg_catalog, information_schema and the temporary schemas (never searched for functions)
 * that shares a name with a built-in, is no extension member, with its schema's position in the search_path of
 * the gateway's role (NULL when not on it).
 */
export const SHADOWING_FUNCTIONS_SQL =
  'SELECT DISTINCT n.nspname, p.proname, pg_catalog.array_position(pg_catalog.current_schemas(false), n.nspname) AS pos ' +
  'FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace ' +
  "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast_)?temp_' " +
  "AND EXISTS (SELECT 1 FROM pg_catalog.pg_proc b WHERE b.pronamespace = 'pg_catalog'::pg_catalog.regnamespace AND b.proname = p.proname) " +
  "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'e') " +
  'ORDER BY pos NULLS LAST, n.nspname, p.proname'

export class ShadowingFunctions {
  /** Name → the first schema on the search_path holding a function of that name. */
  private onPath = new Map<string, string>()
  /** Name → a schema anywhere holding one (for sessions whose search_path changed). */
  private anywhere = new Map<string, string>()
  private loadedAt = -Infinity
  private triedAt = -Infinity

  constructor(private readonly now: () => number) {}

  /** The schema whose function an unqualified call of `name` may run instead of the built-in; undefined when none. */
  schemaOf(name: string, anySchema: boolean): string | undefined {
    if (this.now() - this.loadedAt >= FUNCTIONS_TRUST_MS) return UNVERIFIED_SCHEMA
    return (anySchema ? this.anywhere : this.onPath).get(name)
  }

  /** Whether a lookup is due: the list is older than FUNCTIONS_FRESH_MS, and none was tried since. */
  due(): boolean {
    const at = this.now()
    return at - this.loadedAt >= FUNCTIONS_FRESH_MS && at - this.triedAt >= FUNCTIONS_FRESH_MS
  }

  tried(): void {
    this.triedAt = this.now()
  }

  /** Rows of SHADOWING_FUNCTIONS_SQL (ordered by search_path position) replace the list. */
  store(rows: (string | null)[][]): void {
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
    this.onPath = new Map()
    this.anywhere = new Map()
    this.loadedAt = -Infinity
    this.triedAt = -Infinity
  }
}
