// A function or trigger can move the session's search_path (`set_config('search_path', …, false)`) or its role (the
// `$user` of the search_path), and PostgreSQL 15 reports neither; the gateway resolves unqualified names as the
// session started (catalog.ts). Then `upper(name) FROM users` would be judged on public.users while the server read
// a view elsewhere. So after a run that may have run such code (runs-code.ts) the gateway asks the server, on the
// client's own session, behind the client's Query or Sync (a probe of its own messages, answered to it alone):
// - a statement judged before the probe is sent (later in the same extended batch; before a probe that could not be
//   sent, or failed in an aborted transaction) is judged with schema-qualified names only;
// - a probe that finds the role or search_path moved turns the session to schema-qualified names, as an approved
//   SET search_path does; if statements judged with the old names were pipelined behind it, the session ends;
// - a probe the server fails (a statement_timeout, a lock) ends the session when such statements are behind it, or
//   when it aborted the client's open transaction unseen (relay.ts); its notices never reach the client;
// - a statement prepared before the code is judged again at its next Bind (the server plans it again then).
// The first statement of a session is judged after a probe too: a search_path the role or database is configured
// with (ALTER ROLE … SET search_path) is not the one the catalog resolves names with.
// The probe uses a named statement and portal: a simple Query would drop the client's unnamed statement.
import { randomBytes } from 'node:crypto'
import { type Catalog, RESOLVED_SEARCH_PATH } from './catalog.ts'
import { pgErrors } from './errors.ts'
import { type JudgeContext, type JudgeOptions, judgeSql, type Verdict } from './judge.ts'
import { encodeBind } from './messages/bind.ts'
import { encodeClose } from './messages/close.ts'
import { encodeExecute } from './messages/execute.ts'
import { encodeParse } from './messages/parse.ts'
import { encodeSync } from './messages/sync.ts'
import type { Outbox } from './outbox.ts'
import type { Entry, Waitable } from './pending.ts'
import type { Relay } from './relay.ts'
import { type CodeCatalog, runsCode, runsCodeBeforeNames } from './runs-code.ts'
import type { SqlStatement } from '../../engine/types.ts'

/**
 * The search_path, the role, the schemas the server searches (those on the path that exist), and those the catalog
 * resolves names with (the role's schema, then public, where they exist). Qualified throughout, and current_user is a
 * keyword: nothing a moved search_path could shadow.
 */
export const PROBE_SQL = "SELECT pg_catalog.current_setting('search_path'), current_user::pg_catalog.text, " +
  'pg_catalog.current_schemas(false)::pg_catalog.text, ARRAY(SELECT n.nspname FROM pg_catalog.pg_namespace n ' +
  "WHERE n.nspname OPERATOR(pg_catalog.=) ANY (ARRAY[current_user, 'public']) ORDER BY n.nspname OPERATOR(pg_catalog.=) 'public')::pg_catalog.text"

/**
 * The probe's messages, under a name unguessable and per session: a client statement or portal of that name would fail
 * it (in its transaction), and a name one session learnt (a debug notice) must not serve in another.
 */
function probeMessages(): Buffer {
  const name = `warden_probe_${randomBytes(12).toString('hex')}`
  return Buffer.concat([
    encodeParse({ name, text: PROBE_SQL, paramTypes: [] }),
    encodeBind({ portal: name, statement: name, paramFormats: [], params: [], resultFormats: [] }),
    encodeExecute({ portal: name, maxRows: 0 }),
    encodeClose({ kind: 'P', name }),
    encodeClose({ kind: 'S', name }),
    encodeSync(),
  ])
}

/** Entries whose statements were judged (a simple Query the gateway sends itself, a poison, has none). */
const judged = (e: Entry) => e.kind === 'parse' || e.kind === 'bind' || e.kind === 'describe' || e.kind === 'execute' || (e.kind === 'query' && e.run !== undefined)

/**
 * Whether the server resolves names as the catalog does: the gateway's role, and the search_path the catalog
 * resolves with or the one the role's sessions start with (the demo target's `public`), searching the same
 * schemas. Any other value was written by code the gateway did not see into (SHOW would give it back).
 */
export function resolvesAsCatalog(values: readonly (string | null)[], start: { user: string; searchPath: string } | undefined): boolean {
  const [path, user, searched, resolved] = values
  if (!start || user !== start.user) return false
  if (path !== RESOLVED_SEARCH_PATH && path !== start.searchPath) return false
  return searched !== null && searched === resolved
}

/**
 * Whether the server still resolves an unqualified relation name in pg_catalog first, after `SET search_path = ''`
 * (search-path.ts): the gateway's role, and an empty search_path or one the catalog accepts. The server shows the
 * path set_config('search_path', '', …) gives as '' and the one `SET search_path = ''` gives as `""`: a schema of
 * that name cannot exist (a zero-length identifier), so it searches none either way.
 */
export function keepsCatalogFirst(values: readonly (string | null)[], start: { user: string; searchPath: string } | undefined): boolean {
  const [path, user, searched] = values
  if (!start || user !== start.user) return false
  return ((path === '' || path === '""') && searched === '{}') || resolvesAsCatalog(values, start)
}

export interface WatchDeps {
  up: Outbox
  relay: Relay
  catalog: Pick<Catalog, 'defaults'> & Pick<CodeCatalog, 'isBuiltinFunction'>
  /** Relations as the session resolves names now. */
  relation: CodeCatalog['relation']
  closed(): boolean
  /** The probe found the search_path or role moved: resolve schema-qualified names only from now on. */
  moved(): void
}

export class SearchPathWatch {
  /** A run that may have run code went upstream with no probe behind it yet. */
  private codeSinceProbe = false
  /** A run since the last probe may start COPY FROM STDIN, where a probe would be read as COPY data. */
  private copySinceProbe = false
  /**
   * What the session resolves is not known: before the first probe (the role's or database's configured search_path
   * may not be the one the catalog resolves with), or the last probe failed (an aborted transaction).
   */
  private failed = true
  /** The session resolves schema-qualified names only: nothing left to watch. */
  private stopped = false
  /** The session set an empty search_path: a probe finding that, or the path the catalog resolves with, is as expected. */
  private emptyPath = false
  /** A probe found the search_path or role moved by code: its value may be anything that code read. */
  movedUnseen = false
  private readonly code: CodeCatalog
  private readonly probe = probeMessages()

  constructor(private readonly deps: WatchDeps) {
    this.code = { isBuiltinFunction: (name) => deps.catalog.isBuiltinFunction(name), relation: (schema, name) => deps.relation(schema, name) }
  }

  /** Whether a statement judged now must resolve schema-qualified names only. */
  get unverified(): boolean {
    return !this.stopped && (this.codeSinceProbe || this.failed)
  }

  /**
   * An allowed text whose statement may run code before a later one resolves names (runs-code.ts), judged again in
   * `qualified` (schema-qualified names only): the later one was judged before the code ran. An approval that
   * judgement needs and the first did not (a built-in name a function elsewhere may then shadow) is asked for as
   * any is; one already given covers the same text.
   */
  async afterCode(text: string, verdict: Verdict, qualified: JudgeContext, opts: JudgeOptions): Promise<Verdict> {
    const all = verdict.judgement.input.command?.sql?.statements ?? []
    if (this.stopped || all.length < 2 || !runsCodeBeforeNames(all, this.code)) return verdict
    let again = await judgeSql(text, qualified, { ...opts, defer: true })
    if (!again.allow && again.deferred && verdict.approvalId === undefined) {
      if (opts.defer) return again
      again = await judgeSql(text, qualified, opts)
    }
    if (!again.allow && !again.deferred) return again
    return again.allow ? again : { ...verdict, judgement: again.judgement }
  }

  /** A judged run goes upstream. */
  ran(statements: readonly SqlStatement[]): void {
    if (this.stopped) return
    if (statements.some((s) => s.type === 'copy')) this.copySinceProbe = true
    if (!this.codeSinceProbe && runsCode(statements, this.code)) this.codeSinceProbe = true
  }

  stop(): void {
    this.stopped = true
  }

  /** The session set an empty search_path (search-path.ts): watch that pg_catalog stays first. */
  expectEmptyPath(): void {
    this.emptyPath = true
  }

  /** Behind a Query or Sync just sent: a probe when one is due; its wait, or undefined when none was sent. */
  behind(): Waitable | undefined {
    if (!this.unverified || this.copySinceProbe) return undefined
    return this.send()
  }

  /** Before judging with nothing in flight: a probe when one is due, waited for. */
  async verify(): Promise<void> {
    const relay = this.deps.relay
    if (!this.unverified || relay.queue.length > 0 || relay.copyIn || relay.openSinceSync || relay.serverSkipping) return
    const wait = this.send()
    while (!wait.done && !this.deps.closed() && !relay.failure) await relay.changed()
  }

  private send(): Waitable {
    const wait = { done: false }
    // Statements judged behind this probe resolve unqualified names unless an earlier probe had failed.
    const namesBehind = !this.failed
    this.codeSinceProbe = false
    this.copySinceProbe = false
    this.deps.up.write(this.probe)
    this.deps.up.flush()
    this.deps.relay.push({ kind: 'probe', wait, answer: (values, after) => this.answer(values, after, namesBehind) })
    return wait
  }

  /**
   * `values`: the search_path and role, undefined when the probe failed; `after`: what is queued behind it;
   * `namesBehind`: whether what is behind it was judged with unqualified names.
   */
  private answer(values: (string | null)[] | undefined, after: readonly Entry[], namesBehind: boolean): void {
    if (this.stopped) return
    if (!values) {
      this.failed = true
      if (namesBehind && after.some(judged)) throw pgErrors.searchPathUnchecked()
      return
    }
    this.failed = false
    const defaults = this.deps.catalog.defaults
    if (this.emptyPath ? keepsCatalogFirst(values, defaults) : resolvesAsCatalog(values, defaults)) return
    this.stopped = true
    this.movedUnseen = true
    if (after.some(judged)) throw pgErrors.searchPathMovedUnseen()
    this.deps.moved()
  }
}
