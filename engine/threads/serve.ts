// The worker side of thread.ts: runs `init` (its failure is reported to the parent as the start error), then
// answers each {id, op, args} with the handler's value or error (code and message), in completion order.
import { parentPort, workerData } from 'node:worker_threads'
import type { Hello, Reply } from './thread.ts'

export type Handlers = Record<string, (...args: never[]) => unknown>

const errorOf = (err: unknown) => ({
  message: err instanceof Error ? err.message : String(err),
  ...(typeof (err as { code?: unknown })?.code === 'string' ? { code: (err as { code: string }).code } : {}),
})

/** The data the parent passed (ThreadOptions.data). */
export function threadData<T>(): T {
  return (workerData as { data: T }).data
}

export async function serve(init: () => Handlers | Promise<Handlers>): Promise<void> {
  const port = parentPort
  if (!port) throw new Error('serve() runs in a worker thread')
  let handlers: Handlers
  try {
    handlers = await init()
  } catch (err) {
    port.postMessage({ ready: false, error: errorOf(err) } satisfies Hello)
    return
  }
  port.on('message', (m: { id: number; op: string; args: unknown[] }) => {
    const reply = (r: Reply) => port.postMessage(r)
    const handler = handlers[m.op]
    if (!handler) return reply({ id: m.id, error: { code: 'thread.unknown_op', message: `unknown operation ${m.op}` } })
    try {
      const value = (handler as (...a: unknown[]) => unknown)(...m.args)
      if (value instanceof Promise) value.then((v) => reply({ id: m.id, value: v }), (err) => reply({ id: m.id, error: errorOf(err) }))
      else reply({ id: m.id, value })
    } catch (err) {
      reply({ id: m.id, error: errorOf(err) })
    }
  })
  port.postMessage({ ready: true } satisfies Hello)
}
