// One agent asking for a large answer that must be masked: parsing it, running the detectors over every string
// and writing it back took ~5 s for 30 MB on the thread that serves every session, and every other agent's
// requests waited that long. Large bodies are masked on a thread of their own (mask-thread.ts): other agents
// are answered as usual meanwhile, the large answer is masked all the same, and one that cannot be masked is
// still withheld.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { OFF_THREAD_BYTES } from './mask-thread.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'

const MB = 1024 * 1024
let g: TestGateway
let token: string
let other: string

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, hosts: [] } },
  ])
  token = await g.agentToken()
  other = await g.te.token('other-agent', ['agents'])
})
test.after(async () => g.close())

/** A JSON list of `mb` MiB of distinct strings (nothing the masker may remember), an email in every 1000th. */
function largeList(mb: number): { body: string; emails: number } {
  const items: string[] = []
  let size = 0
  let emails = 0
  for (let i = 0; size < mb * MB; i++) {
    const item = JSON.stringify(i % 1000 === 0 ? `contact user${i}@example.com about order ${i}` : `item ${i}: the quick brown fox jumps over the lazy dog ${i * 7}`)
    if (i % 1000 === 0) emails++
    items.push(item)
    size += item.length + 1
  }
  return { body: `{"items":[${items.join(',')}]}`, emails }
}

const ask = (path: string, bearer: string) =>
  fetch(`${g.reverse.url}/t/web${path}`, { headers: { authorization: `Bearer ${bearer}` } }).then(async (r) => ({ status: r.status, body: await r.text() }))

async function latency(): Promise<number> {
  const started = performance.now()
  const r = await ask('/small', other)
  if (r.status !== 200) throw new Error(`the other agent got ${r.status}: ${r.body.slice(0, 200)}`)
  return performance.now() - started
}

interface Trial {
  answer: { status: number; body: string }
  /** The other agent's longest wait while the large answer was on its way, and its usual longest. */
  longest: number
  usual: number
  pings: number
}

// The other agent asks again as soon as it is answered, while the large answer is on its way: a stall of the
// gateway shows as one long wait (a median would not see it: the waits behind one stall are few).
async function trial(path = '/large'): Promise<Trial> {
  const usual: number[] = []
  for (let i = 0; i < 20; i++) usual.push(await latency())
  let answer: { status: number; body: string } | undefined
  const asked = ask(path, token).then((r) => (answer = r))
  const loaded: number[] = []
  while (!answer) {
    loaded.push(await latency())
    await new Promise((r) => setTimeout(r, 10))
  }
  await asked
  return { answer, longest: Math.max(...loaded), usual: Math.max(...usual), pings: loaded.length }
}

/**
 * The first trial in which the other agent never waited a second longer than usual, or the last of three. Under
 * two busy loops beside the runner (load ~14 on 2 cores) two trials in a row saw a 1.2 s wait in 1 of 10 runs.
 */
async function trials(run: () => Promise<Trial>): Promise<Trial> {
  let t = await run()
  for (let more = 2; more > 0 && t.longest >= t.usual + 1000; more--) t = await run()
  return t
}

test('while one agent reads a 24 MB answer the detectors must scan, another agent never waits a second longer than usual', async () => {
  const large = largeList(24)
  g.route = (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(req.url.startsWith('/large') ? large.body : '{"ok":true}')
  }
  // A stall the gateway causes happens every time; a busy machine's hiccup does not: up to three trials decide.
  const t = await trials(() => trial())
  assert.is(t.answer.status, 200, t.answer.body.slice(0, 300))
  assert.not.ok(t.answer.body.includes('@example.com'), 'the emails were masked')
  assert.is(t.answer.body.split('[email]').length - 1, large.emails)
  assert.is((JSON.parse(t.answer.body) as { items: string[] }).items.length, (JSON.parse(large.body) as { items: string[] }).items.length)
  assert.ok(t.longest < t.usual + 1000, `the other agent waited up to ${t.longest.toFixed(0)} ms (${t.pings} requests) while the large answer was masked, up to ${t.usual.toFixed(0)} ms usually`)
})

test('while one agent reads a watch stream of 7 MB events, another agent never waits a second longer than usual', async () => {
  // Kubernetes watch events (newline-delimited JSON), each a large object, masked event by event as they stream.
  const events = Array.from({ length: 4 }, (_, i) => JSON.stringify({ type: 'ADDED', object: JSON.parse(largeList(7).body.replace('"contact user0@', `"contact event${i}@`)) }))
  g.route = (req, res) => {
    if (!req.url.startsWith('/watch')) {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end('{"ok":true}')
    }
    res.writeHead(200, { 'content-type': 'application/json;stream=watch' })
    for (const e of events) res.write(`${e}\n`)
    res.end()
  }
  const t = await trials(() => trial('/watch'))
  assert.is(t.answer.status, 200, t.answer.body.slice(0, 300))
  const got = t.answer.body.trimEnd().split('\n')
  assert.is(got.length, events.length)
  assert.not.ok(t.answer.body.includes('@example.com'), 'the emails were masked')
  for (const line of got) assert.is((JSON.parse(line) as { type: string }).type, 'ADDED')
  assert.ok(t.longest < t.usual + 1000, `the other agent waited up to ${t.longest.toFixed(0)} ms (${t.pings} requests) while the events were masked, up to ${t.usual.toFixed(0)} ms usually`)
})

test('a large answer the masking thread cannot mask is withheld (502), and the thread masks the next one', async () => {
  const size = OFF_THREAD_BYTES + MB
  const bodies: Record<string, string> = {
    '/broken': `{"items":["${'x'.repeat(size)}"`, // cut short: not JSON
    '/nul': `{"a":"${'x'.repeat(size)}\u0000"}`, // binary past the first chunk
    '/deep': `${'['.repeat(size / 2)}${']'.repeat(size / 2)}`, // nested past the masker's depth
    '/fine': `{"note":"write to ops@example.com","pad":"${'y'.repeat(size)}"}`,
  }
  g.route = (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(bodies[req.url] ?? '{}')
  }
  for (const path of ['/broken', '/nul', '/deep']) {
    const r = await ask(path, token)
    assert.is(r.status, 502, `${path}: ${r.body.slice(0, 200)}`)
    assert.match(r.body, 'http.mask_failed')
    assert.not.ok(r.body.includes('xxxx'), path)
  }
  const fine = await ask('/fine', token)
  assert.is(fine.status, 200, fine.body.slice(0, 200))
  assert.match(fine.body, '"note":"write to [email]"')
})

test.run()
