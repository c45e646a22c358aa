// search_path decides which relation an unqualified name means to the server; the gateway's catalog resolves
// names with the default search_path (catalog.ts). A session that changes it (SET / RESET search_path, or the
// role that `$user` names, allowed by an approval) would be judged with names the server reads otherwise: a
// view in another schema could show a masked column under a harmless name. So from the moment such a change is allowed, unqualified names resolve
// to nothing in that session (their lineage is unknown: denied under masks; schema-qualified names still
// resolve), prepared statements are judged again when next used (the server analyses them again with the new
// search_path), and a change must come alone in its query string (the statements after it in the same text
// were judged with the old names). RESET ALL and DISCARD ALL do not end this: a rolled-back transaction can
// bring a changed value back. A function or trigger that moves it unseen (set_config) is caught by the probe of
// search-path-watch.ts, which then does the same. One change is followed more closely: `SET search_path = ''`
// (pg_dump's first statement) leaves pg_catalog first, as the default does, so unqualified names then resolve as
// relations of pg_catalog only, while the probe keeps checking that the path is still one of those two.
import type { SchemaCatalog } from '../../engine/normalize/sql/index.ts'
import type { SqlStatement } from '../../engine/types.ts'

/**
 * Whether a statement (nested ones included) sets or resets search_path, or the role (SET ROLE, SET SESSION
 * AUTHORIZATION, RESET ROLE): the role is the `$user` of the search_path.
 */
export function changesSearchPath(statements: readonly SqlStatement[]): boolean {
  return statements.some((s) =>
    s.type === 'set_role' || ((s.type === 'set' || s.type === 'reset') && typeof s.detail.name === 'string' && s.detail.name.toLowerCase() === 'search_path'))
}

/**
 * Whether the statements are one `SET search_path = ''` (pg_dump's first statement, as set_config: set-config.ts in
 * the normalizer). With it the server resolves an unqualified relation name in pg_temp, then pg_catalog only.
 */
export function setsEmptySearchPath(statements: readonly SqlStatement[]): boolean {
  if (statements.length !== 1) return false
  const s = statements[0]!
  return s.type === 'set' && s.detail.name === 'search_path' && s.detail.kind === 'VAR_SET_VALUE' && s.detail.local !== true &&
    Array.isArray(s.detail.values) && s.detail.values.length === 1 && s.detail.values[0] === ''
}

/** A catalog that can say which schemas anywhere hold a function named like a built-in. */
type FunctionsAnywhere = SchemaCatalog & { functionSchema?(name: string, anySchema?: boolean): string | undefined }

/**
 * The catalog as a session with a changed search_path may use it: schema-qualified relation names only, and a
 * built-in name shadowed by a function in any schema (the search_path may now hold it, maybe ahead of pg_catalog).
 */
export function qualifiedNamesOnly(catalog: FunctionsAnywhere): SchemaCatalog {
  return {
    relation: (schema, name) => (schema === null ? undefined : catalog.relation(schema, name)),
    ...(catalog.functionSchema && { functionSchema: (name: string) => catalog.functionSchema!(name, true) }),
  }
}

/** A catalog that can also resolve an unqualified name in pg_catalog alone (no temporary relation of that name). */
type WithCatalogRelations = FunctionsAnywhere & { catalogRelation(name: string): ReturnType<SchemaCatalog['relation']> }

/**
 * The catalog as a session whose search_path leaves pg_catalog first (an empty one, or the default, which a rollback
 * may bring back) may use it: schema-qualified names, and an unqualified one only as a relation of pg_catalog (any
 * other has no known lineage); functions as qualifiedNamesOnly. The search_path probe (search-path-watch.ts) keeps
 * checking that pg_catalog stays first.
 */
export function catalogNamesOnly(catalog: WithCatalogRelations): SchemaCatalog {
  return {
    relation: (schema, name) => (schema === null ? catalog.catalogRelation(name) : catalog.relation(schema, name)),
    ...(catalog.functionSchema && { functionSchema: (name: string) => catalog.functionSchema!(name, true) }),
  }
}
