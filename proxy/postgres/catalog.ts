// The target's catalog as the gateway caches it, on a gateway-owned side session shared by every session of a
// target: relations (kind, columns in attnum order, view definitions) by OID and by name. It answers two
// questions synchronously from the cache: which base column a result column comes from (tableOid, attnum of a
// RowDescription), and what a relation name means (SchemaCatalog, for the normalizer's stars and views).
// The cache is warmed when the first session of a target connects: a lookup issued while a client holds a
// transaction open can wait behind it on servers that run one query at a time (the embedded PGlite demo), so the
// common case must not need one. Misses load on demand, in bounded time; DDL through the gateway drops it, and
// a result whose columns disagree with it refreshes the relations involved (see result-columns.ts).
import type { CatalogRelation, RelationLookup, SchemaCatalog } from '../../engine/normalize/sql/index.ts'
import type { Backend } from './backend.ts'
import { BUILTIN_FUNCTIONS_SQL, SHADOWING_FUNCTIONS_SQL, ShadowingFunctions } from './catalog-functions.ts'
import { allRelationsSql, type CachedRelation, relationsByNameSql, relationsByOidSql, relationsOf, type RelationName } from './catalog-sql.ts'
import { SideQuery } from './side-query.ts'

export type { RelationName } from './catalog-sql.ts'

/** What a judgement needed that the cache did not have: a relation name, or the list of shadowing functions. */
export type CatalogMiss = RelationName | 'functions'

export interface ColumnSource {
  schema: string
  table: string
  column: string
  kind: CatalogRelation['kind']
  /** A temporary relation (of this or another session): the normalizer never resolves a name to one. */
  temp: boolean
}

/** Opens the side session (the caller supplies the credentials and application_name). */
export type SideConnector = () => Promise<Backend>

/** Upper bound on rows (one per column) loaded by warm(); relations past it are looked up on demand. */
const WARM_LIMIT = 20_000
/** A lookup that takes longer fails (closed), instead of stalling the session. */
const LOOKUP_TIMEOUT_MS = 5_000
/** A name found absent is not looked up again for this long (CTE names, typos, relations created later). */
const ABSENT_TTL_MS = 10_000
/** Names per on-demand lookup. */
const MAX_NAMES = 64
/**
 * A view's cached definition is trusted this long; after it the view is looked up again before a statement naming
 * it is judged. The server can redefine a view unseen (a migration, another gateway of a scale-out), and a result
 * names the view, not the base column, so only the definition says a view column is a masked one. A hot view
 * costs one lookup a second.
 */
export const VIEW_FRESH_MS = 1_000
/**
 * How recently a relation must have been looked up for a masked read of it to be pipelined with its Sync
 * (extended.ts): its kind and row security can change on the server unseen, like a view's definition.
 */
export const STORED_FRESH_MS = 1_000
/** Past this age (lookups failing) a view is not known at all: its columns have unknown lineage. */
const VIEW_TRUST_MS = 10_000
// A table that could have been turned into a view unseen (catalog-sql.ts `convertible`) is held to the same times: a
// table with an ON SELECT rule named _RETURN becomes a view with the same OID and columns, so no result disagrees
// with the cache; the server then reads the view's query. Tables with a primary key (an index) cannot be.
const VIEW_KINDS = new Set<CatalogRelation['kind']>(['view', 'materialized_view'])

const nameKey = (schema: string, name: string) => `${schema}\u0000${name}`

/** The search_path unqualified names are resolved with (resolve()), as PostgreSQL shows it (search-path-watch.ts). */
export const RESOLVED_SEARCH_PATH = '"$user", public'

export class Catalog implements SchemaCatalog {
  private byOid = new Map<number, CachedRelation>()
  private byName = new Map<string, CachedRelation>()
  /** Names of temporary relations: in some session they shadow every other relation of that name. */
  private tempNames = new Set<string>()
  private absent = new Map<string, number>()
  /** When each cached relation was loaded (views are trusted for VIEW_FRESH_MS). */
  private readonly loadedAt = new WeakMap<CachedRelation, number>()
  private side: SideQuery | undefined
  private connecting: Promise<SideQuery> | undefined
  private warming: Promise<void> | undefined
  private recording: Set<string> | undefined
  /** Relations being looked up again by checkedWithin(). */
  private rechecking = new Set<string>()
  /** The upstream role, the `$user` of the default search_path. */
  private user: string | undefined
  /** The side session's search_path: the one the role's sessions start with (search-path-watch.ts). */
  private searchPath: string | undefined
  /** Names of the functions in pg_catalog (looked up once at warm-up: only a superuser can add one). */
  private builtins: ReadonlySet<string> | undefined
  /** Functions named like built-ins (catalog-functions.ts). */
  private readonly functions: ShadowingFunctions
  /** A judgement being watched asked about functions while their list was due for a lookup. */
  private functionsMissed = false
  /** Bumped whenever what is cached changes, so plans made from older contents are not reused. */
  version = 0
  /**
   * Bumped when what the cache says about a relation may have changed: DDL passed (invalidate()), or a relation
   * looked up again is not what was cached. A judgement made before (a statement prepared earlier) may describe
   * relations as they no longer are, while the server plans it again with them as they are now.
   */
  generation = 0
  /** The generation each judgement was made at (judgements are plain objects the engine may cache and reuse). */
  private readonly judgedAt = new WeakMap<object, number>()

  constructor(private readonly connect: SideConnector, private readonly lookupTimeoutMs = LOOKUP_TIMEOUT_MS, private readonly now: () => number = Date.now) {
    this.functions = new ShadowingFunctions(now)
  }

  /** Loads every relation, once (again after invalidate()); never throws. */
  warm(): Promise<void> {
    // JIT off for this side session: the warm-up's estimated cost passes jit_above_cost, and compiling took 2.5 s of
    // its 2.8 s over 2,000 tables (PostgreSQL 15); a server without the setting (before 11) has no JIT.
    this.warming ??= this.query(
      "SELECT current_user, pg_catalog.current_setting('search_path'), " +
        "(SELECT pg_catalog.set_config(name, 'off', false) FROM pg_catalog.pg_settings WHERE name = 'jit')",
    )
      .then(([row]) => {
        this.user = row?.[0] ?? undefined
        this.searchPath = row?.[1] ?? undefined
        return this.query(allRelationsSql(WARM_LIMIT))
      })
      .then((rows) => this.store(relationsOf(rows, rows.length < WARM_LIMIT)))
      .then(() => this.query(BUILTIN_FUNCTIONS_SQL))
      .then((rows) => {
        this.builtins = new Set(rows.map(([name]) => name ?? ''))
      })
      .then(() => this.loadFunctions())
      .catch(() => {
        // Lookups on demand still work; warming is tried again with the next session.
        this.warming = undefined
      })
    return this.warming
  }

  /** The upstream role (the `$user` names resolve with) and the search_path its sessions start with; undefined before warm-up. */
  get defaults(): { user: string; searchPath: string } | undefined {
    return this.user === undefined || this.searchPath === undefined ? undefined : { user: this.user, searchPath: this.searchPath }
  }

  /** Whether pg_catalog has a function of this name; false while not looked up (fail closed). */
  isBuiltinFunction(name: string): boolean {
    return this.builtins?.has(name) === true
  }

  // ---- SchemaCatalog ----

  /**
   * A relation as the server would resolve the name with the default search_path (RESOLVED_SEARCH_PATH): a temporary relation of that
   * name (in whichever session) makes an unqualified name unknown, then pg_catalog, `$user`, public. Asked for
   * the `current` word (a write with RETURNING: rules), any relation is held to a view's times.
   */
  relation(schema: string | null, name: string, lookup?: RelationLookup): CatalogRelation | undefined {
    const resolved = this.resolve(schema, name)
    const age = resolved ? (lookup?.current ? this.now() - (this.loadedAt.get(resolved) ?? -Infinity) : this.definitionAge(resolved)) : 0
    // A view is looked up again before a statement naming it is judged once its definition is VIEW_FRESH_MS old,
    // and is not known at all past VIEW_TRUST_MS (lookups failing: unknown lineage, fail closed).
    const found = age >= VIEW_TRUST_MS ? undefined : resolved
    if ((!found || age >= VIEW_FRESH_MS) && this.recording && schema !== 'pg_temp') this.recording.add(JSON.stringify([schema, name]))
    return found?.relation
  }

  /**
   * True when the name resolves (as relation() resolves it) to an entry loaded less than `ms` ago. When it is
   * older, it is looked up again in the background (once at a time), so a later call can say true.
   */
  checkedWithin(schema: string | null, name: string, ms: number): boolean {
    const r = this.resolve(schema, name)
    if (!r) return false
    if (this.now() - (this.loadedAt.get(r) ?? -Infinity) < ms) return true
    const key = nameKey(r.relation.schema, r.relation.name)
    if (!this.rechecking.has(key)) {
      this.rechecking.add(key)
      void this.loadNames([{ schema: r.relation.schema, name: r.relation.name }])
        .catch(() => undefined)
        .finally(() => this.rechecking.delete(key))
    }
    return false
  }

  /** How long ago a view's definition (or a convertible table's kind) was loaded; 0 for other relations. */
  private definitionAge(r: CachedRelation): number {
    return VIEW_KINDS.has(r.relation.kind) || r.convertible ? this.now() - (this.loadedAt.get(r) ?? -Infinity) : 0
  }

  private resolve(schema: string | null, name: string): CachedRelation | undefined {
    if (schema !== null) return schema === 'pg_temp' ? undefined : this.byName.get(nameKey(schema, name))
    if (this.tempNames.has(name)) return undefined
    for (const s of ['pg_catalog', this.user, 'public']) {
      const r = s === undefined ? undefined : this.byName.get(nameKey(s, name))
      if (r) return r
    }
    return undefined
  }

  /**
   * A relation of pg_catalog by its unqualified name, as any session whose search_path leaves pg_catalog first
   * resolves it: undefined when a temporary relation of that name (in whichever session) may stand before it.
   */
  catalogRelation(name: string): CatalogRelation | undefined {
    return this.tempNames.has(name) ? undefined : this.relation('pg_catalog', name)
  }

  /**
   * The schema of a function named like the built-in `name` that an unqualified call may run instead (on the
   * search_path, or with `anySchema` in any schema); undefined when there is none.
   */
  functionSchema(name: string, anySchema = false): string | undefined {
    if (this.recording && this.functions.due()) this.functionsMissed = true
    return this.functions.schemaOf(name, anySchema)
  }

  /**
   * Runs fn (a synchronous judge); returns the relation names it asked for that are neither cached nor known
   * absent, and 'functions' when it asked about functions whose list is due for a lookup.
   */
  watch<T>(fn: () => T): { result: T; misses: CatalogMiss[] } {
    const seen = new Set<string>()
    this.recording = seen
    this.functionsMissed = false
    let result: T
    try {
      result = fn()
    } finally {
      this.recording = undefined
    }
    const at = this.now()
    const misses: CatalogMiss[] = [...seen]
      .filter((k) => (this.absent.get(k) ?? -Infinity) + ABSENT_TTL_MS <= at)
      .map((k) => JSON.parse(k) as [string | null, string])
      .map(([schema, name]) => ({ schema, name }))
    if (this.functionsMissed) misses.push('functions')
    this.functionsMissed = false
    return { result, misses }
  }

  /** Looks up what watch() reported missing. */
  async load(misses: CatalogMiss[]): Promise<void> {
    const names = misses.filter((m): m is RelationName => m !== 'functions')
    await Promise.all([names.length ? this.loadNames(names) : undefined, misses.includes('functions') ? this.loadFunctions() : undefined])
  }

  /** Looks up the functions named like built-ins (at most once per FUNCTIONS_FRESH_MS while failing). */
  loadFunctions(): Promise<void> {
    return this.functions.load(() => this.query(SHADOWING_FUNCTIONS_SQL))
  }

  /** Looks up relations by name; those still unknown (not found, or the lookup failed) are remembered as absent
   * for a while, so an unreachable catalog does not make every statement wait for it. */
  async loadNames(names: RelationName[]): Promise<void> {
    const wanted = names.slice(0, MAX_NAMES)
    if (!wanted.length) return
    try {
      const unique = [...new Set(wanted.map((n) => n.name))]
      const found = relationsOf(await this.query(relationsByNameSql(unique)))
      // A temporary relation's name stays shadowed only while some session still has one by that name: kept after
      // its session ended, it would deny everyone's reads of the real relation until the next DDL.
      for (const name of unique) this.tempNames.delete(name)
      this.store(found)
    } finally {
      const at = this.now()
      for (const n of wanted) {
        const r = this.resolve(n.schema, n.name)
        if (!r || this.definitionAge(r) >= VIEW_FRESH_MS) this.absent.set(JSON.stringify([n.schema, n.name]), at)
      }
    }
  }

  // ---- result columns ----

  /** The base column of a RowDescription field; undefined for computed columns and relations not cached. */
  column(tableOid: number, attnum: number): ColumnSource | undefined {
    const r = tableOid === 0 ? undefined : this.byOid.get(tableOid)
    const column = r?.byAttnum.get(attnum)
    return r && column !== undefined ? { schema: r.relation.schema, table: r.relation.name, column, kind: r.relation.kind, temp: r.temp } : undefined
  }

  /** (Re)loads the relations with these OIDs: what the server says now replaces what was cached. */
  async loadOids(oids: number[]): Promise<void> {
    if (!oids.length) return
    const rows = await this.query(relationsByOidSql(oids))
    for (const oid of oids) this.drop(oid)
    this.store(relationsOf(rows))
  }

  // ---- cache ----

  private store(relations: CachedRelation[]): void {
    const at = this.now()
    for (const r of relations) {
      if (this.changes(r)) this.generation++
      this.drop(r.oid)
      this.loadedAt.set(r, at)
      const { schema, name } = r.relation
      this.byOid.set(r.oid, r)
      if (r.temp) this.tempNames.add(name)
      else this.byName.set(nameKey(schema, name), r)
      this.absent.delete(JSON.stringify([schema, name]))
      this.absent.delete(JSON.stringify([null, name]))
    }
    this.version++
  }

  /** Records that `judgement` was made with the cache as it is now (its generation read before judging began). */
  judged(judgement: object, generation: number): void {
    this.judgedAt.set(judgement, generation)
  }

  /** Whether `judgement` was made before the latest change of generation, or is not known to this catalog. */
  staleJudgement(judgement: object): boolean {
    return this.judgedAt.get(judgement) !== this.generation
  }

  /** Whether `r` replaces a cached relation of its OID or name that differs from it. */
  private changes(r: CachedRelation): boolean {
    const before = this.byOid.get(r.oid) ?? (r.temp ? undefined : this.byName.get(nameKey(r.relation.schema, r.relation.name)))
    return before !== undefined && (before.oid !== r.oid || JSON.stringify(before.relation) !== JSON.stringify(r.relation))
  }

  private drop(oid: number): void {
    const old = this.byOid.get(oid)
    if (!old) return
    this.byOid.delete(oid)
    const key = nameKey(old.relation.schema, old.relation.name)
    if (this.byName.get(key) === old) this.byName.delete(key)
    this.version++
  }

  /** Drops what is cached (DDL passed) and warms again in the background. */
  invalidate(): void {
    this.byOid = new Map()
    this.byName = new Map()
    this.tempNames = new Set()
    this.absent = new Map()
    this.functions.clear()
    this.version++
    this.generation++
    this.warming = undefined
    void this.warm()
  }

  // ---- side session ----

  private async session(): Promise<SideQuery> {
    if (this.side?.usable) return this.side
    this.connecting ??= this.connect().then(
      (b) => {
        this.side = new SideQuery(b)
        this.connecting = undefined
        return this.side
      },
      (err) => {
        this.connecting = undefined
        throw err
      },
    )
    return this.connecting
  }

  private async query(sql: string): Promise<(string | null)[][]> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // The side session is now behind an unanswered query: drop it, the next lookup opens another.
        this.side?.close()
        this.side = undefined
        reject(new Error(`catalog lookup took longer than ${this.lookupTimeoutMs} ms`))
      }, this.lookupTimeoutMs)
    })
    try {
      return await Promise.race([this.session().then((side) => side.query(sql)), timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  close(): void {
    this.side?.close()
    this.side = undefined
  }
}
