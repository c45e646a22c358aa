// Judging is synchronous, so what the catalog says about the relations a statement names must be cached before
// it is judged. A first judgement records the names the catalog did not know:
// - none, and the statement is allowed (the common case): the judge that follows finds its normalization and
//   decision in the engine's caches (engine/normalize/sql-cache.ts, engine/decide/decision-cache.ts);
// - some: they are looked up, then the statement is judged again;
// - none, but the statement is refused and some result column has unknown lineage: the catalog may be older than
//   the server (a column added or renamed directly on it), so the relations it names are looked up afresh
//   (at most once a second for the same text, so a client repeating a refused statement cannot keep the shared
//   side session busy) before the statement is judged again.
// Lookups wait at most CATALOG_WAIT_MS; on failure or timeout the statement is judged with what is cached and the
// policy sees unknown lineage (fail closed). With decide threads, the first judgement's decision is evaluated on
// one of them (engine.prefetch) while this session waits and the others go on. A judgement made at once is
// the one enforced: the caller hands it on in the same synchronous step, so nothing can have changed since.
import type { GatewayEngine, JudgeRequest, Judgement, SqlJudgeRequest } from '../../engine/gateway.ts'
import type { Catalog, CatalogMiss, RelationName } from './catalog.ts'

export const CATALOG_WAIT_MS = 2_000
/** The same refused text has its relations looked up again at most this often. */
const REFRESH_INTERVAL_MS = 1_000

const recentRefresh = new WeakMap<Catalog, Map<string, number>>()

function splitName(full: string): RelationName {
  const dot = full.lastIndexOf('.')
  return dot < 0 ? { schema: null, name: full } : { schema: full.slice(0, dot), name: full.slice(dot + 1) }
}

/** Relations a refused statement with unknown lineage names, unless the same text had them looked up just now. */
function staleSuspects(catalog: Catalog, text: string, j: Judgement, now: number): RelationName[] {
  const statements = j.input.command?.sql?.statements ?? []
  if (j.decision.effect === 'allow' || !statements.some((s) => s.outputs?.some((o) => o.lineage === 'unknown'))) return []
  const seen = recentRefresh.get(catalog) ?? new Map<string, number>()
  recentRefresh.set(catalog, seen)
  if ((seen.get(text) ?? -Infinity) + REFRESH_INTERVAL_MS > now) return []
  if (seen.size >= 4096) seen.clear()
  seen.set(text, now)
  return [...new Set(statements.flatMap((s) => s.tables.map((t) => t.full_name)))].map(splitName)
}

/** Longer texts are not judged ahead (the engine's caches would not keep the first judgement, so it would be a
 * second full evaluation of a heavy input on the socket thread); relations they name are loaded after their
 * judgement, for the next statement. */
export const CATALOG_AHEAD_MAX_BYTES = 8 * 1024

/** A judgement made ahead, with the catalog generation read before it was made. */
export interface JudgedAhead {
  judgement: Judgement
  generation: number
}

/**
 * Judges ahead. Returns the judgement when it could be made at once, with every name the statement needs already
 * cached; a Promise when something had to be waited for first: relations to look up, or the decision being
 * evaluated on a decide thread (engine.prefetch). After a wait the caller judges again (the engine's caches
 * then answer), since the session may have changed while it waited.
 */
export function judgeAhead(catalog: Catalog, engine: GatewayEngine, request: SqlJudgeRequest): JudgedAhead | Promise<unknown> {
  const sql = { kind: 'sql' as const, ...request }
  // prefetch normalizes here, so the catalog sees the names the statement needs before anything is decided.
  const ahead = catalog.watch(() => engine.prefetch?.(sql))
  if (ahead.misses.length) return load(catalog, ahead.misses)
  // After the wait, only the lookups judgeOnce asks for count (waited on too): the caller judges again.
  if (!ahead.result) return judgeOnce(catalog, engine, sql)
  return ahead.result.then(() => {
    const once = judgeOnce(catalog, engine, sql)
    return once instanceof Promise ? once : undefined
  })
}

function judgeOnce(catalog: Catalog, engine: GatewayEngine, sql: JudgeRequest): JudgedAhead | Promise<void> {
  const generation = catalog.generation
  const { result, misses } = catalog.watch(() => engine.judge(sql))
  const names = misses.length ? misses : staleSuspects(catalog, sql.kind === 'sql' ? sql.text : '', result, Date.now())
  return names.length ? load(catalog, names) : { judgement: result, generation }
}

function load(catalog: Catalog, misses: CatalogMiss[]): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([
    catalog.load(misses).catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, CATALOG_WAIT_MS))),
  ]).finally(() => clearTimeout(timer))
}
