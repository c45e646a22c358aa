// Runs the leak sweep's statements (leak-sweep-statements.ts) through the gateway on byte-exact agent sessions,
// pipelined in batches, and sorts each by what the gateway decided (from the engine's recorded judgements) and
// by whether anything the client received for it gives a seeded secret back (leak-check.ts).
import type { Frame } from '../framing.ts'
import { encodeBind } from '../messages/bind.ts'
import { encodeDescribe } from '../messages/describe.ts'
import { encodeExecute } from '../messages/execute.ts'
import { encodeParse } from '../messages/parse.ts'
import { encodeQuery } from '../messages/query.ts'
import { encodeSync } from '../messages/sync.ts'
import type { Harness } from './harness.ts'
import { createLeakChecker } from './leak-check.ts'
import { RawClient } from './raw-client.ts'
import { receivedFromBytes } from './received.ts'
import type { SweepStatement } from './leak-sweep-statements.ts'
import { JSON_SECRETS, SEEDED_SECRETS } from './seed-leaks.ts'

export type Verdict = 'denied' | 'held' | 'allowed'

export interface SweepResult {
  statement: SweepStatement
  verdict: Verdict
  /** `column via path` of each seeded secret found in what the client received. */
  leaks: string[]
  /** `SQLSTATE: message` of the first ErrorResponse, if any. */
  error?: string
}

const checker = createLeakChecker([...SEEDED_SECRETS, ...JSON_SECRETS])
/** Statements sent before their answers are read: enough to keep the gateway and the server busy. */
const BATCH = 25
const APPROVAL_ID = /apr_[a-z0-9]+/g

function messagesOf(s: SweepStatement): Buffer[] {
  if (!s.extended) return s.texts.map((t) => encodeQuery(t))
  const params = s.extended.params.map((p) => Buffer.from(p))
  return [
    encodeParse({ name: '', text: s.texts[0]!, paramTypes: [] }),
    encodeBind({ portal: '', statement: '', paramFormats: [], params, resultFormats: [s.extended.binary ? 1 : 0] }),
    encodeDescribe({ kind: 'P', name: '' }),
    encodeExecute({ portal: '', maxRows: 0 }),
    encodeSync(),
  ]
}

/** ReadyForQuery messages a statement's messages end with. */
const readies = (s: SweepStatement) => (s.extended ? 1 : s.texts.length)

/** Splits the frames of a batch at the ReadyForQuery that ends each statement. */
function split(frames: Frame[], batch: SweepStatement[]): Frame[][] {
  const out: Frame[][] = batch.map(() => [])
  let i = 0
  let left = readies(batch[0]!)
  for (const f of frames) {
    out[Math.min(i, batch.length - 1)]!.push(f)
    if (f.type === 'Z' && --left === 0 && i + 1 < batch.length) left = readies(batch[++i]!)
  }
  return out
}

/**
 * The worst effect the engine gave any of these texts. Texts several statements send (BEGIN, FETCH of the
 * sweep's cursor) count for each: the verdict is for the report, while leaks fail a statement whatever it is.
 */
function verdictOf(effects: Map<string, Set<string>>, s: SweepStatement): Verdict | undefined {
  const seen = new Set(s.texts.flatMap((t) => [...(effects.get(t) ?? [])]))
  if (seen.has('deny')) return 'denied'
  if (seen.has('approve')) return 'held'
  if (seen.has('allow')) return 'allowed'
  return undefined
}

/**
 * Runs `statements` on `sessions` agent sessions in parallel and returns a result for each. Approval requests
 * are rejected as they appear (held is an outcome, not something to wait for). A statement the engine never
 * judged (refused before a decision) counts as denied.
 */
export async function runSweep(h: Harness, statements: SweepStatement[], sessions: number): Promise<SweepResult[]> {
  const frames = new Map<SweepStatement, Frame[]>()
  let next = 0
  const worker = async () => {
    let c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
    try {
      while (next < statements.length) {
        const batch = statements.slice(next, next + BATCH)
        next += batch.length
        c.take()
        c.send(...batch.flatMap(messagesOf))
        const want = batch.reduce((n, s) => n + readies(s), 0)
        await c.readyCount(want, 60_000)
        split(c.take(), batch).forEach((fs, i) => frames.set(batch[i]!, fs))
        // A session the gateway ended (a protocol refusal) is replaced; its statements are what they got.
        if (c.closed) c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
      }
    } finally {
      c.close()
    }
  }
  await h.rejectingHeld('sweep', () => Promise.all(Array.from({ length: sessions }, worker)))
  const effects = new Map<string, Set<string>>()
  for (const j of h.te.judged) effects.set(j.text, (effects.get(j.text) ?? new Set()).add(j.effect))
  return statements.map((s) => {
    const fs = frames.get(s) ?? []
    const received = receivedFromBytes(Buffer.concat(fs.map((f) => f.raw)))
    // An approval request's id is random text: decoded every way the checker tries, it can spell a fragment.
    received.messages = received.messages.map((m) => m.replace(APPROVAL_ID, 'apr_id'))
    if (received.raw) received.raw = received.raw.replace(APPROVAL_ID, 'apr_id')
    const leaks = checker.scan(received).map((l) => `${l.column} via ${l.via}: ${JSON.stringify(l.received)}`)
    const e = fs.find((f) => f.type === 'E')
    const error = e ? received.messages.join(' | ').slice(0, 200) : undefined
    return { statement: s, verdict: verdictOf(effects, s) ?? 'denied', leaks, ...(error ? { error } : {}) }
  })
}
