// Signs a checkpoint of the chain's head every N committed records, every T seconds (when something was
// appended since the last one) and at shutdown; stores it beside the records and hands it to the exporters
// (an append-only file, a webhook), which copy it where the gateway cannot rewrite it.
import type { Checkpoint, CheckpointSigner } from './chain/checkpoint.ts'
import type { ChainRecord } from './chain/record.ts'
import { AuditError } from './errors.ts'
import type { AuditStore } from './store/types.ts'

export interface CheckpointExporter {
  /** Takes a copy of the checkpoint. Never throws and never blocks the caller; failures go to onError. */
  export(c: Checkpoint): void
  /** Waits (a bounded time) for copies still in flight. */
  close(): Promise<void>
}

export interface CheckpointerOptions {
  store: AuditStore
  signer: CheckpointSigner
  everyRecords: number
  everySeconds: number
  exporters?: CheckpointExporter[]
  onError?: (err: AuditError) => void
  now?: () => string
}

export interface Checkpointer {
  /** The durable sink's onCommit: counts records and checkpoints every N. */
  committed(records: ChainRecord[]): void
  /** Signs the current head now, unless it is already checkpointed. */
  checkpoint(): Promise<Checkpoint | undefined>
  /** Stops the timer, writes a last checkpoint and closes the exporters. */
  close(): Promise<void>
}

export function createCheckpointer(opts: CheckpointerOptions): Checkpointer {
  const now = opts.now ?? (() => new Date().toISOString())
  const report = opts.onError ?? (() => undefined)
  let lastSeq = 0
  let sinceLast = 0

  async function write(): Promise<Checkpoint | undefined> {
    try {
      const head = await opts.store.head()
      if (head.seq === 0 || head.seq === lastSeq) return undefined
      const c = opts.signer.sign(head, now())
      await opts.store.addCheckpoint(c)
      lastSeq = head.seq
      sinceLast = 0
      for (const e of opts.exporters ?? []) e.export(c)
      return c
    } catch (err) {
      report(err instanceof AuditError ? err : new AuditError('audit.store_unavailable', `write audit checkpoint: ${(err as Error).message}`, { cause: err }))
      return undefined
    }
  }

  // One at a time: a request while one runs waits for it, then signs whatever head is current then.
  // write() reports its own failures and never rejects.
  let last: Promise<unknown> = Promise.resolve()
  const checkpoint = (): Promise<Checkpoint | undefined> => {
    const next = last.then(write)
    last = next
    return next
  }

  const timer = setInterval(() => { if (sinceLast > 0) void checkpoint() }, opts.everySeconds * 1000)
  timer.unref?.()

  return {
    committed(records) {
      sinceLast += records.length
      if (sinceLast >= opts.everyRecords) {
        sinceLast = 0
        void checkpoint()
      }
    },
    checkpoint,
    async close() {
      clearInterval(timer)
      await checkpoint()
      for (const e of opts.exporters ?? []) await e.close()
    },
  }
}
