// What the gateway has sent upstream and still expects an answer to, in order. The relay matches each server
// message to the head of this queue, so it knows which statement (and which masks) a row belongs to.
import type { PgError } from './errors.ts'
import type { Verdict } from './judge.ts'
import type { MaskObligation } from '../../engine/types.ts'
import type { ResultMask } from './masker.ts'
import type { Detection } from './message-screen.ts'
import type { JudgedStatement, Undo } from './session.ts'

/** One judged statement being executed: what the audit record and the masker need. */
export interface StatementRun {
  text: string
  verdict: Verdict
  protocol: 'simple' | 'extended' | 'function'
  startedAt: number
  masks: MaskObligation[]
  rows: number
  masked: number
  /** CommandCompletes seen: the index of the next top-level statement of a simple query. */
  completed: number
  /** Set when the rows are those of one statement of the judged text (JudgedStatement.resultIndex), not of its n-th top-level one. */
  resultIndex?: number
  /** SQLSTATE of the error the client saw, if any. */
  error?: string
  /** The server never ran it (skipped after an earlier error). */
  skipped?: boolean
  /** Masking failed: the rest of this result is withheld. */
  maskFailed?: boolean
  /** The server reported an error for it. */
  serverError?: boolean
  /** Mask plan of the current result. */
  result?: ResultMask
  finished?: boolean
  /** The session's cursors by name, for a FETCH to find the DECLARE that defines its rows. */
  cursor?: (name: string) => JudgedStatement | undefined
  /** What server texts during this run must hide (message-screen.ts), worked out on the first one. */
  screen?: { masked: string[]; detection?: Detection }
}

export interface Waitable {
  done: boolean
}

export type Entry =
  /** A simple Query (or a poison standing in for a denied one); `replace` rewrites its error, null swallows it. */
  | { kind: 'query'; run?: StatementRun; replace?: PgError | null; wait: Waitable; boundary?: number }
  | { kind: 'parse'; undo?: Undo }
  | { kind: 'bind'; undo?: Undo }
  /** `forRun` marks a Describe the gateway added itself to learn an Execute's columns; the client never sees it. */
  | { kind: 'describe'; forRun?: StatementRun }
  | { kind: 'execute'; run: StatementRun; wait: Waitable }
  | { kind: 'close' }
  /** `boundary`: the number of the client's Sync or Query (session.ts boundary()). */
  | { kind: 'sync'; boundary?: number }
  /** An extended-protocol poison: the server's error is replaced by `error`, or swallowed when null. */
  | { kind: 'poison'; error: PgError | null }
  /**
   * The gateway's own search_path probe, through its Sync (search-path-watch.ts): its answer goes to `answer`
   * (undefined when it failed, with the entries queued behind it), never to the client.
   */
  | { kind: 'probe'; wait: Waitable; values?: (string | null)[]; failed?: boolean; answer(values: (string | null)[] | undefined, after: readonly Entry[]): void }

