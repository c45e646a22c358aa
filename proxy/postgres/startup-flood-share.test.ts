// A few addresses that connect and never start up held every startup slot (each within its per-address share),
// and every other client was refused until those connections timed out. With every slot taken, a connection
// from an address holding fewer now closes the oldest starting connection of the address holding the most
// (53300, saying why), so every address keeps its share; an address at its share is still refused.
// The addresses are loopback ones (127.0.0.1, .2, .3), each its own source.
import net from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { decodeErrorResponse } from './messages/error-response.ts'
import { encodeQuery } from './messages/query.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { RawClient, types } from './testing/raw-client.ts'

const SLOTS = 6
let h: Harness

test.before(async () => {
  h = await startHarness({ maxStarting: SLOTS, maxStartingPerSource: SLOTS })
})
test.after(async () => {
  await h?.stop()
})

interface Idle { socket: net.Socket; from: string; closed: Promise<Buffer>; isClosed: boolean }
/** Idle connections closed by the gateway so far. */
let closedCount = 0

/** A connection from `from` that sends nothing, once the listener counts it. */
async function idle(from: string): Promise<Idle> {
  const before = h.listener.connections()
  const closedBefore = closedCount
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: h.port, localAddress: from }, () => resolve(s))
    s.once('error', reject)
  })
  const chunks: Buffer[] = []
  socket.on('data', (d: Buffer) => chunks.push(d))
  socket.on('error', () => undefined)
  const entry: Idle = { socket, from, isClosed: false, closed: new Promise((resolve) => socket.once('close', () => { entry.isClosed = true; closedCount++; resolve(Buffer.concat(chunks)) })) }
  // Accepted and counted, or refused, or accepted in the place of one that was closed.
  while (h.listener.connections() === before && closedCount === closedBefore) await new Promise((r) => setImmediate(r))
  return entry
}

const errorOf = (bytes: Buffer) => {
  assert.is(String.fromCharCode(bytes[0]!), 'E')
  return decodeErrorResponse(bytes.subarray(5, 1 + bytes.readUInt32BE(1)))
}

test('with every startup slot taken by one address, other addresses still start: each displaces that address\'s oldest, down to equal shares', async () => {
  const all: Idle[] = []
  try {
    for (let i = 0; i < SLOTS; i++) all.push(await idle('127.0.0.1'))
    const flood = [...all]
    // A second address gets a slot: the flood's oldest is closed with the reason.
    all.push(await idle('127.0.0.2'))
    const first = errorOf(await flood[0]!.closed)
    assert.is(first.code, '53300')
    assert.match(first.message, 'was closed to make room for another address')
    assert.not.ok(all.at(-1)!.isClosed, 'the second address\'s connection is kept')
    // The flooding address cannot take the slot back: it holds more than the other.
    const again = await idle('127.0.0.1')
    all.push(again)
    const refused = errorOf(await again.closed)
    assert.match(refused.message, `too many connections are starting up at once (${SLOTS}); this one was refused`)
    // The second address goes on displacing until the two hold equal shares, then is refused too.
    for (let i = 0; i < 2; i++) all.push(await idle('127.0.0.2'))
    const over = await idle('127.0.0.2')
    all.push(over)
    assert.match(errorOf(await over.closed).message, 'this one was refused')
    const open = (from: string) => all.filter((c) => c.from === from && !c.isClosed).length
    assert.equal([open('127.0.0.1'), open('127.0.0.2')], [3, 3])
    // A third address still starts a whole session and runs a statement.
    const session = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db', localAddress: '127.0.0.3' })
    session.send(encodeQuery('SELECT 1'))
    assert.is(types(await session.readyCount(1)), 'TDCZ')
    session.close()
    assert.is(open('127.0.0.1') + open('127.0.0.2'), SLOTS - 1, 'one connection gave way to it')
  } finally {
    for (const c of all) c.socket.destroy()
  }
})

test.run()
