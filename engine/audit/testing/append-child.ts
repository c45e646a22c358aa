// A writer process for the crash and multi-writer tests: appends events through the durable sink as fast as
// it can (up to 64 in flight) and prints `ack <writer> <n>` for each event once durable() resolved for it.
// Usage: tsx append-child.ts WRITER '{"sqlite":FILE}' | '{"postgres":{...pg config}}' [COUNT]
import { createDurableAuditSink } from '../durable-sink.ts'
import { openPostgresAuditStore } from '../store/postgres.ts'
import { openSqliteAuditStore } from '../store/sqlite.ts'

const [writer = 'w', spec = '{}', countArg] = process.argv.slice(2)
const where = JSON.parse(spec) as { sqlite?: string; postgres?: Record<string, unknown> }
const store = where.sqlite ? openSqliteAuditStore(where.sqlite) : await openPostgresAuditStore({ connection: where.postgres! })
const sink = createDurableAuditSink({ store })
const count = countArg ? Number(countArg) : Infinity
let out = ''
let flushScheduled = false
const ack = (n: number) => {
  out += `ack ${writer} ${n}\n`
  if (!flushScheduled) {
    flushScheduled = true
    setImmediate(() => { flushScheduled = false; process.stdout.write(out); out = '' })
  }
}

let next = 1
let inFlight = 0
await new Promise<void>((done) => {
  const pump = () => {
    while (inFlight < 64 && next <= count) {
      const n = next++
      inFlight++
      sink.recordDurable({ type: 'statement', time: new Date().toISOString(), session_id: `${writer}-s`, writer, n, statement: 'UPDATE t SET x = 1 WHERE id = 7' })
        .then(() => ack(n), (err: Error) => process.stderr.write(`fail ${writer} ${n} ${err.message}\n`))
        .finally(() => { inFlight--; if (next > count && inFlight === 0) done(); else pump() })
    }
  }
  pump()
})
await sink.close()
await store.close()
process.stdout.write(out)
