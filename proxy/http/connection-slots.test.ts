// ConnectionSlots on a real TCP listener with room for three: who is displaced when a fourth connects.
import { connect, createServer, type Server, type Socket } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ConnectionSlots } from './connection-slots.ts'

let server: Server
let slots: ConnectionSlots
/** Client sockets, closed after each test. */
let clients: Socket[]

test.before.each(async () => {
  server = createServer()
  slots = new ConnectionSlots(3, 2)
  slots.attach(server)
  clients = []
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
})
test.after.each(async () => {
  for (const c of clients) c.destroy()
  await new Promise((resolve) => server.close(resolve))
})

/** A client connection and the server's side of it, once the server has taken it in (kept, or closed at once). */
async function open(): Promise<{ client: Socket; server: Socket }> {
  const seen = new Promise<Socket>((resolve) => server.once('connection', resolve))
  const client = connect((server.address() as { port: number }).port, '127.0.0.1')
  client.on('error', () => undefined)
  client.resume()
  clients.push(client)
  return { client, server: await seen }
}

/** Whether the gateway side still holds the connection (a displaced or refused one is destroyed at once). */
const held = (c: { server: Socket }) => !c.server.destroyed

test('a fourth connection displaces the oldest that has not proved itself, and is kept', async () => {
  const a = await open()
  const b = await open()
  const c = await open()
  slots.asked(a.server, 'alice')
  const d = await open()
  assert.not.ok(held(b), 'the oldest unproven connection is closed')
  assert.is(slots.displaced, 1)
  assert.ok(held(a), 'a proven connection is never displaced')
  assert.ok(held(c))
  assert.ok(held(d), 'the new connection is kept')
})

test('a connection with a request in flight is not displaced; once answered without a token it may be', async () => {
  const a = await open()
  const b = await open()
  await open()
  slots.started(a.server)
  await open()
  assert.not.ok(held(b))
  assert.ok(held(a), 'in flight: kept')
  slots.ended(a.server)
  await open()
  assert.not.ok(held(a), 'answered without a token: displaced like any other')
  assert.is(slots.displaced, 2)
})

test('when every connection has proved itself, one a caller, a new one is closed and the others stay', async () => {
  const kept = [await open(), await open(), await open()]
  for (const [i, k] of kept.entries()) {
    slots.started(k.server)
    slots.ended(k.server, ['alice', 'bob', 'carol'][i])
  }
  const late = await open()
  assert.not.ok(held(late))
  assert.is(slots.refused, 1)
  assert.is(slots.displaced, 0)
  for (const k of kept) assert.ok(held(k))
})

test('when every connection has proved itself, the caller holding more than an even share gives up its oldest idle one', async () => {
  const [a, b, c] = [await open(), await open(), await open()]
  slots.asked(a.server, 'alice')
  slots.asked(b.server, 'alice')
  slots.asked(c.server, 'bob')
  slots.started(a.server)
  const d = await open()
  assert.ok(held(d), 'the new connection is kept')
  assert.ok(held(a), 'alice\'s connection with a request in flight is kept')
  assert.not.ok(held(b), 'alice\'s idle one made room')
  assert.ok(held(c), 'bob, within an even share, keeps his')
  assert.is(slots.displaced, 1)
  // Now alice and bob hold one each: neither holds more than an even share, so the next is refused.
  slots.asked(d.server, 'dave')
  const e = await open()
  assert.not.ok(held(e))
  assert.is(slots.refused, 1)
  // Her slot given up, alice proves a connection again up to her share.
  slots.ended(a.server, 'alice')
  assert.ok(held(a))
})

test('the caller holding the most keeps a request in flight on each of its connections: the next caller over an even share gives up an idle one', async () => {
  const wide = new ConnectionSlots(6, 3)
  const s2 = createServer()
  wide.attach(s2)
  await new Promise<void>((resolve) => s2.listen(0, '127.0.0.1', resolve))
  const mine: Socket[] = []
  const take = async () => {
    const seen = new Promise<Socket>((resolve) => s2.once('connection', resolve))
    const client = connect((s2.address() as { port: number }).port, '127.0.0.1')
    client.on('error', () => undefined)
    client.resume()
    mine.push(client)
    return { client, server: await seen }
  }
  try {
    // mallory proves her share (3) and keeps a request in flight on each (a held approval, a response never read).
    const m = [await take(), await take(), await take()]
    for (const c of m) { wide.asked(c.server, 'mallory'); wide.started(c.server) }
    // bob holds two idle ones, carol one: the listener is full, every connection proven.
    const [b1, b2, c1] = [await take(), await take(), await take()]
    wide.asked(b1.server, 'bob')
    wide.asked(b2.server, 'bob')
    wide.asked(c1.server, 'carol')
    const late = await take()
    assert.ok(held(late), 'the new connection is kept')
    assert.not.ok(held(b1), 'bob, over an even share of 6 among 4 callers, gives up his oldest idle connection')
    assert.ok(held(b2) && held(c1))
    for (const c of m) assert.ok(held(c), 'requests in flight keep their connections')
  } finally {
    for (const c of mine) c.destroy()
    await new Promise((resolve) => s2.close(resolve))
  }
})

test('a closed connection frees its slot', async () => {
  const all = [await open(), await open(), await open()]
  for (const [i, c] of all.entries()) slots.asked(c.server, i === 2 ? 'bob' : 'alice')
  const gone = new Promise((resolve) => all[0]!.server.once('close', resolve))
  all[0]!.client.destroy()
  await gone
  assert.is(slots.size, 2)
  const d = await open()
  assert.ok(held(d))
  assert.is(slots.refused, 0)
})

test('one caller proves at most its share: its further connections stay displaceable', async () => {
  const a = await open()
  const b = await open()
  const c = await open()
  for (const x of [a, b, c]) slots.asked(x.server, 'alice')
  await open()
  assert.ok(held(a) && held(b), 'the first two, alice\'s share, are proven')
  assert.not.ok(held(c), 'the third was displaced')
  assert.is(slots.displaced, 1)
})

test('proving and unproving a connection again and again leaves the caller its whole share', async () => {
  const a = await open()
  for (let i = 0; i < 10; i++) {
    slots.started(a.server)
    slots.asked(a.server, 'alice')
    slots.ended(a.server, 'alice')
    slots.started(a.server)
    slots.ended(a.server)
  }
  const b = await open()
  const c = await open()
  slots.asked(b.server, 'alice')
  slots.asked(c.server, 'alice')
  await open()
  assert.ok(held(b) && held(c), 'alice still proves two')
  assert.not.ok(held(a), 'the one last answered without a token made room')
})

test('a request in flight past its caller\'s share does not keep its connection; within the share it does', async () => {
  const a = await open()
  const b = await open()
  const c = await open()
  for (const x of [a, b, c]) {
    slots.started(x.server)
    slots.asked(x.server, 'alice')
  }
  await open()
  assert.ok(held(a) && held(b))
  assert.not.ok(held(c), 'alice\'s third request in flight is past her share of two')
})

test.run()
