// libpg-query node name → Warden statement type, plus the kind-specific detail a policy reads
// (object kind of a DROP, SET name and value, COPY direction …). Read-only-ness is decided elsewhere.
import type { StatementType } from '../../types.ts'
import type { PgObject } from './ast.ts'
import { bodyOf, constText, defElems, enumName, isObject, list, names, str, unwrap } from './ast.ts'

export interface Classified {
  type: StatementType
  detail: Record<string, unknown>
}

/** Nodes whose type needs no detail. */
const SIMPLE: Record<string, StatementType> = {
  InsertStmt: 'insert', UpdateStmt: 'update', DeleteStmt: 'delete', MergeStmt: 'merge',
  CheckPointStmt: 'checkpoint', ClusterStmt: 'cluster', ReindexStmt: 'reindex',
  RefreshMatViewStmt: 'refresh_materialized_view', ReassignOwnedStmt: 'reassign_owned', DropOwnedStmt: 'drop_owned',
  ReturnStmt: 'select',
}

/** CREATE nodes and the object kind they create (kinds spelled like DROP's removeType, lower-cased). */
const CREATE_KIND: Record<string, string> = {
  CreateStmt: 'table', CreateSchemaStmt: 'schema', ViewStmt: 'view', IndexStmt: 'index', CreateSeqStmt: 'sequence',
  CreatedbStmt: 'database', CreateTrigStmt: 'trigger', CreatePolicyStmt: 'policy', CompositeTypeStmt: 'type',
  CreateEnumStmt: 'type', CreateRangeStmt: 'type', CreateDomainStmt: 'domain', RuleStmt: 'rule',
  CreateForeignTableStmt: 'foreign_table', CreateTableSpaceStmt: 'tablespace', CreateEventTrigStmt: 'event_trigger',
  CreateFdwStmt: 'fdw', CreateForeignServerStmt: 'foreign_server', CreateUserMappingStmt: 'user_mapping',
  CreatePublicationStmt: 'publication', CreateSubscriptionStmt: 'subscription', CreateStatsStmt: 'statistic_ext',
  CreateCastStmt: 'cast', CreateOpClassStmt: 'opclass', CreateOpFamilyStmt: 'opfamily', CreateConversionStmt: 'conversion',
  CreateTransformStmt: 'transform', CreateAmStmt: 'access_method', CreatePLangStmt: 'language',
  ImportForeignSchemaStmt: 'foreign_table',
}

const DROP_NODES: Record<string, string> = {
  DropdbStmt: 'database', DropTableSpaceStmt: 'tablespace', DropSubscriptionStmt: 'subscription',
  DropUserMappingStmt: 'user_mapping',
}

const TRANSACTION: Record<string, StatementType> = {
  TRANS_STMT_BEGIN: 'begin', TRANS_STMT_START: 'begin', TRANS_STMT_COMMIT: 'commit', TRANS_STMT_ROLLBACK: 'rollback',
  TRANS_STMT_ROLLBACK_TO: 'rollback', TRANS_STMT_SAVEPOINT: 'savepoint', TRANS_STMT_RELEASE: 'release',
}

const ROLE_SETTINGS = new Set(['role', 'session_authorization'])

/** DeclareCursorStmt.options bit of WITH HOLD (src/include/nodes/parsenodes.h). */
const CURSOR_OPT_HOLD = 0x20

function roleNames(value: unknown): string[] {
  return list(value).flatMap((item) => {
    const role = bodyOf(item, 'RoleSpec')
    return role ? [str(role.rolename) ?? enumName(role.roletype, 'ROLESPEC_') ?? ''] : []
  })
}

/** `a.b` for a name list, a RangeVar, a String, or an ObjectWithArgs; undefined for anything else. */
export function objectName(value: unknown): string | undefined {
  const parts = names(value)
  if (parts.length > 0) return parts.join('.')
  const text = constText(value)
  if (text !== undefined) return text
  const rel = bodyOf(value, 'RangeVar')
  if (rel && typeof rel.relname === 'string') return [rel.catalogname, rel.schemaname, rel.relname].filter((p) => typeof p === 'string').join('.')
  const fn = bodyOf(value, 'ObjectWithArgs')
  if (fn && fn.objname !== undefined) return names(fn.objname).join('.')
  return undefined
}

function optionMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, def] of defElems(value)) out[name] = def.arg === undefined ? 'true' : (constText(def.arg) ?? objectName(def.arg) ?? 'true')
  return out
}

/** SET / RESET / SHOW detail; `setting` is the VariableSetStmt body. */
export function settingDetail(setting: PgObject): Record<string, unknown> {
  const kind = str(setting.kind) ?? 'VAR_SET_VALUE'
  const name = (str(setting.name) ?? (kind === 'VAR_RESET_ALL' ? 'all' : '')).toLowerCase()
  const args = list(setting.args).map((arg) => {
    const def = bodyOf(arg, 'DefElem')
    if (def && str(def.defname)) return `${str(def.defname)}=${constText(def.arg) ?? ''}`
    return constText(arg) ?? objectName(arg) ?? ''
  })
  const value = kind === 'VAR_SET_DEFAULT' ? 'default' : args.length > 0 ? args.join(', ') : null
  // values: each argument on its own, exact (a quoted name keeps its case and spaces; the joined value does not show them).
  return { name, value, values: args, local: setting.is_local === true, kind }
}

function setType(body: PgObject): StatementType {
  if (ROLE_SETTINGS.has((str(body.name) ?? '').toLowerCase())) return 'set_role'
  const kind = str(body.kind)
  return kind === 'VAR_RESET' || kind === 'VAR_RESET_ALL' ? 'reset' : 'set'
}

function dropDetail(body: PgObject): Record<string, unknown> {
  const objects = list(body.objects).map((o) => objectName(o) ?? '')
  return {
    object_kind: enumName(body.removeType, 'OBJECT_') ?? 'unknown',
    objects,
    cascade: body.behavior === 'DROP_CASCADE',
    missing_ok: body.missing_ok === true,
  }
}

function copyDetail(body: PgObject): Record<string, unknown> {
  const filename = str(body.filename) ?? null
  return {
    direction: body.is_from === true ? 'from' : 'to',
    program: body.is_program === true,
    filename,
    stdio: filename === null,
    options: optionMap(body.options),
  }
}

function functionDetail(body: PgObject): Record<string, unknown> {
  const options = defElems(body.options)
  const language = constText(options.get('language')?.arg)?.toLowerCase() ?? 'sql'
  const security = options.get('security')
  return {
    name: names(body.funcname).join('.'),
    language,
    procedure: body.is_procedure === true,
    replace: body.replace === true,
    security_definer: security !== undefined && constText(security.arg) === 'true',
  }
}

/**
 * The INTO clause of a SELECT, wherever a set operation put it. PostgreSQL turns INTO on the leftmost
 * branch into CREATE TABLE AS for the whole UNION / INTERSECT / EXCEPT (parentheses leave no node of
 * their own); INTO on any other branch is an error there, and is reported here all the same.
 */
export function selectInto(select: PgObject): PgObject | undefined {
  if (isObject(select.intoClause)) return select.intoClause
  for (const arm of [select.larg, select.rarg]) {
    const body = bodyOf(arm, 'SelectStmt')
    const into = body && selectInto(body)
    if (into) return into
  }
  return undefined
}

/**
 * Relations whose columns are renamed by an alias column list anywhere in the statement (`FROM t AS a(x, y)`,
 * or a join aliased with one): their column names as written no longer say which columns are read.
 */
export function renamedRelations(value: unknown, out = new Set<string>(), renamed = false): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) renamedRelations(item, out, renamed)
    return out
  }
  if (!isObject(value)) return out
  const node = unwrap(value)
  if (!node) {
    for (const child of Object.values(value)) renamedRelations(child, out, renamed)
    return out
  }
  const [kind, body] = node
  const aliased = renamed || ((kind === 'RangeVar' || kind === 'JoinExpr') && list(bodyOf(body.alias, 'Alias')?.colnames).length > 0)
  if (kind === 'RangeVar' && aliased && typeof body.relname === 'string') out.add(body.relname)
  for (const [key, child] of Object.entries(body)) {
    // Only a join's own inputs are renamed by its alias, not subqueries in its ON clause.
    renamedRelations(child, out, aliased && kind === 'JoinExpr' && (key === 'larg' || key === 'rarg') ? true : renamed)
  }
  return out
}

/** Type and detail of one statement node; `renamed_relations` when an alias column list renames a relation. */
export function classify(name: string, body: PgObject): Classified {
  const classified = classifyNode(name, body)
  const renamed = renamedRelations(body)
  if (renamed.size) classified.detail.renamed_relations = [...renamed].sort()
  return classified
}

function classifyNode(name: string, body: PgObject): Classified {
  const simple = SIMPLE[name]
  if (simple) return { type: simple, detail: {} }
  const created = CREATE_KIND[name]
  // A trigger's arguments are strings its function reads as it likes: built-in ones (tsvector_update_trigger)
  // take column names, whose values they then write into the row.
  if (name === 'CreateTrigStmt') {
    return { type: 'create', detail: { object_kind: created, function: names(body.funcname).join('.'), arguments: list(body.args).map((a) => constText(a) ?? '') } }
  }
  // A cast's function runs wherever a value is cast (by `::` or implicitly), in statements that never name it.
  if (name === 'CreateCastStmt' && body.func !== undefined) return { type: 'create', detail: { object_kind: created, function: objectName(body.func) ?? '?' } }
  if (created) return { type: 'create', detail: { object_kind: created } }
  const dropped = DROP_NODES[name]
  if (dropped) return { type: 'drop', detail: { object_kind: dropped, objects: [str(body.dbname ?? body.tablespacename ?? body.subname) ?? ''], cascade: false, missing_ok: body.missing_ok === true } }

  switch (name) {
    case 'SelectStmt': {
      if (selectInto(body)) return { type: 'select_into', detail: {} }
      const values = list(body.valuesLists).length > 0 && list(body.targetList).length === 0
      return { type: values ? 'values' : 'select', detail: {} }
    }
    case 'CreateTableAsStmt': return { type: 'create_table_as', detail: { object_kind: enumName(body.objtype, 'OBJECT_') ?? 'table' } }
    case 'DropStmt': return { type: 'drop', detail: dropDetail(body) }
    case 'TruncateStmt': return { type: 'truncate', detail: { cascade: body.behavior === 'DROP_CASCADE', restart_identity: body.restart_seqs === true } }
    case 'RenameStmt': {
      const kind = enumName(body.renameType, 'OBJECT_') ?? 'unknown'
      // A column's (or a composite type's attribute's) old name: masks go by name, so a rename can unmask one.
      const old = kind === 'column' || kind === 'attribute' ? { old_name: str(body.subname) ?? null } : {}
      return { type: 'rename', detail: { object_kind: kind, ...old, new_name: str(body.newname) ?? null } }
    }
    case 'CommentStmt': return { type: 'comment', detail: { object_kind: enumName(body.objtype, 'OBJECT_') ?? 'unknown' } }
    case 'GrantStmt':
      return {
        type: body.is_grant === true ? 'grant' : 'revoke',
        detail: {
          object_kind: enumName(body.objtype, 'OBJECT_') ?? 'unknown',
          privileges: list(body.privileges).length === 0 ? ['all'] : list(body.privileges).map((p) => str(bodyOf(p, 'AccessPriv')?.priv_name) ?? 'all'),
          grantees: roleNames(body.grantees),
        },
      }
    case 'GrantRoleStmt':
      return {
        type: body.is_grant === true ? 'grant' : 'revoke',
        detail: { object_kind: 'role', roles: list(body.granted_roles).map((p) => str(bodyOf(p, 'AccessPriv')?.priv_name) ?? ''), grantees: roleNames(body.grantee_roles) },
      }
    case 'CreateRoleStmt': return { type: 'create_role', detail: { name: str(body.role) ?? '', role_kind: enumName(body.stmt_type, 'ROLESTMT_') ?? 'role', options: optionMap(body.options) } }
    case 'AlterRoleStmt': return { type: 'alter_role', detail: { name: roleNames([body.role])[0] ?? '', options: optionMap(body.options) } }
    case 'AlterRoleSetStmt': {
      const setting = isObject(body.setstmt) ? settingDetail(body.setstmt) : {}
      return { type: 'alter_role', detail: { name: roleNames([body.role])[0] ?? 'all', setting } }
    }
    case 'DropRoleStmt': return { type: 'drop_role', detail: { names: roleNames(body.roles), missing_ok: body.missing_ok === true } }
    case 'VariableSetStmt': return { type: setType(body), detail: settingDetail(body) }
    case 'VariableShowStmt': return { type: 'show', detail: { name: (str(body.name) ?? '').toLowerCase() } }
    case 'ConstraintsSetStmt': return { type: 'set', detail: { name: 'constraints', value: body.deferred === true ? 'deferred' : 'immediate', local: true, kind: 'VAR_SET_VALUE' } }
    case 'AlterSystemStmt': return { type: 'alter_system', detail: isObject(body.setstmt) ? settingDetail(body.setstmt) : {} }
    case 'CopyStmt': return { type: 'copy', detail: copyDetail(body) }
    case 'DoStmt': return { type: 'do', detail: {} }
    case 'CallStmt': return { type: 'call', detail: { name: names(bodyOf(body.funccall, 'FuncCall')?.funcname).join('.') } }
    case 'CreateFunctionStmt': return { type: 'create_function', detail: functionDetail(body) }
    case 'CreateExtensionStmt': return { type: 'create_extension', detail: { name: str(body.extname) ?? '', options: optionMap(body.options) } }
    case 'LoadStmt': return { type: 'load', detail: { filename: str(body.filename) ?? '' } }
    case 'ExplainStmt': return { type: 'explain', detail: { options: optionMap(body.options) } }
    case 'TransactionStmt': {
      const kind = str(body.kind) ?? ''
      const detail: Record<string, unknown> = { kind }
      if (typeof body.savepoint_name === 'string') detail.savepoint = body.savepoint_name
      if (typeof body.gid === 'string') detail.gid = body.gid
      const options = optionMap(body.options)
      if (Object.keys(options).length) detail.options = options
      return { type: TRANSACTION[kind] ?? 'other', detail }
    }
    case 'PrepareStmt': return { type: 'prepare', detail: { name: str(body.name) ?? '' } }
    case 'ExecuteStmt': return { type: 'execute', detail: { name: str(body.name) ?? '' } }
    case 'DeallocateStmt': return { type: 'deallocate', detail: { name: body.isall === true ? null : (str(body.name) ?? null), all: body.isall === true } }
    case 'DeclareCursorStmt': {
      // WITH HOLD: the query runs to its end when the transaction commits (its errors arrive then).
      const hold = (Number(body.options ?? 0) & CURSOR_OPT_HOLD) !== 0
      return { type: 'declare_cursor', detail: { name: str(body.portalname) ?? '', ...(hold ? { hold: true } : {}) } }
    }
    case 'FetchStmt': return { type: 'fetch', detail: { name: str(body.portalname) ?? '', move: body.ismove === true } }
    case 'ClosePortalStmt': return { type: 'close', detail: { name: str(body.portalname) ?? null } }
    case 'DiscardStmt': return { type: 'discard', detail: { target: enumName(body.target, 'DISCARD_') ?? 'all' } }
    case 'LockStmt': return { type: 'lock', detail: { mode: typeof body.mode === 'number' ? body.mode : null, nowait: body.nowait === true } }
    case 'VacuumStmt': return { type: body.is_vacuumcmd === true ? 'vacuum' : 'analyze', detail: { options: optionMap(body.options) } }
    case 'ListenStmt': return { type: 'listen', detail: { channel: str(body.conditionname) ?? '' } }
    case 'UnlistenStmt': return { type: 'unlisten', detail: { channel: str(body.conditionname) ?? '*' } }
    case 'AlterTableStmt': return { type: 'alter', detail: alterTableDetail(body) }
    case 'NotifyStmt': return { type: 'notify', detail: { channel: str(body.conditionname) ?? '', payload: str(body.payload) ?? null } }
    default:
      if (name.startsWith('Alter')) return { type: 'alter', detail: { object_kind: enumName(body.objtype ?? body.objectType ?? body.renameType, 'OBJECT_') ?? alterKind(name) } }
      if (name.startsWith('Create') || name === 'DefineStmt') return { type: 'create', detail: { object_kind: enumName(body.kind, 'OBJECT_') ?? alterKind(name) } }
      return { type: 'other', detail: {} }
  }
}

/**
 * ALTER TABLE / VIEW / INDEX / SEQUENCE … : the object kind and each subcommand as the parse tree names it
 * (AT_ChangeOwner, AT_DisableRowSecurity …), so a policy reads what it does from the tree, never the text.
 */
function alterTableDetail(body: PgObject): Record<string, unknown> {
  const subcommands = list(body.cmds).map((cmd) => str(bodyOf(cmd, 'AlterTableCmd')?.subtype) ?? 'unknown')
  return { object_kind: enumName(body.objtype, 'OBJECT_') ?? 'table', subcommands }
}

/** AlterFooBarStmt → foo_bar, for nodes without an explicit object type. */
function alterKind(name: string): string {
  return name.replace(/^(Alter|Create)/, '').replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()
}
