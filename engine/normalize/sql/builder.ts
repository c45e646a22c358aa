// Turns parsed statements into SqlStatement entries, depth first: a statement, then the statements
// nested in it (see nested.ts), then the next statement.
import type { NestedVia, SqlOutput, SqlStatement, SqlStored } from '../../types.ts'
import { unwrap } from './ast.ts'
import type { Col } from './lineage-value.ts'
import { statementLineage } from './lineage.ts'
import { expandNested, explainAnalyzes, explainPrintsSizes } from './nested.ts'
import type { RawStmt, ScanToken } from './parse.ts'
import { parsePostgres, scanPostgres, SqlParseError } from './parse.ts'
import { type NewerSyntax, newerSyntax, newest } from './syntax-since.ts'
import { builtinTypeShadow } from './type-shadow.ts'
import { userParameterType } from './parameter-types.ts'
import { userTypesMade } from './user-casts.ts'
import { literalsCarryMaskOutput } from './mask-literals.ts'
import { isReadOnly, lockingOf } from './read-only.ts'
import { SourceText } from './source-text.ts'
import { setConfigAsSet } from './set-config.ts'
import { classify } from './statement-type.ts'
import type { ByteRange } from './tokens.ts'
import { collectRefs } from './walk.ts'
import { mergeUnboundedActions, whereLimitsRows } from './where-limits.ts'

export interface SqlContext {
  /** The session's prepared statements, name → SQL text, used to resolve EXECUTE. */
  prepared?: ReadonlyMap<string, string>
  /** What the target's catalog says about relations (columns, views); absent ⇒ column lists are unknown. */
  catalog?: SchemaCatalog
  /** Told of every text the builder parses or scans (engine/normalize/sql-template.ts watches literals). */
  watch?: ParseWatch
}

export interface ParseWatch {
  /** A text was parsed; called before its tree is walked. */
  parsed(text: string, stmts: RawStmt[]): void
  /** The lexer tokens of a text were read. */
  scanned(text: string): void
}

/** A relation as the target's catalog describes it. */
export interface CatalogRelation {
  schema: string
  name: string
  kind: 'table' | 'view' | 'materialized_view' | 'foreign_table' | 'partitioned_table' | 'other'
  /** Column names in attnum order (dropped columns left out). */
  columns: string[]
  /** For a view: its definition (pg_get_viewdef), to follow lineage through it. */
  definition?: string
  /**
   * For a table: its generated columns' expressions (pg_get_expr of pg_attrdef.adbin), by column name. A stored
   * generated column holds a value computed from other columns of its row: its lineage is theirs.
   */
  generated?: Record<string, string>
  /**
   * For a table: its columns that a table under it (an inheritance child or a partition, at any depth) computes by a
   * generation expression of its own (where this one has none, or another). A read of this table returns that table's
   * rows too, and those values come from columns this table's names do not tell.
   */
  generated_under?: string[]
  /** Row-level security is enabled: reading it runs its policies' expressions (which may call functions). */
  row_security?: true
  /**
   * The server rewrites writes to it: a rule on INSERT, UPDATE or DELETE, or an INSTEAD OF trigger. What a write's
   * RETURNING gives back is then whatever the rule or trigger makes it, not the row written.
   */
  write_rules?: true
  /**
   * Its columns of type json or jsonb. A whole document's values are masked by their keys (the masks of columns
   * named like each key), which a computation on the whole document (reverse(prefs::text), to_tsvector(prefs))
   * takes away: its lineage is then unknown (lineage-value.ts).
   */
  documents?: string[]
  /**
   * Its columns of a composite type: a value with named fields, sent as record text where nothing masks them by
   * name; computed on or read whole it is unknown, turned into JSON (to_jsonb) it is masked by its keys.
   */
  composites?: string[]
  /**
   * For a table: the columns each of its unique and exclusion indexes reads (a primary key, a unique or exclusion
   * constraint, a unique index; the columns an expression or a partial index's predicate reads; every column for
   * one reading the whole row), those of the tables under it included. A write of a value to such a column is matched
   * with the stored rows: unique_violation (23505) or exclusion_violation (23P01) says a written value is stored.
   * Absent: not known (a view, a foreign table), so any column may be one.
   */
  unique_keys?: string[][]
  /**
   * For a table: the columns each of its exclusion constraints reads, as unique_keys (known when unique_keys is). Its
   * operators may be any (`&&`, `<`): a value written is compared with the stored ones as by a condition, not looked up.
   */
  exclusion_keys?: string[][]
  /**
   * For a table: the columns the server checks or hands on a written value of before keeping it (a CHECK constraint,
   * foreign key, trigger WHEN, index expression, generated column or partition key reading it; a rule on the table; a
   * domain CHECK, length limit or user cast in its type), those of the tables under it included: code the writing
   * statement does not show runs over the value. Absent: not known, so any column may be one.
   */
  checked_columns?: string[]
}

/** How a relation is asked for. */
export interface RelationLookup {
  /**
   * The answer must be the server's current word, not one cached for long: the relation is written with RETURNING,
   * and a rule added on the server since it was cached would change what comes back.
   */
  current?: boolean
}

/**
 * Synchronous view of the target's catalog, as cached by the gateway. `schema` null means resolve as the
 * server would for an unqualified name (search_path). Undefined: the catalog does not know the relation.
 */
export interface SchemaCatalog {
  relation(schema: string | null, name: string, lookup?: RelationLookup): CatalogRelation | undefined
  /**
   * The schema of a function outside pg_catalog named like the built-in `name`, which an unqualified call may run
   * instead of the built-in (the server picks the best match of argument types, whatever the schema order);
   * undefined when there is none. Absent: the catalog does not know functions, unqualified names are built-ins.
   */
  functionSchema?(name: string): string | undefined
}

/** Nesting beyond this (EXECUTE of a DO of a function …) is refused rather than followed. */
export const MAX_NESTING = 8

/** One parsed text: its bytes, and its lexer tokens (scanned on first use). */
export class Program {
  readonly src: SourceText
  private scanned: ScanToken[] | undefined

  constructor(text: string, private readonly watch?: ParseWatch) {
    this.src = new SourceText(text)
  }

  tokens(): ScanToken[] {
    this.watch?.scanned(this.src.text)
    this.scanned ??= scanPostgres(this.src.text)
    return this.scanned
  }
}

type Nested = { via: NestedVia; parent_index: number }

export class Builder {
  readonly statements: SqlStatement[] = []
  /** The newest syntax beyond PostgreSQL 15 in any text parsed (syntax-since.ts). */
  newer: NewerSyntax | undefined
  readonly context: SqlContext
  /** Outputs of cursors declared earlier in this text, for FETCH. */
  private readonly cursors = new Map<string, SqlOutput[]>()
  /** Columns of relations created earlier in this text, for later statements to read. */
  private readonly created = new Map<string, Col[]>()
  /** Views followed so far in this text, by schema.name. */
  private readonly views = new Map<string, Col[]>()
  /** The parse tree of each entry, for EXECUTE to take its prepared statement's lineage. */
  private readonly nodes = new WeakMap<SqlStatement, unknown>()
  /** Every text's parse trees so far, outer ones first: the CTE names a nested write's subqueries may use. */
  private readonly trees: unknown[] = []

  constructor(context: SqlContext) {
    this.context = context
  }

  /** Notes the syntax of a text parsed for its statements or expressions (syntax-since.ts). */
  noteSyntax(text: string, stmts: readonly RawStmt[]): void {
    this.newer = newest(this.newer, newerSyntax(text, stmts))
    const shadow = builtinTypeShadow(stmts)
    if (shadow !== undefined) throw new SqlParseError('SQL_REFUSED', shadow)
    const parameterType = userParameterType(stmts)
    if (parameterType !== undefined) throw new SqlParseError('SQL_REFUSED', parameterType)
  }

  /** Parses `text` and appends its statements (with their nested ones); returns its top-level entries. */
  program(text: string, nested: Nested | undefined, depth: number, label?: string): SqlStatement[] {
    if (depth > MAX_NESTING) throw new SqlParseError('SQL_TOO_DEEP', `statements nested more than ${MAX_NESTING} levels deep`)
    if (text.trim() === '') return []
    let stmts
    try {
      stmts = parsePostgres(text)
    } catch (error) {
      if (label === undefined || !(error instanceof SqlParseError)) throw error
      throw new SqlParseError(error.code, `${label}: ${error.message}`, { cause: error })
    }
    this.context.watch?.parsed(text, stmts)
    this.noteSyntax(text, stmts)
    this.trees.push(stmts)
    const program = new Program(text, this.context.watch)
    return stmts.map((raw) => {
      const start = raw.stmt_location ?? 0
      const end = raw.stmt_len ? start + raw.stmt_len : program.src.byteLength
      return this.statement(raw.stmt, program, { start, end }, nested, depth)
    })
  }

  /** Appends one statement node (and what is nested in it); `range` locates its text in `program`. */
  statement(node: unknown, program: Program, range: ByteRange, nested: Nested | undefined, depth: number): SqlStatement {
    if (depth > MAX_NESTING) throw new SqlParseError('SQL_TOO_DEEP', `statements nested more than ${MAX_NESTING} levels deep`)
    let unwrapped = unwrap(node)
    if (!unwrapped) throw new SqlParseError('SQL_PARSE_ERROR', 'parser returned a statement without a node')
    // A form that reads a relation by an unqualified name is that SET only while the name resolves to pg_catalog's.
    const found = setConfigAsSet(...unwrapped)
    const asSet = found?.detail.reads === undefined || this.context.catalog?.relation(null, found.detail.reads)?.schema === 'pg_catalog' ? found : undefined
    if (asSet) {
      unwrapped = asSet.node
      node = { [asSet.node[0]]: asSet.node[1] }
    }
    const [name, body] = unwrapped
    const { type, detail } = classify(name, body)
    if (asSet) Object.assign(detail, asSet.detail)
    const planOnly = name === 'ExplainStmt' && !explainAnalyzes(body)
    if (name === 'ExplainStmt') {
      const inner = unwrap(body.query)
      detail.analyze = !planOnly
      detail.prints_sizes = explainPrintsSizes(body)
      detail.statement_type = inner ? classify(inner[0], inner[1]).type : 'other'
    }
    if (type === 'select' || type === 'values' || type === 'select_into') detail.locking = lockingOf(node)
    if (name === 'MergeStmt') {
      const unbounded = mergeUnboundedActions(body, { catalog: this.context.catalog, trees: this.trees })
      if (unbounded.length) detail.unbounded_actions = unbounded
    }
    const refs = collectRefs(node, { readOnly: planOnly })
    const entry: SqlStatement = {
      type,
      node: name,
      text: program.src.slice(range.start, range.end),
      read_only: false,
      tables: refs.tables,
      columns: refs.columns,
      functions: refs.functions,
      has_where: (type === 'update' || type === 'delete') && whereLimitsRows(body, { catalog: this.context.catalog, trees: this.trees }),
      ...(nested ? { nested } : {}),
      detail,
    }
    const index = this.statements.push(entry) - 1
    this.nodes.set(entry, node)
    const children = expandNested(this, { name, body, entry, index, program, range, depth })
    entry.read_only = isReadOnly({ type, node, detail, children })
    // Writes are read, and reads that call functions (one may write what it is given: the policy tells which);
    // a plain read that filters on a mask finds nothing and changes nothing.
    if ((!entry.read_only || entry.functions.length > 0) && literalsCarryMaskOutput(node)) entry.carries_mask_output = true
    this.lineage(entry, name, body, children)
    // Lineage reports the casts on the values it follows; a cast anywhere else (a filter, a write) runs code too.
    const casts = new Set([...((entry.detail.user_type_casts as string[] | undefined) ?? []), ...userTypesMade(node)])
    if (casts.size > 0) entry.detail.user_type_casts = [...casts]
    // set_config returns the setting's new value: the literal it was given.
    if (asSet) entry.outputs = [{ name: 'set_config', lineage: 'derived', sources: [], safe: true }]
    this.qualifyShadowed(entry, refs.operators)
    return entry
  }

  /**
   * Unqualified calls of a name the catalog says a non-built-in function shares are reported as calls of that
   * schema's function: the policy trusts built-ins by unqualified name, and count(x) is a safe derivation only when
   * it is pg_catalog's (an aggregate public.count(text) can return its argument). A built-in operator symbol
   * another schema shares is reported as a call of that schema's operator too, passed through by every result
   * column (and stored value) that is not a plain column (which ones use it is not told apart).
   */
  private qualifyShadowed(entry: SqlStatement, operators: readonly string[]): void {
    const catalog = this.context.catalog
    if (!catalog?.functionSchema) return
    const schemaOf = (name: string) => catalog.functionSchema!(name)
    entry.functions = entry.functions.map((f) => {
      const schema = f.schema === null ? schemaOf(f.name) : undefined
      return schema === undefined ? f : { schema, name: f.name, full_name: `${schema}.${f.name}` }
    })
    const shadowedOperators = operators.flatMap((symbol) => {
      const schema = schemaOf(symbol)
      return schema === undefined ? [] : [{ schema, name: symbol, full_name: `${schema}.${symbol}` }]
    })
    entry.functions.push(...shadowedOperators)
    for (const o of [...(entry.outputs ?? []), ...(entry.stored ?? [])]) {
      let shadowed = false
      const functions = (o.functions ?? []).map((name) => {
        const schema = name.includes('.') ? undefined : schemaOf(name)
        if (schema === undefined) return name
        shadowed = true
        return `${schema}.${name}`
      })
      if (shadowedOperators.length && o.lineage !== 'plain') {
        shadowed = true
        functions.push(...shadowedOperators.map((f) => f.full_name))
      }
      if (!shadowed) continue
      o.functions = functions
      if (o.safe) o.safe = false
    }
  }

  /** The first entry nested directly under `parent`. */
  private childOf(parent: SqlStatement): SqlStatement | undefined {
    const index = this.statements.indexOf(parent)
    return index < 0 ? undefined : this.statements.find((s) => s.nested?.parent_index === index)
  }

  /**
   * The rows a statement in a function's body reads go wherever the function sends them (its result, a RAISE,
   * a trigger's NEW row, a column default): kept in the routine, as far as the text shows.
   */
  private routineValues(entry: SqlStatement, outputs: SqlOutput[] | undefined): SqlStored[] {
    if (entry.nested?.via !== 'function_body' || !outputs) return []
    const routine = this.statements[entry.nested.parent_index]?.detail.name
    const name = typeof routine === 'string' ? routine : '?'
    return outputs.map((o) => ({ ...o, into: 'routine' as const, table: null, name }))
  }

  /** Outputs (top-level entries only: their rows reach the client), predicates and implicit calls. */
  private lineage(entry: SqlStatement, name: string, body: Record<string, unknown>, children: SqlStatement[]): void {
    const first = children[0]
    // EXECUTE runs its prepared statement; CREATE TABLE … AS EXECUTE stores that statement's rows.
    const run = name === 'ExecuteStmt' ? first : name === 'CreateTableAsStmt' && first?.type === 'execute' ? this.childOf(first) : undefined
    const executed = run ? this.nodes.get(run) : undefined
    const lineage = statementLineage(name, body, { catalog: this.context.catalog, cursors: this.cursors, executed, created: this.created, views: this.views })
    if (!lineage) return
    if (lineage.outputs && !entry.nested) entry.outputs = lineage.outputs
    entry.predicates = lineage.predicates
    for (const call of lineage.implicitCalls) {
      if (!entry.functions.some((f) => f.full_name === call)) entry.functions.push({ schema: null, name: call, full_name: call })
    }
    if (lineage.userCasts.length > 0) entry.detail.user_type_casts = lineage.userCasts
    if (lineage.matchedCalls.length > 0) entry.detail.matched_calls = lineage.matchedCalls
    const stored = [...lineage.stored, ...this.routineValues(entry, lineage.outputs)]
    if (stored.length > 0) entry.stored = stored
    if (lineage.cursorDeclared !== undefined) entry.detail.cursor_declared = lineage.cursorDeclared
    if (lineage.untracedRead !== undefined) entry.detail.predicate_unknown = lineage.untracedRead
    if (lineage.plan) {
      entry.detail.plan_columns = lineage.plan.columns
      if (lineage.plan.unknown !== undefined) entry.detail.plan_unknown = lineage.plan.unknown
    }
  }
}
