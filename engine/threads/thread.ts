// Request / response with one worker thread running a module of this repository. Calls are answered in any
// order; when the thread dies every call in flight rejects (callers fail closed) and the next call starts a
// new thread. The worker side is serve() in serve.ts.
import { Worker } from 'node:worker_threads'
import { CodedError } from '../errors.ts'

export class ThreadError extends CodedError<string> {}

export interface ThreadOptions {
  /** The module the thread runs (it calls serve()). */
  module: URL
  /** Handed to the module as workerData.data. */
  data?: unknown
  /** Used in error messages, e.g. `audit store`. */
  name: string
  /** Whether a live thread keeps the process running (default false). */
  ref?: boolean
}

interface Call {
  resolve(value: unknown): void
  reject(err: Error): void
}

/** What a reply carries; serve.ts posts these. */
export type Reply = { id: number; value: unknown } | { id: number; error: { code?: string; message: string } }
export type Hello = { ready: true } | { ready: false; error: { code?: string; message: string } }

const entry = new URL('./entry.mjs', import.meta.url)

export class Thread {
  private worker: Worker | undefined
  private starting: Promise<Worker> | undefined
  private readonly calls = new Map<number, Call>()
  private nextId = 1
  private closed = false

  constructor(private readonly opts: ThreadOptions) {}

  /** Starts the thread now (a module that fails to initialise rejects here, with its error). */
  async start(): Promise<void> {
    await this.live()
  }

  call<T>(op: string, args: unknown[] = [], transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.closed) return Promise.reject(new ThreadError('thread.closed', `${this.opts.name} thread is closed`))
    const worker = this.worker
    if (worker) return this.send<T>(worker, op, args, transfer)
    return this.live().then((w) => this.send<T>(w, op, args, transfer))
  }

  /** Calls in flight (sent, not answered). */
  get inFlight(): number {
    return this.calls.size
  }

  /** Stops the thread now (calls in flight reject with thread.died); the next call starts another. */
  async terminate(): Promise<void> {
    const worker = this.worker
    if (worker) await worker.terminate()
  }

  async close(): Promise<void> {
    this.closed = true
    const worker = this.worker ?? (await this.starting?.catch(() => undefined))
    this.worker = undefined
    if (worker) await worker.terminate()
  }

  private send<T>(worker: Worker, op: string, args: unknown[], transfer: ArrayBuffer[]): Promise<T> {
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      // A call in flight keeps the process alive until it is answered, as any other pending I/O would.
      if (this.calls.size === 0 && !this.opts.ref) worker.ref()
      this.calls.set(id, { resolve: resolve as (v: unknown) => void, reject })
      try {
        worker.postMessage({ id, op, args }, transfer)
      } catch (err) {
        this.calls.delete(id)
        reject(new ThreadError('thread.post_failed', `send ${op} to the ${this.opts.name} thread: ${(err as Error).message}`, { cause: err }))
      }
    })
  }

  private live(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker)
    this.starting ??= this.spawn().finally(() => (this.starting = undefined))
    return this.starting
  }

  private spawn(): Promise<Worker> {
    return new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(entry, { workerData: { module: this.opts.module.href, data: this.opts.data } })
      if (!this.opts.ref) worker.unref()
      let ready = false
      worker.on('message', (m: Hello | Reply) => {
        if ('ready' in m) {
          if (m.ready) {
            ready = true
            this.worker = worker
            return resolve(worker)
          }
          void worker.terminate()
          return reject(new ThreadError(m.error.code ?? 'thread.start_failed', m.error.message))
        }
        const call = this.calls.get(m.id)
        if (!call) return
        this.calls.delete(m.id)
        if (this.calls.size === 0 && !this.opts.ref) worker.unref()
        if ('error' in m) call.reject(new ThreadError(m.error.code ?? 'thread.call_failed', m.error.message))
        else call.resolve(m.value)
      })
      worker.on('error', (err) => this.died(worker, `failed: ${err.message}`, ready ? undefined : reject))
      worker.on('exit', (code) => this.died(worker, `exited with code ${code}`, ready ? undefined : reject))
    })
  }

  /** The thread is gone: every call in flight on it fails; the next call starts another. */
  private died(worker: Worker, why: string, rejectStart?: (err: Error) => void): void {
    const err = new ThreadError('thread.died', `the ${this.opts.name} thread ${why}`)
    rejectStart?.(err)
    if (this.worker === worker) this.worker = undefined
    const calls = [...this.calls.values()]
    this.calls.clear()
    for (const c of calls) c.reject(err)
  }
}
