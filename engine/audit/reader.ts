// The readers of the tamper-evident trail, one interface whoever reads it: `warden audit` opening the store
// directly, the admin API serving an auditor, and `warden audit … --admin URL` reading through that API. Every
// implementation answers the same four questions the same way, from the same code.
import type { KeyObject } from 'node:crypto'
import type { Checkpoint } from './chain/checkpoint.ts'
import { type StoredRecord, type VerifyReport, verifyChain } from './chain/verify.ts'
import { type DecisionLogEntry, decisionLog } from './decision-log.ts'
import { AuditError } from './errors.ts'
import { replaySession, type SessionReplay } from './replay.ts'
import type { AuditStore, SessionFilter, SessionSummary } from './store/types.ts'

export interface AuditReader {
  /** The chain and every signed checkpoint; names the first bad record. */
  verify(): Promise<VerifyReport>
  /** The most recent sessions (at most MAX_SESSIONS), in chain order; truncated when older ones matched too. */
  sessions(filter?: SessionFilter): Promise<SessionList>
  /** The session replayed in chain order; undefined when the trail holds no record of it. */
  replay(sessionId: string): Promise<SessionReplay | undefined>
  /** Every decision as an OPA decision log entry (decision-log.ts). */
  decisionLog(): AsyncIterable<DecisionLogEntry>
  close(): Promise<void>
}

export interface SessionList {
  sessions: SessionSummary[]
  truncated?: true
}

export interface StoreReaderOptions {
  /** The public keys trusted to sign checkpoints; loaded when verify() needs them. */
  keys(): KeyObject[]
  /** Checkpoints exported outside the store (a file), checked too, and what the report should warn of about them. */
  exportedCheckpoints?(): { checkpoints: Checkpoint[]; warnings?: string[] }
  /** Why the exported checkpoints that should exist do not (verify then fails), or undefined when they are there. */
  missingCheckpoints?(): string | undefined
  /** Labels every decision-log entry gets besides those stamped on its record. */
  labels?: Record<string, string>
  /**
   * Awaited every PACE records of a long walk (verify, export). A gateway serving an auditor passes one that
   * yields to the event loop: a store driver that reads synchronously would otherwise hold up every session.
   */
  pause?(): Promise<void>
  /** Most records a replay reads (default MAX_REPLAY_RECORDS). */
  maxReplayRecords?: number
  /** Most sessions a list holds (default MAX_SESSIONS). */
  maxSessions?: number
}

/** An agent can open sessions by the million: a list holds the most recent ones; the filters find older ones. */
export const MAX_SESSIONS = 10_000

/**
 * A replay is read whole and answered in one piece: an agent can fill one session with millions of cheap
 * statements, and reading them all would take the memory of the gateway serving an auditor. Past this many
 * records a replay shows the first ones and says so; the export streams every record.
 */
export const MAX_REPLAY_RECORDS = 10_000

const PACE = 256

async function* paced(records: AsyncIterable<StoredRecord>, pause: (() => Promise<void>) | undefined): AsyncGenerator<StoredRecord> {
  if (!pause) return yield* records
  let n = 0
  for await (const r of records) {
    yield r
    if (++n % PACE === 0) await pause()
  }
}

export function createStoreReader(store: AuditStore, opts: StoreReaderOptions): AuditReader {
  const records = () => paced(store.records(), opts.pause)
  return {
    async verify() {
      const keys = opts.keys()
      const exported = opts.exportedCheckpoints?.()
      const checkpoints = [...await store.checkpoints(), ...(exported?.checkpoints ?? [])]
      const missingCheckpoints = opts.missingCheckpoints?.()
      return verifyChain({ records, has: (seq) => store.has(seq), checkpoints, keys, ...(missingCheckpoints !== undefined ? { missingCheckpoints } : {}), ...(exported?.warnings?.length ? { warnings: exported.warnings } : {}) })
    },
    async sessions(filter) {
      const max = opts.maxSessions ?? MAX_SESSIONS
      const found = await store.sessions(filter, max + 1)
      return found.length > max ? { sessions: found.slice(found.length - max), truncated: true } : { sessions: found }
    },
    async replay(sessionId) {
      const max = opts.maxReplayRecords ?? MAX_REPLAY_RECORDS
      const found = await store.sessionRecords(sessionId, max + 1)
      if (!found.length) return undefined
      return found.length > max ? replaySession(sessionId, found.slice(0, max), { more: true }) : replaySession(sessionId, found)
    },
    decisionLog: () => decisionLog(records(), { ...opts.labels, store: store.kind }),
    close: () => store.close(),
  }
}

const DURATION = /^(\d+)([smhd])$/
const UNIT = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** `--since` / `?since=`: an ISO 8601 time, or a duration back from `now` (30m, 2h, 7d) → ISO time. */
export function parseSince(text: string, now = Date.now()): string {
  const d = DURATION.exec(text)
  if (d) return new Date(now - Number(d[1]) * UNIT[d[2] as keyof typeof UNIT]).toISOString()
  const t = Date.parse(text)
  if (Number.isNaN(t)) throw new AuditError('audit.filter', `since must be an ISO 8601 time (2026-11-29T15:00:00Z) or a duration (30m, 2h, 7d); got ${JSON.stringify(text)}`)
  return new Date(t).toISOString()
}
