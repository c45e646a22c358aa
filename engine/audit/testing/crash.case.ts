// kill -9 of a process appending under load: every event it acknowledged as durable is in the store, and the
// chain verifies. Run against each store by sqlite.crash.test.ts / postgres.crash.test.ts.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import * as assert from 'uvu/assert'
import { verifyChain } from '../chain/verify.ts'
import type { AuditStore } from '../store/types.ts'

const child = fileURLToPath(new URL('./append-child.ts', import.meta.url))

export interface Writer {
  acked: Set<string>
  exited: Promise<number | null>
  kill(): void
  /** Resolves once at least n events were acknowledged. */
  until(n: number): Promise<void>
}

export function startWriter(name: string, spec: object, count?: number): Writer {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, name, JSON.stringify(spec), ...(count ? [String(count)] : [])], { stdio: ['ignore', 'pipe', 'pipe'] })
  const acked = new Set<string>()
  const waiting: Array<{ n: number; resolve(): void }> = []
  let buf = ''
  let stderr = ''
  proc.stderr.on('data', (d) => (stderr += d))
  proc.stdout.on('data', (d) => {
    buf += d
    const lines = buf.split('\n')
    buf = lines.pop()!
    for (const l of lines) if (l.startsWith('ack ')) acked.add(l.slice(4))
    for (const w of waiting.filter((w) => acked.size >= w.n)) { waiting.splice(waiting.indexOf(w), 1); w.resolve() }
  })
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => {
    if (code !== 0 && code !== null) process.stderr.write(stderr)
    resolve(code)
  }))
  return {
    acked,
    exited,
    kill: () => void proc.kill('SIGKILL'),
    until: (n) => new Promise((resolve, reject) => {
      if (acked.size >= n) return resolve()
      waiting.push({ n, resolve })
      void exited.then((code) => reject(new Error(`writer ${name} exited (${code}) after ${acked.size} acks: ${stderr}`)))
    }),
  }
}

/** Every acknowledged event is stored, once, and the chain (of all writers) verifies. */
export async function assertAckedStored(store: AuditStore, writers: Writer[]): Promise<number> {
  const stored = new Set<string>()
  for await (const r of store.records()) {
    const e = JSON.parse(r.event) as { writer: string; n: number }
    const id = `${e.writer} ${e.n}`
    assert.not.ok(stored.has(id), `${id} stored twice`)
    stored.add(id)
  }
  for (const w of writers) for (const id of w.acked) assert.ok(stored.has(id), `acknowledged ${id} is missing after the crash`)
  const report = await verifyChain({ records: () => store.records(), has: (s) => store.has(s), checkpoints: [], keys: [] })
  assert.ok(report.ok, report.failure?.message)
  return stored.size
}
