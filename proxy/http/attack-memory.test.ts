// One agent asking for many large answers at once, each of which must be masked (read whole): without a bound
// shared by every request, the bodies held would grow with the agent's concurrency until the gateway's memory
// ran out, ending it for every session. Past the gateway's budget a body is refused with 503; the budget comes
// back when the answers are done. Likewise one agent holding more long-lived answers than the gateway keeps sockets
// to the upstream: past its share it is told to retry (429), and other sessions' requests still go.
import type { ServerResponse } from 'node:http'
import { connect, type Socket } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { createUpstreamShares, PER_REQUESTER } from './upstream-shares.ts'

const MB = 1024 * 1024
let g: TestGateway
let token: string

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, hosts: [] } },
  ], { maskBudgetBytes: 3 * MB })
  token = await g.agentToken()
})
test.after(async () => g.close())

test('large masked answers in parallel: past the budget they are refused with 503, and the budget comes back', async () => {
  // Each answer: 1 MiB of a JSON document sent at once, the rest once the test lets the upstream finish.
  const open: ServerResponse[] = []
  const half = `{"items":[${'"x",'.repeat((MB / 4))}`
  g.route = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write(half)
    open.push(res)
  }
  const ask = () => fetch(`${g.reverse.url}/t/web/big`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({ status: r.status, body: await r.text() }))
  const answers = Array.from({ length: 6 }, ask)
  const done: Array<{ status: number; body: string }> = []
  for (const a of answers) void a.then((r) => done.push(r))
  for (let t = 0; t < 500 && open.length + done.length < 6; t++) await new Promise((r) => setTimeout(r, 10))
  for (let t = 0; t < 500 && done.length < 3; t++) await new Promise((r) => setTimeout(r, 10))
  assert.ok(done.length >= 3, `${done.length} refused while the others are held`)
  for (const r of done) {
    assert.is(r.status, 503, r.body.slice(0, 200))
    assert.match(r.body, 'http.busy')
  }
  for (const res of open) res.end('"end"]}')
  const all = await Promise.all(answers)
  assert.ok(all.filter((r) => r.status === 200).length >= 1, 'those within the budget are answered')
  // Everything given back: one more large answer fits again.
  g.route = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(`${half}"end"]}`)
  }
  assert.is((await ask()).status, 200)
})

test('one agent holding more long-lived answers than the upstream pool has sockets does not stall another agent', async () => {
  const open: ServerResponse[] = []
  let stop = false
  g.route = (req, res) => {
    if (req.url.startsWith('/hold') && !stop) {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(': open\n\n')
      open.push(res)
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"ok":true}')
  }
  const streams = new AbortController()
  const held = Array.from({ length: 80 }, (_, i) => fetch(`${g.reverse.url}/t/web/hold/${i}`, { headers: { authorization: `Bearer ${token}` }, signal: streams.signal }).then((r) => r.status, () => 0))
  for (let t = 0; t < 300 && open.length < PER_REQUESTER; t++) await new Promise((r) => setTimeout(r, 10))
  try {
    const other = await g.te.token('other-agent', ['agents'])
    const asked = fetch(`${g.reverse.url}/t/web/ok`, { headers: { authorization: `Bearer ${other}` } }).then(async (r) => ({ status: r.status, body: await r.text() }))
    const answer = await Promise.race([asked, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 5_000).unref())])
    assert.ok(answer, 'the other agent was answered within 5 s')
    assert.is(answer!.status, 200, answer!.body.slice(0, 200))
    assert.is(open.length, PER_REQUESTER, 'the first agent has its share of the upstream, its other requests wait')
  } finally {
    stop = true
    for (const res of open) res.end()
    streams.abort()
    await Promise.all(held)
  }
})

test('a request waiting for its share whose client gave up is never sent once a slot frees', async () => {
  const open: ServerResponse[] = []
  const seen: string[] = []
  g.route = (req, res) => {
    seen.push(`${req.method} ${req.url}`)
    // Requests of earlier tests may still arrive (sent as their clients aborted): only this test's paths count.
    if (req.url.startsWith('/share-hold')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(': open\n\n')
      open.push(res)
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"ok":true}')
  }
  const agent = await g.te.token('impatient-agent', ['agents'])
  const streams = new AbortController()
  const held = Array.from({ length: PER_REQUESTER }, (_, i) => fetch(`${g.reverse.url}/t/web/share-hold/${i}`, { headers: { authorization: `Bearer ${agent}` }, signal: streams.signal }).then((r) => r.status, () => 0))
  try {
    for (let t = 0; t < 300 && open.length < PER_REQUESTER; t++) await new Promise((r) => setTimeout(r, 10))
    assert.is(open.length, PER_REQUESTER)
    // The next request waits for the agent's share; its client gives up (a timeout, Ctrl-C) before one frees.
    const giveUp = new AbortController()
    const waiting = fetch(`${g.reverse.url}/t/web/late-read`, { headers: { authorization: `Bearer ${agent}` }, signal: giveUp.signal }).then((r) => r.status, () => 0)
    await new Promise((r) => setTimeout(r, 300))
    giveUp.abort()
    assert.is(await waiting, 0)
    await new Promise((r) => setTimeout(r, 200))
    for (const res of open.splice(0)) res.end()
    await new Promise((r) => setTimeout(r, 500))
    assert.not.ok(seen.some((s) => s.includes('late-read')), `the abandoned request reached the upstream: ${seen.filter((s) => s.includes('late'))}`)
    // The share is whole again: the agent's next request goes at once.
    const next = await fetch(`${g.reverse.url}/t/web/ok`, { headers: { authorization: `Bearer ${agent}` } })
    assert.is(next.status, 200)
  } finally {
    for (const res of open) res.end()
    streams.abort()
    await Promise.all(held)
  }
})

/** Opens an upgraded stream (a WebSocket-style GET); resolves with the socket and the answer's head once it has one. */
function openUpgrade(path: string, auth: string): Promise<{ socket: Socket; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(g.reverse.address.port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${auth}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`)
    })
    let got = ''
    socket.on('data', (d) => {
      got += d
      if (got.includes('\r\n\r\n')) resolve({ socket, head: got })
    })
    socket.on('error', reject)
    socket.on('close', () => resolve({ socket, head: got }))
  })
}

test('upgraded streams count per caller: past its share the next upgrade is refused with 429 at once; one closing frees a slot', async () => {
  const human = await g.te.token('oncall-engineer', ['breakglass'], { kind: 'human' })
  const open: Socket[] = []
  try {
    for (let i = 0; i < PER_REQUESTER; i++) {
      const u = await openUpgrade(`/t/web/socket/${i}`, human)
      assert.match(u.head, /^HTTP\/1\.1 101/, `stream ${i}: ${u.head.slice(0, 200)}`)
      open.push(u.socket)
    }
    const refused = await openUpgrade('/t/web/socket/extra', human)
    assert.match(refused.head, /^HTTP\/1\.1 429/)
    assert.match(refused.head, /retry-after: 1/i)
    assert.match(refused.head, /upgraded streams/)
    // Another caller is not counted against this one.
    const other = await openUpgrade('/t/web/socket/other', await g.te.token('second-engineer', ['breakglass'], { kind: 'human' }))
    assert.match(other.head, /^HTTP\/1\.1 101/)
    other.socket.destroy()
    open.shift()!.destroy()
    await new Promise((r) => setTimeout(r, 200))
    const again = await openUpgrade('/t/web/socket/again', human)
    assert.match(again.head, /^HTTP\/1\.1 101/, 'a closed stream gave its slot back')
    open.push(again.socket)
  } finally {
    for (const s of open) s.destroy()
  }
})

test('upgrade shares are given back however a stream ends: refused or dropped by the upstream, client gone before the 101, token expired; a burst gets exactly its share', async () => {
  const sub = 'slot-leaker'
  const human = await g.te.token(sub, ['breakglass'], { kind: 'human' })
  const tries = PER_REQUESTER + 4
  // The upstream refuses the upgrade (403 passed on) or drops the connection (502).
  for (let i = 0; i < tries; i++) {
    assert.match((await openUpgrade(`/t/web/refuse-upgrade/${i}`, human)).head, /^HTTP\/1\.1 403/)
    assert.match((await openUpgrade(`/t/web/drop-upgrade/${i}`, human)).head, /^HTTP\/1\.1 502/)
  }
  // The client goes away while the upstream has not answered yet.
  await Promise.all(Array.from({ length: tries }, (_, i) => new Promise<void>((resolve) => {
    const socket = connect(g.reverse.address.port, '127.0.0.1', () => {
      socket.write(`GET /t/web/slow-upgrade/${i} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${human}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`)
      setTimeout(() => socket.destroy(), 50)
    })
    socket.on('error', () => undefined)
    socket.on('close', () => resolve())
  })))
  // The gateway sees those clients go a moment after they do (and the slow upstream would answer at 300 ms).
  await new Promise((r) => setTimeout(r, 600))
  // Streams whose token expires: the gateway closes them.
  const shortLived = await g.te.token(sub, ['breakglass'], { kind: 'human', ttlSeconds: 4 })
  const expiring = await Promise.all(Array.from({ length: PER_REQUESTER }, (_, i) => openUpgrade(`/t/web/expiring/${i}`, shortLived)))
  for (const u of expiring) assert.match(u.head, /^HTTP\/1\.1 101/, u.head.slice(0, 300))
  await Promise.all(expiring.map((u) => u.socket.destroyed ? undefined : new Promise((r) => u.socket.once('close', r))))
  await new Promise((r) => setTimeout(r, 600))
  // A burst at once: exactly the share is upgraded, the rest refused; nothing leaked above, so all of it is free.
  const burst = await Promise.all(Array.from({ length: PER_REQUESTER * 2 }, (_, i) => openUpgrade(`/t/web/burst/${i}`, human)))
  try {
    assert.is(burst.filter((u) => /^HTTP\/1\.1 101/.test(u.head)).length, PER_REQUESTER, burst.map((u) => u.head.slice(0, 12)).join(','))
    assert.is(burst.filter((u) => /^HTTP\/1\.1 429/.test(u.head)).length, PER_REQUESTER)
  } finally {
    for (const u of burst) u.socket.destroy()
  }
})

test('UpstreamShares: past its share a request waits for one of its own, then is refused with 429; others are not counted', async () => {
  const shares = createUpstreamShares({ limit: 2, waitMs: 50 })
  const a1 = await shares.take('t', 'a')
  await shares.take('t', 'a')
  const b = await shares.take('t', 'b')
  const waiting = shares.take('t', 'a')
  a1()
  a1()
  const a3 = await waiting
  assert.is(shares.inFlight('t', 'a'), 2, 'the slot passed to the waiting request; giving back twice counts once')
  const err = await shares.take('t', 'a').then(() => undefined, (e: { status?: number; headers?: Record<string, string> }) => e)
  assert.is(err?.status, 429)
  assert.is(err?.headers?.['retry-after'], '1')
  a3()
  b()
  assert.is(shares.inFlight('t', 'b'), 0)
  assert.is(shares.inFlight('t', 'a'), 1)
})

test('a requester\'s share comes back as its answers end, streamed or whole', async () => {
  g.route = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"ok":true}')
  }
  for (let round = 0; round < 3; round++) {
    const statuses = await Promise.all(Array.from({ length: PER_REQUESTER }, () => fetch(`${g.reverse.url}/t/web/ok`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => (await r.text(), r.status))))
    assert.equal(statuses, Array(PER_REQUESTER).fill(200))
  }
})

// Every way an answer can end gives the requester's slot back: more than its share of such answers, one after
// another, then a plain request is answered at once (a slot kept would make it wait WAIT_MS, then 429).
test('a requester\'s share comes back on every ending: client abort mid-body, upstream reset, mask failure, upstream error, HEAD, 304, 204', async () => {
  const asked = (path: string, init: RequestInit = {}) => fetch(`${g.reverse.url}/t/web${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) } })
  const hanging: ServerResponse[] = []
  g.route = (req, res) => {
    const path = req.url
    if (path.startsWith('/abort') || path.startsWith('/abort-json')) {
      res.writeHead(200, { 'content-type': path.startsWith('/abort-json') ? 'application/json' : 'text/event-stream' })
      res.write(path.startsWith('/abort-json') ? '{"items":[' : 'data: one\n\n')
      hanging.push(res)
      return
    }
    if (path.startsWith('/reset-stream')) return void res.destroy()
    if (path.startsWith('/reset')) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"items":[')
      setTimeout(() => res.destroy(), 5)
      return
    }
    if (path.startsWith('/partial')) {
      res.writeHead(206, { 'content-type': 'application/json', 'content-range': 'bytes 0-1/10' })
      return void res.end('{}')
    }
    if (path.startsWith('/not-modified')) return void (res.writeHead(304), res.end())
    if (path.startsWith('/empty')) return void (res.writeHead(204), res.end())
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"ok":true}')
  }
  const n = PER_REQUESTER + 4
  const ways: Record<string, () => Promise<unknown>> = {
    'client abort mid-stream': async () => {
      const c = new AbortController()
      const r = await asked('/abort', { signal: c.signal })
      const reader = r.body!.getReader()
      await reader.read()
      c.abort()
      await reader.read().catch(() => undefined)
    },
    'client abort while a masked body is read whole': async () => {
      const c = new AbortController()
      const before = hanging.length
      const r = asked('/abort-json', { signal: c.signal }).catch(() => undefined)
      for (let t = 0; t < 200 && hanging.length === before; t++) await new Promise((resolve) => setTimeout(resolve, 5))
      c.abort()
      await r
    },
    'upstream reset mid-body': () => asked('/reset').then((r) => r.text()).catch(() => undefined),
    'upstream reset before the answer': () => asked('/reset-stream').then((r) => r.text()),
    'mask failure (206)': () => asked('/partial').then((r) => r.text()),
    'HEAD': () => asked('/ok', { method: 'HEAD' }).then((r) => r.text()),
    '304': () => asked('/not-modified').then((r) => r.text()),
    '204': () => asked('/empty').then((r) => r.text()),
  }
  try {
    for (const [way, once] of Object.entries(ways)) {
      for (let i = 0; i < n; i++) await once()
      // The gateway hears of an abort a little after the client sends it.
      await new Promise((resolve) => setTimeout(resolve, 50))
      const started = performance.now()
      const r = await asked('/ok')
      const body = await r.text()
      assert.is(r.status, 200, `after ${n} × ${way}: ${body.slice(0, 200)}`)
      assert.ok(performance.now() - started < 3_000, `after ${n} × ${way} a plain request waited ${Math.round(performance.now() - started)} ms for a slot`)
    }
  } finally {
    for (const res of hanging) res.destroy()
  }
})

test.run()
