// Replays input documents through two policies, inline or spread over worker threads. One decision of the
// shipped policy costs ~100 µs of CPU in opa-wasm, on one core: past a few thousand inputs, each core gets
// a worker with its own pair of instances, and the inputs go out in chunks as workers finish the last ones.
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { Flip } from '../../engine/diff/compare.ts'
import { UsageError } from '../io.ts'
import { type PairOptions, type PairResult, preparePair } from './judge-pair.ts'

export interface ReplayOptions extends PairOptions {
  /** Worker threads; 0 judges inline. */
  workers: number
  chunkSize?: number
  onProgress?(done: number, total: number): void
}

/** Inline below this many distinct inputs: starting workers (tsx, schemas, two instances each) costs more. */
export const INLINE_BELOW = 4000

/** `auto`: inline for small corpora, else one worker per core (at most 8). */
export function workerCount(requested: string | undefined, inputs: number): number {
  if (requested === undefined || requested === 'auto') return inputs < INLINE_BELOW ? 0 : Math.min(8, availableParallelism())
  const n = Number(requested)
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new UsageError('usage.jobs', `--jobs must be auto or a whole number from 0 (inline) to 64, got ${JSON.stringify(requested)}`)
  return n
}

function merge(into: PairResult, at: number, part: PairResult): void {
  into.effects.set(part.effects, at * 2)
  for (const [i, flips] of part.flips) into.flips.push([at + i, flips])
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)

/**
 * Both bundles with their modules compiled once here: every worker's instances then run the same code, and
 * V8's tier-up of a hot function (Liftoff → TurboFan) serves them all. Identical policies share one module.
 */
async function compiled(opts: PairOptions): Promise<Pick<PairOptions, 'base' | 'head'>> {
  const base = opts.base.module ?? await WebAssembly.compile(opts.base.wasm as Uint8Array<ArrayBuffer>)
  const head = opts.head.module ?? (sameBytes(opts.base.wasm, opts.head.wasm) ? base : await WebAssembly.compile(opts.head.wasm as Uint8Array<ArrayBuffer>))
  return { base: { ...opts.base, module: base }, head: { ...opts.head, module: head } }
}

async function inline(inputs: readonly string[], opts: ReplayOptions, size: number): Promise<PairResult> {
  const pair = await preparePair({ ...opts, ...(await compiled(opts)) })
  const out: PairResult = { effects: new Uint8Array(inputs.length * 2), flips: [] }
  for (let at = 0; at < inputs.length; at += size) {
    merge(out, at, pair.judge(inputs.slice(at, at + size)))
    opts.onProgress?.(Math.min(at + size, inputs.length), inputs.length)
  }
  return out
}

type Reply = { ready: true } | { id: number; effects: Uint8Array; flips: Array<[number, Flip[]]> } | { id: number; error: string }

async function threaded(inputs: readonly string[], opts: ReplayOptions, size: number): Promise<PairResult> {
  const out: PairResult = { effects: new Uint8Array(inputs.length * 2), flips: [] }
  const data: PairOptions = { ...(await compiled(opts)), memoryPages: opts.memoryPages, settings: opts.settings }
  const workers = Array.from({ length: Math.max(1, Math.min(opts.workers, Math.ceil(inputs.length / size))) }, () =>
    new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: data, execArgv: [] }))
  let next = 0
  let done = 0
  try {
    await new Promise<void>((resolve, reject) => {
      const send = (w: Worker) => {
        if (next >= inputs.length) return
        w.postMessage({ id: next, inputs: inputs.slice(next, next + size) })
        next += size
      }
      for (const w of workers) {
        w.on('error', (err) => reject(new Error(`a diff worker failed: ${err.message}`, { cause: err })))
        w.on('exit', (code) => { if (done < inputs.length) reject(new Error(`a diff worker exited (code ${code}) before the replay finished`)) })
        w.on('message', (m: Reply) => {
          if ('ready' in m) return send(w)
          if ('error' in m) return reject(new Error(`judge inputs ${m.id + 1}…: ${m.error}`))
          merge(out, m.id, { effects: m.effects, flips: m.flips })
          done += m.effects.length / 2
          opts.onProgress?.(done, inputs.length)
          if (done >= inputs.length) resolve()
          else send(w)
        })
      }
    })
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
  }
  out.flips.sort((a, b) => a[0] - b[0])
  return out
}

/** Both effects of every input (EFFECTS indexes, base then head) and the flips of those that differ. */
export function replayPair(inputs: readonly string[], opts: ReplayOptions): Promise<PairResult> {
  const size = opts.chunkSize ?? Math.max(16, Math.min(256, Math.ceil(inputs.length / Math.max(1, opts.workers * 8))))
  if (!inputs.length) return Promise.resolve({ effects: new Uint8Array(0), flips: [] })
  return opts.workers > 0 ? threaded(inputs, opts, size) : inline(inputs, opts, size)
}
