// Sends statements every way they can reach the server (protocol-paths.ts) on agent sessions through the gateway
// and records, per way, what the gateway decided (from the engine's judgements for that session) and which seeded
// secrets came back (leak-check.ts). Approval requests are rejected as they appear: held is an outcome here.
import type { Frame } from '../framing.ts'
import { decodeReadyForQuery } from '../messages/ready-for-query.ts'
import type { Harness } from './harness.ts'
import { createLeakChecker } from './leak-check.ts'
import { type PathName, pathsOf, firstKeyword } from './protocol-paths.ts'
import { errorsOf, RawClient, rawMessages } from './raw-client.ts'
import { receivedFromBytes } from './received.ts'
import { JSON_SECRETS, SEEDED_SECRETS } from './seed-leaks.ts'

export type EffectClass = 'allowed' | 'held' | 'denied'
export const RANK: Record<EffectClass, number> = { allowed: 0, held: 1, denied: 2 }

export interface DiffStatement {
  /** Where it came from, e.g. "sql-never-allowed #12". */
  source: string
  sql: string
}

export interface PathOutcome {
  path: PathName
  effect: EffectClass
  /** `column via where` of each seeded secret found in what the client received. */
  leaks: string[]
  /** `SQLSTATE: message` of the first ErrorResponse, if any. */
  error?: string
  /** The engine's judgements for the way, in order: `effect text`. */
  judged: string[]
}

export interface DiffResult {
  statement: DiffStatement
  outcomes: PathOutcome[]
}

const checker = createLeakChecker([...SEEDED_SECRETS, ...JSON_SECRETS])
const APPROVAL_ID = /apr_[a-z0-9]+/g
const READS = new Set(['select', 'with', 'values', 'table'])

const EFFECT_CLASS: Record<string, EffectClass> = { allow: 'allowed', approve: 'held', deny: 'denied' }

/** The first judgement that was not allow decides the way; a way never judged is denied if it was refused. */
function effectOf(effects: string[], frames: Frame[]): EffectClass {
  const first = effects.find((e) => e !== 'allow')
  if (first) return EFFECT_CLASS[first] ?? 'denied'
  return effects.length || !frames.some((f) => f.type === 'E') ? 'allowed' : 'denied'
}

function leaksOf(frames: Frame[]): string[] {
  const received = receivedFromBytes(Buffer.concat(frames.map((f) => f.raw)))
  // An approval request's id is random text: decoded every way the checker tries, it can spell a fragment.
  received.messages = received.messages.map((m) => m.replace(APPROVAL_ID, 'apr_id'))
  if (received.raw) received.raw = received.raw.replace(APPROVAL_ID, 'apr_id')
  return checker.scan(received).map((l) => `${l.column} via ${l.via}: ${JSON.stringify(l.received)}`)
}

interface Session {
  client: RawClient
  /** The gateway's id for it, found from the judgement of a marker query. */
  id: string
}

let opened = 0

async function openSession(h: Harness): Promise<Session> {
  const client = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  const marker = `SELECT 'wd-session-${++opened}' AS wd_session`
  client.send(rawMessages.query(marker))
  await client.readyCount(1, 30_000)
  client.take()
  const id = [...h.te.judged].reverse().find((j) => j.text === marker)?.session
  if (!id) throw new Error(`protocol diff: the gateway did not judge the session marker ${marker}`)
  return { client, id }
}

/**
 * Runs every statement every way that applies, `sessions` statements side by side. A session is replaced after
 * anything but a plain read ran (it may have changed session state), outside a transaction, and whenever the
 * gateway ended it.
 */
export async function runDiff(h: Harness, statements: DiffStatement[], sessions: number): Promise<DiffResult[]> {
  const results = new Map<DiffStatement, PathOutcome[]>()
  let next = 0
  const worker = async () => {
    let s: Session | undefined
    try {
      while (next < statements.length) {
        const statement = statements[next++]!
        const outcomes: PathOutcome[] = []
        for (const run of pathsOf(statement.sql)) {
          s ??= await openSession(h)
          const mark = h.te.judged.length
          s.client.take()
          s.client.send(...run.messages)
          await s.client.readyCount(run.readies, 30_000)
          const frames = s.client.take()
          const judged = h.te.judged.slice(mark).filter((j) => j.session === s!.id)
          // A text judged again at once (after the catalog looked up a relation it names) stands by the later judgement.
          const effects = judged.filter((j, i) => judged[i + 1]?.text !== j.text).map((j) => j.effect)
          const err = errorsOf(frames)[0]
          const effect = effectOf(effects, frames)
          outcomes.push({ path: run.path, effect, leaks: leaksOf(frames), judged: judged.map((j) => `${j.effect} ${j.text.slice(0, 60)}`), ...(err ? { error: `${err.code}: ${err.message}` } : {}) })
          const z = frames.filter((f) => f.type === 'Z').at(-1)
          const idle = z !== undefined && decodeReadyForQuery(z.payload) === 'I'
          // What was refused never reached the server: only what ran can have changed the session.
          if (s.client.closed || !idle || (effect === 'allowed' && !READS.has(firstKeyword(statement.sql)))) {
            s.client.close()
            s = undefined
          }
        }
        results.set(statement, outcomes)
      }
    } finally {
      s?.client.close()
    }
  }
  await h.rejectingHeld('protocol diff', () => Promise.all(Array.from({ length: sessions }, worker)))
  return statements.map((statement) => ({ statement, outcomes: results.get(statement) ?? [] }))
}

export interface Disagreement {
  statement: DiffStatement
  path: PathName
  /** walk-around: the way is more permissive or gives back a secret the simple Query hides; stricter: the other way. */
  kind: 'walk-around' | 'stricter'
  detail: string
}

/** Every way that disagrees with the simple Query of its statement. */
export function disagreements(results: DiffResult[]): Disagreement[] {
  const out: Disagreement[] = []
  for (const r of results) {
    const simple = r.outcomes.find((o) => o.path === 'simple')
    if (!simple) continue
    for (const o of r.outcomes) {
      if (o === simple) continue
      const leak = o.leaks.length > 0 && simple.leaks.length === 0
      if (RANK[o.effect] < RANK[simple.effect] || leak) {
        out.push({ statement: r.statement, path: o.path, kind: 'walk-around', detail: `simple ${simple.effect}${simple.error ? ` (${simple.error.slice(0, 160)})` : ''} [${simple.judged.join('; ')}], ${o.path} ${o.effect}${leak ? ` and leaks ${o.leaks[0]}` : ''}` })
      } else if (RANK[o.effect] > RANK[simple.effect]) {
        out.push({ statement: r.statement, path: o.path, kind: 'stricter', detail: `simple ${simple.effect}, ${o.path} ${o.effect}${o.error ? ` (${o.error.slice(0, 120)})` : ''}` })
      }
    }
  }
  return out
}
