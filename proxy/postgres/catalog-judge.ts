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
// policy sees unknown lineage (fail closed).
import type { GatewayEngine, Judgement, SqlJudgeRequest } from '../../engine/gateway.ts'
import type { Catalog, RelationName } from './catalog.ts'

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

/** Judges ahead; a Promise only when relations must be looked up first, so the common case stays synchronous. */
export function prepareCatalog(
  catalog: Catalog,
  engine: GatewayEngine,
  request: SqlJudgeRequest,
): Promise<void> | undefined {
  const { result, misses } = catalog.watch(() => engine.judge({ kind: 'sql', ...request }))
  const names = misses.length ? misses : staleSuspects(catalog, request.text, result, Date.now())
  if (!names.length) return undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([
    catalog.loadNames(names).catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, CATALOG_WAIT_MS))),
  ]).finally(() => clearTimeout(timer))
}
