// Thousands of hostile frames on fresh connections: random bytes, truncated frames, absurd lengths and
// well-framed garbage, before and after authentication. The gateway must not crash or hang, must keep
// serving, and nothing but judged, allowed statements may reach the server.
import net from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { encodeQuery } from './messages/query.ts'
import { encodeSync } from './messages/sync.ts'
import { Fuzz, rng } from './testing/fuzz-frames.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { RawClient } from './testing/raw-client.ts'

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed)
const CONNECTIONS = Number(process.env.FUZZ_CONNECTIONS ?? 240)
const PARALLEL = 6

let h: Harness
let token: string

test.before(async () => {
  h = await startHarness()
  token = await h.agentToken()
})
test.after(async () => {
  await h?.stop()
})

/** Resolves when the socket closes; rejects if the gateway neither answers nor closes in time (a hang). */
function closed(socket: net.Socket, ms = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return resolve()
    const timer = setTimeout(() => reject(new Error('gateway neither closed nor answered')), ms)
    socket.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

async function preAuthConnection(f: Fuzz): Promise<number> {
  const c = await RawClient.open(h.port)
  const bytes = f.preAuth()
  c.socket.end(bytes)
  await closed(c.socket)
  return 1
}

async function sessionConnection(f: Fuzz): Promise<number> {
  const c = await RawClient.session(h.port, { token, database: 'prod-db' })
  const frames: Buffer[] = []
  const n = 4 + f.int(16)
  for (let i = 0; i < n; i++) frames.push(f.wellFramed())
  const breakStream = f.int(3) === 0
  if (breakStream) frames.push(f.brokenFrame())
  // Send in random slices, as a network would.
  const all = Buffer.concat(frames)
  for (let at = 0; at < all.length;) {
    const step = 1 + f.int(64)
    c.socket.write(all.subarray(at, at + step))
    at += step
  }
  if (breakStream) {
    c.socket.end()
  } else {
    // A stream still in step ends with a marker query: either it is answered, or the gateway has closed.
    c.send(encodeSync(), encodeQuery('SELECT 424242'))
    await c.until((fs) => fs.some((fr) => fr.type === 'D' && fr.payload.includes(Buffer.from('424242')))).catch(() => undefined)
    c.socket.end()
  }
  await closed(c.socket)
  return frames.length + (breakStream ? 0 : 2)
}

test(`fuzz: ${CONNECTIONS} connections of hostile input (seed ${SEED})`, async () => {
  const baseline = h.listener.connections()
  let sent = 0
  let next = 0
  const worker = async (w: number) => {
    const f = new Fuzz(rng(SEED * 1000 + w))
    while (next < CONNECTIONS) {
      next++
      const frames = f.int(5) === 0 ? await preAuthConnection(f) : await sessionConnection(f)
      sent += frames
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, (_, w) => worker(w)))
  assert.ok(sent >= 2000, `sent ${sent} frames`)
  for (let i = 0; i < 200 && h.listener.connections() > baseline; i++) await new Promise((r) => setTimeout(r, 25))
  assert.is(h.listener.connections(), baseline)
})

test('the gateway still serves after the fuzz', async () => {
  const c = await h.client()
  assert.is((await c.query('SELECT count(*)::int AS n FROM users')).rows[0].n, 5)
})

test('none of the fuzz reached the server unjudged (server log)', () => {
  assert.equal(h.unjudgedStatements(), [])
  const logged = h.cluster.statements().map((s) => s.text)
  assert.not.ok(logged.some((t) => /DELETE FROM users|DROP TABLE/.test(t)))
})

test.run()
