// Startup slots shared by address: a starting connection closed to make room (Connection.terminate) at each step of
// startup — mid-TLS handshake, after the StartupMessage (waiting for the password), in plaintext before anything —
// must end whole: its socket closed, the listener's live count and message budget back to 0, and no startup slot
// kept, so that as many connections as there are slots can start again afterwards.
import net from 'node:net'
import tls from 'node:tls'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { encodeQuery } from './messages/query.ts'
import { encodeSslRequest } from './messages/ssl-request.ts'
import { encodeStartupMessage } from './messages/startup-message.ts'
import { PROTOCOL_3_0 } from './messages/startup-packet.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { pollUntil, RawClient, types } from './testing/raw-client.ts'

const SLOTS = 4
let h: Harness

test.before(async () => {
  h = await startHarness({ maxStarting: SLOTS, maxStartingPerSource: SLOTS })
})
test.after(async () => {
  await h?.stop()
})

const startup = () => encodeStartupMessage({ protocol: PROTOCOL_3_0, params: new Map([['user', 'agent'], ['database', 'prod-db']]) })

interface Conn { closed: boolean; destroy(): void }
function track(s: net.Socket): Conn {
  const c = { closed: false, destroy: () => s.destroy() }
  s.on('error', () => undefined)
  s.once('close', () => { c.closed = true })
  return c
}

/** SSLRequest answered 'S', then the first bytes of a ClientHello only: the gateway's TLS handshake is under way. */
async function midHandshake(from: string): Promise<Conn> {
  const c = await RawClient.open(h.port, from)
  const answer = c.readByte()
  c.send(encodeSslRequest())
  assert.is(await answer, 'S')
  c.send(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]))
  return track(c.socket)
}

/** Over TLS, the StartupMessage sent and answered with the password request; no password. */
async function waitingForPassword(from: string): Promise<Conn> {
  const raw = await RawClient.open(h.port, from)
  const answer = raw.readByte()
  raw.send(encodeSslRequest())
  assert.is(await answer, 'S')
  raw.socket.removeAllListeners('data')
  const t = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect({ socket: raw.socket, rejectUnauthorized: false }, () => resolve(s))
    s.once('error', reject)
  })
  const got = new Promise<void>((resolve) => t.once('data', () => resolve()))
  t.write(startup())
  await got
  return track(t)
}

/** Plaintext from loopback, nothing sent. */
async function silent(from: string): Promise<Conn> {
  const c = await RawClient.open(h.port, from)
  return track(c.socket)
}

test('connections displaced at every step of startup end whole: no live connection, no budget, no startup slot left behind', async () => {
  const victims = [await midHandshake('127.0.0.1'), await waitingForPassword('127.0.0.1'), await silent('127.0.0.1'), await waitingForPassword('127.0.0.1')]
  await pollUntil(() => h.listener.connections() === SLOTS, 'every slot taken', 1500)
  // Two from another address: each displaces the first address's oldest (mid-handshake, then waiting for a password).
  const others = [await silent('127.0.0.2'), await silent('127.0.0.2')]
  await pollUntil(() => victims[0]!.closed && victims[1]!.closed, 'the two oldest of the first address were closed', 1500)
  assert.not.ok(victims[2]!.closed || victims[3]!.closed)
  for (const c of [...victims, ...others]) c.destroy()
  await pollUntil(() => h.listener.connections() === 0, `every connection ended (${h.listener.connections()} live)`, 1500)
  assert.is(h.listener.bufferedMessageBytes(), 0)
  // Every slot is free again: SLOTS connections start at once from one address, and a session still runs.
  const again = await Promise.all(Array.from({ length: SLOTS - 1 }, () => silent('127.0.0.3')))
  const s = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db', localAddress: '127.0.0.3' })
  s.send(encodeQuery('SELECT 1'))
  assert.is(types(await s.readyCount(1)), 'TDCZ')
  assert.ok(again.every((c) => !c.closed), 'none of the idle ones was refused')
  s.close()
  for (const c of again) c.destroy()
})

test.run()
