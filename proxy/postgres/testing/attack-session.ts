// An agent's byte-exact session for the attack reviews: sends a simple Query (approving, as a dba would, any
// approval request it raises) and reports what came back — rows, errors, notification payloads — and which
// seeded secrets any of it gives back (leak-check.ts).
import * as assert from 'uvu/assert'
import type { Frame } from '../framing.ts'
import { decodeNotificationResponse } from '../messages/notification-response.ts'
import type { Harness } from './harness.ts'
import { createLeakChecker } from './leak-check.ts'
import { errorsOf, RawClient, rawMessages as m } from './raw-client.ts'
import { receivedFromBytes } from './received.ts'
import { JSON_SECRETS, SEEDED_SECRETS } from './seed-leaks.ts'

/** The refusal of a masked value written where the server checks or hands it on first (policies/rules/sql/masks_stored.rego). */
export const CHECKED_WRITE_DENIED = /^42501: warden: denied: .*whose values the server checks or hands on first/

export interface Outcome {
  /** Type letters of the frames, e.g. "TDCZ". */
  types: string
  rows: (string | null)[][]
  /** `SQLSTATE: message` of each ErrorResponse. */
  errors: string[]
  /** Seeded secrets found in anything received (testing/seed-leaks.ts: SEEDED_SECRETS and JSON_SECRETS). */
  leaks: string[]
  /** Notification payloads received. */
  notifications: string[]
}

const checker = createLeakChecker([...SEEDED_SECRETS, ...JSON_SECRETS])

/** What the client received in `frames`. */
export function outcomeOf(frames: Frame[]): Outcome {
  const received = receivedFromBytes(Buffer.concat(frames.map((f) => f.raw)))
  return {
    types: frames.map((f) => f.type).join(''),
    rows: received.results.flatMap((r) => r.rows.map((row) => row.map((v) => (v === null ? null : String(v))))),
    errors: errorsOf(frames).map((e) => `${e.code}: ${e.message}`),
    leaks: checker.scan(received).map((l) => `${l.column} via ${l.via}`),
    notifications: frames.filter((f) => f.type === 'A').map((f) => decodeNotificationResponse(f.payload).payload),
  }
}

export interface AttackSessions {
  /** An agent's session through the gateway, byte-exact. */
  session(): Promise<RawClient>
  /** Resolves with `done`, approving as a dba every approval request that appears meanwhile. */
  approving<T>(done: Promise<T>): Promise<T>
  /** Sends one simple Query (approved if held) and returns what came back up to ReadyForQuery. */
  query(c: RawClient, sql: string): Promise<Outcome>
  /**
   * Runs statements expected to pass, in order, each retried while the gateway's catalog and function list reload
   * after the DDL before it (a refusal naming a relation not in the catalog yet, or an unverified function), and
   * asserts each passed.
   */
  setup(c: RawClient, statements: readonly string[]): Promise<void>
}

export function attackSessions(h: () => Harness): AttackSessions {
  const dba = () => h().te.identity('alice', ['dba'], 'human')
  const approving = <T>(done: Promise<T>): Promise<T> => {
    let settled = false
    void done.finally(() => (settled = true)).catch(() => undefined)
    void (async () => {
      while (!settled) {
        for (const r of await h().te.approvals.list({ status: 'pending' })) await h().te.approvals.approve(r.id, dba()).catch(() => undefined)
        await new Promise((r) => setTimeout(r, 20))
      }
    })()
    return done
  }
  async function query(c: RawClient, sql: string): Promise<Outcome> {
    c.take()
    c.send(m.query(sql))
    await approving(c.readyCount(1, 30_000))
    return outcomeOf(c.take())
  }
  return {
    session: async () => RawClient.session(h().port, { token: await h().agentToken(), database: 'prod-db' }),
    approving,
    query,
    async setup(c, statements) {
      for (const sql of statements) {
        let r = await query(c, sql)
        for (let i = 0; i < 20 && /not in the catalog|\(unverified\)/.test(r.errors.join()); i++) r = await query(c, sql)
        assert.equal(r.errors, [], sql)
      }
    },
  }
}
