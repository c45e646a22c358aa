// Collects every table, column and function a statement's parse tree references. DML and SELECT get a
// scope each (CTE names, FROM aliases) so columns resolve to tables and CTE names are not taken for
// tables; every other node is walked generically, so nothing the tree holds is skipped.
import type { SqlColumn, SqlFunction, SqlTable } from '../../types.ts'
import type { PgObject } from './ast.ts'
import { bodyOf, isObject, list, names, str, unwrap } from './ast.ts'
import { implicitOperators, isBuiltinOperator, operatorOf } from './operators.ts'
import { Scope } from './scope.ts'

export interface Refs {
  tables: SqlTable[]
  columns: SqlColumn[]
  functions: SqlFunction[]
  /** Built-in operator symbols used unqualified (a function outside pg_catalog may share one: builder.ts). */
  operators: string[]
}

export interface CollectOptions {
  /** Report every access as `read` (plain EXPLAIN: the statement is planned, not run). */
  readOnly?: boolean
}

type Access = 'read' | 'write'

/** Fields of DDL and utility nodes that hold the relation(s) the statement changes. */
const WRITE_FIELDS: Record<string, readonly string[]> = {
  CreateStmt: ['relation'], CreateForeignTableStmt: ['base'], CreateTableAsStmt: ['into'], ViewStmt: ['view'],
  IndexStmt: ['relation'], AlterTableStmt: ['relation'], RenameStmt: ['relation'], TruncateStmt: ['relations'],
  LockStmt: ['relations'], ClusterStmt: ['relation'], VacuumStmt: ['rels'], RefreshMatViewStmt: ['relation'],
  ReindexStmt: ['relation'], RuleStmt: ['relation'], CreateTrigStmt: ['relation'], CreatePolicyStmt: ['table'],
  AlterPolicyStmt: ['table'], CreateSeqStmt: ['sequence'], AlterSeqStmt: ['sequence'], GrantStmt: ['objects'],
  AlterObjectSchemaStmt: ['relation'], AlterOwnerStmt: ['relation'],
}

/** DROP object kinds whose objects are relations. */
const DROPPED_RELATIONS = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE', 'OBJECT_SEQUENCE'])

const SELECT_HANDLED = new Set(['withClause', 'fromClause', 'intoClause', 'lockingClause', 'larg', 'rarg'])

export class RefCollector {
  private readonly tables = new Map<string, SqlTable>()
  private readonly columns = new Map<string, SqlColumn>()
  private readonly functions = new Map<string, SqlFunction>()
  private readonly operators = new Set<string>()
  private readonly readOnly: boolean

  constructor(options: CollectOptions = {}) {
    this.readOnly = options.readOnly === true
  }

  refs(): Refs {
    return { tables: [...this.tables.values()], columns: [...this.columns.values()], functions: [...this.functions.values()], operators: [...this.operators] }
  }

  visit(value: unknown, scope: Scope): void {
    if (Array.isArray(value)) {
      for (const item of value) this.visit(item, scope)
      return
    }
    if (!isObject(value)) return
    const node = unwrap(value)
    if (node) return this.node(node[0], node[1], scope)
    if (typeof value.relname === 'string') {
      this.table(value, 'read', scope)
      return
    }
    for (const child of Object.values(value)) this.visit(child, scope)
  }

  private node(name: string, body: PgObject, scope: Scope): void {
    switch (name) {
      case 'SelectStmt': return this.select(body, scope)
      case 'InsertStmt': return this.insert(body, scope)
      case 'UpdateStmt': return this.update(body, scope)
      case 'DeleteStmt': return this.delete(body, scope)
      case 'MergeStmt': return this.merge(body, scope)
      case 'CopyStmt': return this.copy(body, scope)
      case 'DropStmt': return this.drop(body)
      case 'RangeVar': this.table(body, 'read', scope); return
      case 'ColumnRef': return this.columnRef(body, scope)
      case 'FuncCall': return this.funcCall(body, scope)
      case 'CallStmt': return this.funcCall(bodyOf(body.funccall, 'FuncCall') ?? {}, scope)
      case 'ResTarget': return this.visit([body.val, body.indirection], scope)
      case 'LockingClause': return // FOR UPDATE OF names FROM items, not tables
      case 'RangeTableSample':
        this.addFunction(names(body.method))
        return this.visit([body.relation, body.args, body.repeatable], scope)
      default: {
        // An operator not built in is a function call in disguise (operators.ts).
        const operator = operatorOf(name, body)
        if (operator && !isBuiltinOperator(operator)) this.addFunction(operator)
        else if (operator?.length === 1) this.operators.add(operator[0]!)
        for (const implicit of implicitOperators(name, body)) this.operators.add(implicit)
        const writes = WRITE_FIELDS[name]
        for (const [key, child] of Object.entries(body)) {
          if (writes?.includes(key)) this.relations(child, 'write', scope)
          else this.visit(child, scope)
        }
      }
    }
  }

  /** Adds a RangeVar as a table unless it names a visible CTE; returns its full_name (null for a CTE). */
  private table(rel: PgObject, access: Access, scope: Scope): string | null {
    const name = str(rel.relname) ?? ''
    const schema = str(rel.schemaname) ?? null
    if (schema === null && scope.isCte(name)) return null
    return this.addTable(schema, name, access)
  }

  private addTable(schema: string | null, name: string, access: Access): string {
    const full = schema === null ? name : `${schema}.${name}`
    const effective: Access = this.readOnly ? 'read' : access
    const key = `${full}\u0000${effective}`
    if (!this.tables.has(key)) this.tables.set(key, { schema, name, full_name: full, access: effective })
    return full
  }

  private addColumn(table: string | null, name: string, access: Access): void {
    const effective: Access = this.readOnly ? 'read' : access
    const key = `${table ?? ''}\u0000${name}\u0000${effective}`
    if (!this.columns.has(key)) this.columns.set(key, { table, name, access: effective })
  }

  /** RangeVar(s), possibly wrapped, inside an IntoClause / VacuumRelation / CreateStmt, at the given access. */
  private relations(value: unknown, access: Access, scope: Scope): void {
    if (Array.isArray(value)) {
      for (const item of value) this.relations(item, access, scope)
      return
    }
    const node = unwrap(value)
    const body = node ? node[1] : value
    if (!isObject(body)) return
    if (typeof body.relname === 'string') {
      this.table(body, access, scope)
      return
    }
    if (body.rel !== undefined || body.relation !== undefined) this.relations(body.rel ?? body.relation, access, scope)
    const rest = Object.entries(body).filter(([key]) => key !== 'rel' && key !== 'relation')
    for (const [, child] of rest) this.visit(child, scope)
  }

  /** A write target: added as a table and registered in the scope under its alias (or name). */
  private target(value: unknown, scope: Scope): string | null {
    const rel = bodyOf(value, 'RangeVar')
    if (!rel) return null
    const full = this.table(rel, 'write', scope)
    scope.addItem(this.itemNames(rel, full), full)
    return full
  }

  private itemNames(rel: PgObject, full: string | null): string[] {
    const alias = str(bodyOf(rel.alias, 'Alias')?.aliasname)
    if (alias !== undefined) return [alias]
    const name = str(rel.relname) ?? ''
    return full !== null && full !== name ? [name, full] : [name]
  }

  private withClause(value: unknown, scope: Scope): void {
    const clause = bodyOf(value, 'WithClause')
    if (!clause) return
    const ctes = list(clause.ctes).map((c) => bodyOf(c, 'CommonTableExpr')).filter((c): c is PgObject => c !== undefined)
    if (clause.recursive === true) for (const cte of ctes) scope.addCte(str(cte.ctename) ?? '')
    for (const cte of ctes) {
      this.visit(cte.ctequery, scope)
      scope.addCte(str(cte.ctename) ?? '')
    }
  }

  /** Registers FROM items in the scope first, then walks their subqueries, functions and join conditions. */
  private fromItems(items: unknown, scope: Scope): void {
    const deferred: unknown[] = []
    const register = (item: unknown): void => {
      const node = unwrap(item)
      if (!node) return
      const [name, body] = node
      if (name === 'RangeVar') {
        const full = this.table(body, 'read', scope)
        scope.addItem(this.itemNames(body, full ?? str(body.relname) ?? ''), full)
      } else if (name === 'JoinExpr') {
        for (const implicit of implicitOperators(name, body)) this.operators.add(implicit)
        register(body.larg)
        register(body.rarg)
        deferred.push(body.quals)
      } else if (name === 'RangeTableSample') {
        // The sampling method is a function: TABLESAMPLE evil.sampler (10) calls evil.sampler.
        this.addFunction(names(body.method))
        register(body.relation)
        deferred.push(body.args, body.repeatable)
      } else {
        const alias = str(bodyOf(body.alias, 'Alias')?.aliasname)
        scope.addItem(alias === undefined ? [] : [alias], null)
        deferred.push(item)
      }
    }
    for (const item of list(items)) register(item)
    for (const item of deferred) {
      const node = unwrap(item)
      if (node && (node[0] === 'RangeSubselect' || node[0] === 'RangeFunction')) this.visit(Object.values(node[1]), scope)
      else this.visit(item, scope)
    }
  }

  private select(body: PgObject, outer: Scope): void {
    const scope = new Scope(outer)
    this.withClause(body.withClause, scope)
    for (const arm of [body.larg, body.rarg]) {
      const armBody = bodyOf(arm, 'SelectStmt')
      if (armBody) this.select(armBody, scope)
    }
    this.fromItems(body.fromClause, scope)
    if (body.intoClause !== undefined) this.relations(body.intoClause, 'write', scope)
    for (const [key, child] of Object.entries(body)) if (!SELECT_HANDLED.has(key)) this.visit(child, scope)
  }

  /** UPDATE SET / INSERT column list / MERGE … SET targets: written columns of the target; values walked. */
  private assignments(targets: unknown, table: string | null, scope: Scope): void {
    for (const item of list(targets)) {
      const res = bodyOf(item, 'ResTarget')
      if (!res) continue
      if (typeof res.name === 'string') this.addColumn(table, res.name, 'write')
      this.visit([res.val, res.indirection], scope)
    }
  }

  private insert(body: PgObject, outer: Scope): void {
    const ctes = new Scope(outer)
    this.withClause(body.withClause, ctes)
    // The source query sees the CTEs but not the target table; ON CONFLICT and RETURNING see the target.
    const scope = new Scope(ctes)
    const table = this.target(body.relation, scope)
    if (list(body.cols).length > 0) this.assignments(body.cols, table, scope)
    else this.addColumn(table, '*', 'write')
    this.visit(body.selectStmt, ctes)
    const conflict = bodyOf(body.onConflictClause, 'OnConflictClause')
    if (conflict) {
      if (table !== null) scope.addAlias('excluded', table)
      this.assignments(conflict.targetList, table, scope)
      this.visit([conflict.infer, conflict.whereClause], scope)
    }
    this.visit([body.returningList, body.returningClause], scope)
  }

  private update(body: PgObject, outer: Scope): void {
    const scope = new Scope(outer)
    this.withClause(body.withClause, scope)
    const table = this.target(body.relation, scope)
    this.fromItems(body.fromClause, scope)
    this.assignments(body.targetList, table, scope)
    this.visit([body.whereClause, body.returningList, body.returningClause], scope)
  }

  private delete(body: PgObject, outer: Scope): void {
    const scope = new Scope(outer)
    this.withClause(body.withClause, scope)
    const table = this.target(body.relation, scope)
    this.addColumn(table, '*', 'write')
    this.fromItems(body.usingClause, scope)
    this.visit([body.whereClause, body.returningList, body.returningClause], scope)
  }

  private merge(body: PgObject, outer: Scope): void {
    const scope = new Scope(outer)
    this.withClause(body.withClause, scope)
    const table = this.target(body.relation, scope)
    this.fromItems([body.sourceRelation], scope)
    this.visit(body.joinCondition, scope)
    for (const item of list(body.mergeWhenClauses)) {
      const when = bodyOf(item, 'MergeWhenClause')
      if (!when) continue
      if (when.commandType === 'CMD_DELETE') this.addColumn(table, '*', 'write')
      this.assignments(when.targetList, table, scope)
      this.visit([when.values, when.condition], scope)
    }
    this.visit([body.returningList, body.returningClause], scope)
  }

  private copy(body: PgObject, outer: Scope): void {
    const scope = new Scope(outer)
    const access: Access = body.is_from === true ? 'write' : 'read'
    const rel = bodyOf(body.relation, 'RangeVar')
    const table = rel ? this.table(rel, access, scope) : null
    if (rel) scope.addItem(this.itemNames(rel, table), table)
    const columns = names(body.attlist)
    if (rel) for (const column of columns.length > 0 ? columns : ['*']) this.addColumn(table, column, access)
    this.visit([body.query, body.whereClause], scope)
  }

  private drop(body: PgObject): void {
    if (!DROPPED_RELATIONS.has(str(body.removeType) ?? '')) return
    for (const object of list(body.objects)) {
      const parts = names(object)
      const name = parts[parts.length - 1]
      if (name !== undefined) this.addTable(parts.length > 1 ? (parts[parts.length - 2] as string) : null, name, 'write')
    }
  }

  private columnRef(body: PgObject, scope: Scope): void {
    const fields = list(body.fields)
    const last = unwrap(fields[fields.length - 1])
    const column = last?.[0] === 'A_Star' ? '*' : str(last?.[1].sval)
    if (column === undefined) return
    const qualifiers = names(fields.slice(0, -1))
    let table: string | null
    if (qualifiers.length === 0) table = scope.soleTable()
    else {
      const full = qualifiers.join('.')
      if (scope.knows(full)) table = scope.resolve(full)
      else if (qualifiers.length > 1 && scope.knows(qualifiers[0] as string)) table = scope.resolve(qualifiers[0] as string)
      else table = null
    }
    this.addColumn(table, column, 'read')
  }

  private funcCall(body: PgObject, scope: Scope): void {
    this.addFunction(names(body.funcname))
    for (const [key, child] of Object.entries(body)) if (key !== 'funcname') this.visit(child, scope)
  }

  /** A function, sampling method or operator name as written (`schema.name` or `name`). */
  private addFunction(parts: readonly string[]): void {
    const name = parts[parts.length - 1]
    if (name === undefined) return
    const schema = parts.length > 1 ? (parts[parts.length - 2] as string) : null
    const full = schema === null ? name : `${schema}.${name}`
    if (!this.functions.has(full)) this.functions.set(full, { schema, name, full_name: full })
  }
}

/** Tables, columns and functions of one statement node (wrapped). */
export function collectRefs(node: unknown, options?: CollectOptions): Refs {
  const collector = new RefCollector(options)
  collector.visit(node, new Scope())
  return collector.refs()
}
