// Which table column each result column comes from, looked up by (table OID, attribute number) on a
// gateway-owned side connection, cached per target and dropped whenever a DDL statement passes.
// The cache is warmed with every user table's columns when the first session of a target connects: a lookup
// issued while a client holds a transaction open can wait behind it on servers that run one query at a time
// (the embedded PGlite demo), so the common case must not need one.
import type { Backend } from './backend.ts'
import type { FieldDescription } from './messages/row-description.ts'
import { SideQuery } from './side-query.ts'

export interface ColumnSource {
  schema: string
  table: string
  column: string
}

interface TableInfo {
  schema: string
  table: string
  columns: Map<number, string>
}

/** Opens the side session (the caller supplies the credentials and application_name). */
export type SideConnector = () => Promise<Backend>

/** Upper bound on columns loaded by warm(); larger schemas are looked up on demand past it. */
const WARM_LIMIT = 20_000
/** A lookup that takes longer fails the masking of its result (closed), instead of stalling the session. */
const LOOKUP_TIMEOUT_MS = 5_000

const COLUMNS_SQL = 'SELECT c.oid, n.nspname, c.relname, a.attnum, a.attname FROM pg_catalog.pg_attribute a ' +
  'JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ' +
  'WHERE a.attnum > 0 AND NOT a.attisdropped AND '

export class Catalog {
  private tables = new Map<number, TableInfo>()
  private side: SideQuery | undefined
  private connecting: Promise<SideQuery> | undefined
  private warming: Promise<void> | undefined

  constructor(private readonly connect: SideConnector, private readonly lookupTimeoutMs = LOOKUP_TIMEOUT_MS) {}

  /** Loads the columns of every user table, once (again after invalidate()); never throws. */
  warm(): Promise<void> {
    this.warming ??= this.session()
      .then((side) => side.query(
        `${COLUMNS_SQL}c.relkind IN ('r', 'v', 'm', 'p', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') ` +
        `ORDER BY c.oid, a.attnum LIMIT ${WARM_LIMIT}`,
      ))
      .then((rows) => this.store(rows))
      .catch(() => {
        // Lookups on demand still work; warming is tried again with the next session.
        this.warming = undefined
      })
    return this.warming
  }

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

  /** Sources of each field; undefined for computed columns (table OID 0) and columns the catalog does not show. */
  async sources(fields: FieldDescription[]): Promise<(ColumnSource | undefined)[]> {
    const missing = [...new Set(fields.filter((f) => f.tableOid !== 0 && !this.known(f)).map((f) => f.tableOid))]
    if (missing.length) await this.load(missing)
    return this.lookup(fields)
  }

  /** The sources when every table column is already cached; undefined when a lookup is needed. */
  cachedSources(fields: FieldDescription[]): (ColumnSource | undefined)[] | undefined {
    return fields.every((f) => f.tableOid === 0 || this.known(f)) ? this.lookup(fields) : undefined
  }

  private lookup(fields: FieldDescription[]): (ColumnSource | undefined)[] {
    return fields.map((f) => {
      if (f.tableOid === 0) return undefined
      const t = this.tables.get(f.tableOid)
      const column = t?.columns.get(f.attnum)
      return t && column !== undefined ? { schema: t.schema, table: t.table, column } : undefined
    })
  }

  private known(f: FieldDescription): boolean {
    return this.tables.get(f.tableOid)?.columns.has(f.attnum) ?? false
  }

  private async load(oids: number[]): Promise<void> {
    // OIDs are integers from the server's RowDescription, never client text.
    const list = oids.map((o) => String(o >>> 0)).join(',')
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
      const rows = await Promise.race([this.session().then((side) => side.query(`${COLUMNS_SQL}c.oid = ANY('{${list}}'::oid[])`)), timeout])
      this.store(rows)
    } finally {
      clearTimeout(timer)
    }
  }

  private store(rows: (string | null)[][]): void {
    for (const [oid, schema, table, attnum, attname] of rows) {
      const key = Number(oid)
      let t = this.tables.get(key)
      if (!t) {
        t = { schema: schema ?? '', table: table ?? '', columns: new Map() }
        this.tables.set(key, t)
      }
      t.columns.set(Number(attnum), attname ?? '')
    }
  }

  /** Drops what is cached (DDL passed) and warms again in the background. */
  invalidate(): void {
    this.tables = new Map()
    this.warming = undefined
    void this.warm()
  }

  close(): void {
    this.side?.close()
    this.side = undefined
  }
}
