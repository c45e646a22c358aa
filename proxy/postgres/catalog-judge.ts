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
// one of them (engine.prefetch) while this session waits and the others go on. The last judgement made here
// is the one enforced: it is handed on in the same synchronous step, so nothing can have changed since.
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

/** What a frontend does with a message: done now, or when the Promise settles. */
export type Step = void | Promise<void>

/** A judgement made ahead, with the catalog generation read before it was made. */
export interface JudgedAhead {
  judgement: Judgement
  generation: number
}

/**
 * Judges the statement ahead, then calls `then` in the same synchronous step with the judgement made last, so
 * nothing can have changed between that judgement and its use. Waits first when it must, at most twice: for a
 * decide thread (engine.prefetch), then for relations to look up; `request` is read afresh after every wait.
 */
export function judgeAhead(catalog: Catalog, engine: GatewayEngine, request: () => SqlJudgeRequest, then: (ahead: JudgedAhead) => Step): Step {
  // prefetch normalizes here, so the catalog sees the names the statement needs before anything is decided.
  const ahead = catalog.watch(() => engine.prefetch?.({ kind: 'sql', ...request() }))
  if (ahead.misses.length) return load(catalog, ahead.misses).then(() => then(judgeNow(catalog, engine, request)))
  if (ahead.result) return ahead.result.then(() => judgeChecked(catalog, engine, request, then))
  return judgeChecked(catalog, engine, request, then)
}

/** Judges; relations the judgement showed missing or stale are looked up and the statement judged again. */
function judgeChecked(catalog: Catalog, engine: GatewayEngine, request: () => SqlJudgeRequest, then: (ahead: JudgedAhead) => Step): Step {
  const { ahead, misses } = judgeWatched(catalog, engine, request)
  const names = misses.length ? misses : staleSuspects(catalog, request().text, ahead.judgement, Date.now())
  if (names.length) return load(catalog, names).then(() => then(judgeNow(catalog, engine, request)))
  return then(ahead)
}

/** The judgement after lookups: names still unknown are looked up for next time, in the background. */
function judgeNow(catalog: Catalog, engine: GatewayEngine, request: () => SqlJudgeRequest): JudgedAhead {
  const { ahead, misses } = judgeWatched(catalog, engine, request)
  if (misses.length) void catalog.load(misses).catch(() => undefined)
  return ahead
}

/** Judges the request as it is now, with the catalog generation read first and the names the catalog lacked. */
function judgeWatched(catalog: Catalog, engine: GatewayEngine, request: () => SqlJudgeRequest): { ahead: JudgedAhead; misses: CatalogMiss[] } {
  const generation = catalog.generation
  const { result, misses } = catalog.watch(() => engine.judge({ kind: 'sql', ...request() }))
  return { ahead: { judgement: result, generation }, misses }
}

function load(catalog: Catalog, misses: CatalogMiss[]): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([
    catalog.load(misses).catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, CATALOG_WAIT_MS))),
  ]).finally(() => clearTimeout(timer))
}
