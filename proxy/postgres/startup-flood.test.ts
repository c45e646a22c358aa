// Connections that connect and never finish starting up, from a client without a token: each was held until the
// startup timeout (60 s), one descriptor each, with no bound on how many; ~20,000 of them took every descriptor
// the process had, and then no session could start and running sessions could not open the upstream connections
// they need (a cancel, the catalog). Past MAX_STARTING connections still starting, the next is refused at once
// with 53300; sessions already running are not counted and go on; new sessions start again as the flood ends.
import net from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MAX_AUTH_MESSAGE_BYTES } from './connection.ts'
import { MAX_STARTING } from './listener.ts'
import { decodeErrorResponse } from './messages/error-response.ts'
import { encodeQuery } from './messages/query.ts'
import { encodeStartupMessage } from './messages/startup-message.ts'
import { PROTOCOL_3_0 } from './messages/startup-packet.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { RawClient, types } from './testing/raw-client.ts'

let h: Harness

test.before(async () => {
  // Every connection here comes from loopback: the per-address bound is raised to the gateway-wide one.
  h = await startHarness({ maxStartingPerSource: MAX_STARTING })
})
test.after(async () => {
  await h?.stop()
})

const session = async () => RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })

function connect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(h.port, '127.0.0.1', () => resolve(s))
    s.once('error', reject)
  })
}

/** What the gateway sends a connection that sends nothing, within `ms`, and whether it closed it. */
function answer(s: net.Socket, ms: number): Promise<{ bytes: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    const done = (closed: boolean) => resolve({ bytes: Buffer.concat(chunks), closed })
    const timer = setTimeout(() => done(false), ms)
    s.on('data', (d: Buffer) => chunks.push(d))
    s.once('close', () => {
      clearTimeout(timer)
      done(true)
    })
  })
}

test(`past ${MAX_STARTING} connections that never start up, the next is refused at once (53300); running sessions go on, and new ones start once the flood ends`, async () => {
  const running = await session()
  const flood: net.Socket[] = []
  try {
    for (let i = 0; i < MAX_STARTING; i++) flood.push(await connect())
    const extra = await connect()
    const started = performance.now()
    const got = await answer(extra, 5_000)
    assert.ok(got.closed, 'the connection past the bound is closed, not held')
    assert.ok(performance.now() - started < 4_500, 'at once, not at the startup timeout')
    assert.is(String.fromCharCode(got.bytes[0]!), 'E')
    const e = decodeErrorResponse(got.bytes.subarray(5, 1 + got.bytes.readUInt32BE(1)))
    assert.is(e.code, '53300')
    assert.is(e.severity, 'FATAL')
    assert.match(e.message, `too many connections are starting up at once (${MAX_STARTING})`)
    // The ones within the bound are still held (waiting for their startup packet), not dropped; the last of them
    // too: the session already running is not counted.
    for (const s of [flood[0]!, flood.at(-1)!]) assert.not.ok((await answer(s, 200)).closed)
    running.send(encodeQuery('SELECT 1'))
    assert.is(types(await running.readyCount(1)), 'TDCZ')
  } finally {
    for (const s of flood) s.destroy()
  }
  // Their slots come back as they close.
  for (let t = 0; t < 100; t++) {
    const c = await session().catch(() => undefined)
    if (c) {
      c.send(encodeQuery('SELECT 1'))
      assert.is(types(await c.readyCount(1)), 'TDCZ')
      c.close()
      running.close()
      return
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  assert.unreachable('a new session started after the flood ended')
})

test(`before authentication a message longer than a token (${MAX_AUTH_MESSAGE_BYTES} bytes) is refused at once (54000), without being read`, async () => {
  // Under the general frame limit (64 MiB) each connection still starting could make the gateway hold 64 MiB.
  const s = await connect()
  s.write(encodeStartupMessage({ protocol: PROTOCOL_3_0, params: new Map([['user', 'agent'], ['database', 'prod-db']]) }))
  const header = Buffer.alloc(5)
  header.write('p', 0)
  header.writeInt32BE(32 * 1024 * 1024, 1)
  await new Promise((r) => setTimeout(r, 100))
  s.write(header)
  s.write(Buffer.alloc(64 * 1024, 'a'))
  const started = performance.now()
  const got = await answer(s, 5_000)
  assert.ok(got.closed, 'the connection is ended')
  assert.ok(performance.now() - started < 4_500, 'at once, not after the 32 MiB it announced')
  const at = got.bytes.indexOf('E'.charCodeAt(0), got.bytes[0] === 'R'.charCodeAt(0) ? 1 + got.bytes.readUInt32BE(1) : 0)
  const e = decodeErrorResponse(got.bytes.subarray(at + 5, at + 1 + got.bytes.readUInt32BE(at + 1)))
  assert.is(e.code, '54000')
  assert.match(e.message, `exceeds the gateway limit of ${MAX_AUTH_MESSAGE_BYTES} bytes`)
  // A real token is far shorter: sessions start as before.
  const c = await session()
  c.send(encodeQuery('SELECT 1'))
  assert.is(types(await c.readyCount(1)), 'TDCZ')
  c.close()
})

test.run()
