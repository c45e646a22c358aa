// One address that connects and never starts up took every slot of MAX_STARTING, and every other client was
// refused until those connections timed out. Past maxStartingPerSource connections still starting from one
// address, the next from it is refused at once (53300) with its own message; sessions already running go on.
import net from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { decodeErrorResponse } from './messages/error-response.ts'
import { encodeQuery } from './messages/query.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { RawClient, types } from './testing/raw-client.ts'

const PER_SOURCE = 3
let h: Harness

test.before(async () => {
  h = await startHarness({ maxStartingPerSource: PER_SOURCE })
})
test.after(async () => {
  await h?.stop()
})

function connect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(h.port, '127.0.0.1', () => resolve(s))
    s.once('error', reject)
  })
}

/** Everything the gateway sends until it closes the connection. */
function untilClosed(s: net.Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    s.on('data', (d: Buffer) => chunks.push(d))
    s.once('close', () => resolve(Buffer.concat(chunks)))
  })
}

test(`past ${PER_SOURCE} connections starting from one address, the next from it is refused (53300); a running session goes on`, async () => {
  const running = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  const idle: net.Socket[] = []
  try {
    for (let i = 0; i < PER_SOURCE; i++) idle.push(await connect())
    const bytes = await untilClosed(await connect())
    assert.is(String.fromCharCode(bytes[0]!), 'E')
    const e = decodeErrorResponse(bytes.subarray(5, 1 + bytes.readUInt32BE(1)))
    assert.is(e.code, '53300')
    assert.match(e.message, `too many connections from this address are starting up at once (${PER_SOURCE})`)
    running.send(encodeQuery('SELECT 1'))
    assert.is(types(await running.readyCount(1)), 'TDCZ')
  } finally {
    for (const s of idle) s.destroy()
    running.close()
  }
})

test.run()
