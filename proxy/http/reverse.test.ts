// The reverse proxy end to end: real node fetch and curl → /t/<target>/ on the gateway → a real HTTPS upstream
// (test CA) that records what reaches it. Default policy, dev-issuer tokens.
import { execFile } from 'node:child_process'
import http from 'node:http'
import { connect } from 'node:net'
import { promisify } from 'node:util'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { json, startTestGateway, type TestGateway } from './testing/gateway.ts'
import { MAX_CONNECTIONS } from './upstream.ts'

const run = promisify(execFile)
let g: TestGateway
let token: string

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'k8s', kind: 'kubernetes', environment: 'production', labels: {}, production_namespaces: ['prod'], upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'K8S_SA_TOKEN' }, hosts: [] } },
    { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: `${up.url}/base`, ca_file: up.caFile, credential: { kind: 'header', header: 'X-Api-Key', token_env: 'WEB_KEY' }, hosts: [] } },
    { name: 'nocreds', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'UNSET_TOKEN_VAR' }, hosts: [] } },
    { name: 'nourl', kind: 'http', environment: 'production', labels: {}, upstream_http: { hosts: [] } },
    { name: 'wrongca', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, hosts: [] } },
    { name: 'gcs', kind: 'gcp', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, api_host: 'storage.googleapis.com', credential: { kind: 'bearer', token_env: 'WEB_KEY' }, hosts: [] } },
    { name: 'gcs-plain', kind: 'gcp', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'WEB_KEY' }, hosts: [] } },
    { name: 'db', kind: 'postgres', environment: 'production', labels: {}, upstream: { host: '127.0.0.1', port: 1, database: 'x', user: 'y' } },
  ], { holdSeconds: 3, env: { K8S_SA_TOKEN: 'sa-token-123', WEB_KEY: 'web-key-456' } })
  token = await g.agentToken()
})
test.after(async () => g.close())

/** A pods/log answer, with the pod the gateway reads first to find the Secrets to mask in the log (it names none). */
const withPod = (route: TestGateway['route']): TestGateway['route'] => (req, res) =>
  req.url.split('?')[0]!.endsWith('/log') ? route(req, res) : json(res, { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p', namespace: 'prod' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } })

const get = (path: string, init: RequestInit & { auth?: string | null } = {}) =>
  fetch(`${g.reverse.url}${path}`, { ...init, headers: { ...(init.auth === null ? {} : { authorization: `Bearer ${init.auth ?? token}` }), ...(init.headers as Record<string, string>) } })

const lastRequest = () => [...g.te.audit.events].reverse().find((e) => e.type === 'request')!

function noJwtUpstream() {
  for (const s of g.upstream.seen) {
    for (const [k, v] of Object.entries(s.headers)) assert.not.ok(String(v).includes(token.slice(0, 40)), `the agent JWT reached the upstream in ${k}`)
  }
}

test('sessions: one per agent token and target, the same id for every request of the pair, another for another target or token', async () => {
  g.route = (_req, res) => json(res, { kind: 'PodList', items: [] })
  const sessionOf = async (path: string, auth?: string) => {
    assert.is((await get(path, { auth })).status, 200)
    return String(lastRequest().session_id)
  }
  const k8s = await sessionOf('/t/k8s/api/v1/namespaces/prod/pods')
  assert.match(k8s, /^http-[0-9a-f]{24}$/)
  assert.is(await sessionOf('/t/k8s/api/v1/namespaces/prod/pods'), k8s)
  const web = await sessionOf('/t/web/status')
  assert.is.not(web, k8s, 'another target, another session')
  assert.is(await sessionOf('/t/web/status'), web)
  const other = await g.te.token('cursor', ['agents'], { ttlSeconds: 601 })
  const k8sOther = await sessionOf('/t/k8s/api/v1/namespaces/prod/pods', other)
  assert.is.not(k8sOther, k8s, 'another token, another session')
  assert.is(await sessionOf('/t/k8s/api/v1/namespaces/prod/pods'), k8s, 'the first token keeps its session')
})

test('kubernetes: list pods is allowed; the upstream sees the gateway token, never the agent JWT', async () => {
  g.route = (_req, res) => json(res, { kind: 'PodList', items: [{ metadata: { name: 'web-1' } }] })
  const before = g.upstream.seen.length
  const res = await get('/t/k8s/api/v1/namespaces/prod/pods')
  assert.is(res.status, 200)
  assert.is((await res.json()).items[0].metadata.name, 'web-1')
  assert.ok(res.headers.get('x-warden-decision-id')?.startsWith('dec_'))
  const seen = g.upstream.seen[before]!
  assert.is(seen.url, '/api/v1/namespaces/prod/pods')
  assert.is(seen.headers.authorization, 'Bearer sa-token-123')
  noJwtUpstream()
  const event = lastRequest()
  assert.is(event.decision, 'allow')
  assert.is(event.status, 200)
  assert.is(event.method, 'GET')
  assert.match(String(event.url), '/api/v1/namespaces/prod/pods')
  assert.is((event.kubernetes as { resource: string }).resource, 'pods')
})

test('keep-alive holds on both sides: sequential requests reuse the client and upstream connections', async () => {
  g.route = (_req, res) => json(res, { kind: 'PodList', items: [] })
  const clientPorts = new Set<number>()
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const before = g.upstream.seen.length
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve, reject) => {
      const r = http.request(`${g.reverse.url}/t/k8s/api/v1/namespaces/prod/pods`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
        clientPorts.add(res.socket.localPort!)
        res.resume()
        res.on('end', () => resolve())
      })
      r.on('error', reject)
      r.end()
    })
  }
  agent.destroy()
  assert.is(clientPorts.size, 1, 'one client connection')
  assert.is(new Set(g.upstream.seen.slice(before).map((s) => s.port)).size, 1, 'one upstream connection')
})

test('the upstream pool is bounded: a burst of concurrent requests queues on at most MAX_CONNECTIONS sockets', async () => {
  const burst = MAX_CONNECTIONS + 16
  // Five agents, each within its own share of the pool (upstream-shares.ts): together they ask for more than it has.
  const tokens = await Promise.all(Array.from({ length: 5 }, (_, i) => g.te.token(`pool-agent-${i}`, ['agents'])))
  let waiting = 0
  const release: Array<() => void> = []
  g.route = (_req, res) => {
    release.push(() => json(res, { kind: 'PodList', items: [] }))
    // Answer once no more requests arrive: every socket of the pool is busy by then.
    if (++waiting === MAX_CONNECTIONS) setTimeout(() => { for (const r of release.splice(0)) r() }, 300)
    else if (waiting > MAX_CONNECTIONS) release.shift()!()
  }
  const before = g.upstream.seen.length
  const agent = new http.Agent({ keepAlive: true, maxSockets: burst })
  const statuses = await Promise.all(Array.from({ length: burst }, (_, i) => new Promise<number>((resolve, reject) => {
    const r = http.request(`${g.reverse.url}/t/web/pool`, { agent, headers: { authorization: `Bearer ${tokens[i % tokens.length]}` } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode!))
    })
    r.on('error', reject)
    r.end()
  })))
  agent.destroy()
  assert.ok(statuses.every((s) => s === 200), JSON.stringify(statuses))
  const ports = new Set(g.upstream.seen.slice(before).map((s) => s.port))
  assert.is(g.upstream.seen.length - before, burst)
  assert.is(ports.size, MAX_CONNECTIONS, `${ports.size} upstream sockets`)
})

test('kubernetes: delete namespace is denied with a Status object kubectl prints; nothing reaches the upstream', async () => {
  const before = g.upstream.seen.length
  const res = await get('/t/k8s/api/v1/namespaces/prod', { method: 'DELETE' })
  assert.is(res.status, 403)
  const status = await res.json()
  assert.is(status.kind, 'Status')
  assert.is(status.apiVersion, 'v1')
  assert.is(status.status, 'Failure')
  assert.is(status.reason, 'Forbidden')
  assert.is(status.code, 403)
  assert.match(status.message, /^warden: denied: .*namespaces/)
  assert.is(g.upstream.seen.length, before)
})

test('kubernetes: Secret lists are masked, gzip bodies decoded and Content-Length fixed', async () => {
  g.route = (_req, res) => {
    const body = gzipSync(JSON.stringify({ kind: 'SecretList', items: [{ metadata: { name: 's', annotations: { a: 'x' } }, data: { password: 'c2VjcmV0', user: 'YWRtaW4=' } }] }))
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.byteLength })
    res.end(body)
  }
  const res = await get('/t/k8s/api/v1/namespaces/prod/secrets')
  assert.is(res.status, 200)
  assert.is(res.headers.get('content-encoding'), null)
  const text = await res.text()
  assert.is(Number(res.headers.get('content-length')), Buffer.byteLength(text))
  const doc = JSON.parse(text)
  assert.not.match(text, 'c2VjcmV0')
  assert.not.match(text, 'YWRtaW4=')
  assert.is(doc.items[0].metadata.name, 's')
  assert.is(lastRequest().masked, 3)
})

test('kubernetes: one Secret, br and deflate bodies, are masked', async () => {
  for (const [coding, encode] of [['br', brotliCompressSync], ['deflate', deflateSync]] as const) {
    g.route = (_req, res) => {
      const body = encode(Buffer.from(JSON.stringify({ kind: 'Secret', metadata: { name: 's' }, data: { token: 'dG9rZW4tdmFsdWU=' }, stringData: { pw: 'hunter2' } })))
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': coding })
      res.end(body)
    }
    const res = await get('/t/k8s/api/v1/namespaces/prod/secrets/s')
    assert.is(res.status, 200, coding)
    const text = await res.text()
    assert.not.match(text, 'dG9rZW4tdmFsdWU=', coding)
    assert.not.match(text, 'hunter2', coding)
    assert.is(JSON.parse(text).metadata.name, 's')
  }
})

test('kubernetes: watch events are masked one by one as they stream', async () => {
  let release!: () => void
  const released = new Promise<void>((r) => (release = r))
  g.route = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json;stream=watch', 'transfer-encoding': 'chunked' })
    res.write(`${JSON.stringify({ type: 'ADDED', object: { kind: 'Secret', metadata: { name: 'a' }, data: { k: 'c2VjcmV0LWE=' } } })}\n`)
    void released.then(() => res.end(`${JSON.stringify({ type: 'MODIFIED', object: { kind: 'Secret', metadata: { name: 'a' }, data: { k: 'c2VjcmV0LWI=' } } })}\n`))
  }
  const res = await get('/t/k8s/api/v1/namespaces/prod/secrets?watch=true')
  assert.is(res.status, 200)
  const reader = res.body!.getReader()
  const first = new TextDecoder().decode((await reader.read()).value)
  // The first event arrives while the upstream still holds the stream open.
  assert.match(first, '"ADDED"')
  assert.not.match(first, 'c2VjcmV0LWE=')
  release()
  let rest = ''
  for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value)
  assert.match(rest, '"MODIFIED"')
  assert.not.match(rest, 'c2VjcmV0LWI=')
  assert.is(JSON.parse(rest.trim()).object.metadata.name, 'a')
})

test('a byte range of a masked document is not a way around the mask: a ranged GET is refused, one covering it is answered whole, a 206 is withheld', async () => {
  // An upstream that honours Range, as the Kubernetes API's proxy and every object store do.
  const doc = JSON.stringify({ kind: 'Secret', metadata: { name: 's' }, data: { password: 'c2VjcmV0LXZhbHVl' } })
  const start = doc.indexOf('"c2VjcmV0')
  g.route = (req, res) => {
    const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ''))
    if (!range) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(doc.length) })
      return res.end(doc)
    }
    const part = doc.slice(Number(range[1]), Number(range[2]) + 1)
    res.writeHead(206, { 'content-type': 'application/json', 'content-range': `bytes ${range[1]}-${range[2]}/${doc.length}` })
    res.end(part)
  }
  const before = g.upstream.seen.length
  const res = await get('/t/k8s/api/v1/namespaces/prod/secrets/s', { headers: { range: `bytes=${start}-${start + 17}` } })
  const text = await res.text()
  assert.not.match(text, 'c2VjcmV0LXZhbHVl', 'the secret value came back unmasked as a byte range')
  assert.is(res.status, 403)
  assert.is(JSON.parse(text).error, 'http.partial_refused')
  assert.match(JSON.parse(text).message, 'ranged reads are refused where masks apply')
  assert.is(g.upstream.seen.length, before, 'a ranged read reached the upstream under a mask obligation')
  // A range from byte 0 past the document's end asks for all of it: forwarded without Range, answered whole.
  const whole = await get('/t/k8s/api/v1/namespaces/prod/secrets/s', { headers: { range: `bytes=0-${doc.length - 1}` } })
  const wholeText = await whole.text()
  assert.is(whole.status, 200, wholeText)
  assert.is(g.upstream.seen[before]!.headers.range, undefined, 'Range reached the upstream under a mask obligation')
  assert.not.match(wholeText, 'c2VjcmV0LXZhbHVl')
  assert.is(JSON.parse(wholeText).metadata.name, 's')
  // Unless the whole answer turns out longer than the range (its first part), or does not state its length.
  for (const [range, answer] of [[`bytes=0-${doc.length - 2}`, undefined], [`bytes=0-${doc.length - 1}`, (_req: unknown, r: http.ServerResponse) => json(r, JSON.parse(doc))]] as const) {
    if (answer) g.route = answer
    const cut = await get('/t/k8s/api/v1/namespaces/prod/secrets/s', { headers: { range } })
    const cutText = await cut.text()
    assert.is(cut.status, 403, `${range}: ${cutText}`)
    assert.is(JSON.parse(cutText).error, 'http.partial_refused')
    assert.not.match(cutText, 'c2VjcmV0')
  }
  // An upstream that answers with a part anyway (S3 ?partNumber=) is withheld.
  g.route = (_req, res) => {
    res.writeHead(206, { 'content-type': 'application/json', 'content-range': 'bytes 0-17/100' })
    res.end('"c2VjcmV0LXZhbHVl"')
  }
  const partial = await get('/t/k8s/api/v1/namespaces/prod/secrets/s')
  assert.is(partial.status, 502)
  const body = await partial.json()
  assert.is(body.error, 'http.mask_failed')
  assert.match(body.message, 'part of a document')
})

test('server-sent events are masked event by event as they stream', async () => {
  let release!: () => void
  const released = new Promise<void>((r) => (release = r))
  g.route = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(`event: message\nid: 1\ndata: ${JSON.stringify({ jsonrpc: '2.0', result: { email: 'carol@example.com' } })}\n\n`)
    void released.then(() => res.end('data: plain text from dave@example.com\n\n'))
  }
  const res = await get('/t/web/mcp')
  assert.is(res.status, 200)
  const reader = res.body!.getReader()
  const first = new TextDecoder().decode((await reader.read()).value)
  assert.match(first, 'event: message\nid: 1\ndata: {"jsonrpc":"2.0"')
  assert.not.match(first, 'carol@example.com')
  release()
  let rest = ''
  for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value)
  assert.match(rest, /^data: plain text from \S+\n\n$/)
  assert.not.match(rest, 'dave@example.com')
})

test('a binary body under a mask obligation is withheld with a 502 naming the rule and the decision', async () => {
  g.route = withPod((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    res.end(Buffer.from([0, 1, 2, 3, 0xff]))
  })
  const res = await get('/t/k8s/api/v1/namespaces/prod/pods/p/log')
  assert.is(res.status, 502)
  const body = await res.json()
  assert.is(body.error, 'http.mask_failed')
  assert.match(body.message, 'its body is binary (application/octet-stream): mask obligations (from warden.rules.kubernetes.content)')
  assert.match(body.message, 'Content-Type never exempts a body')
  assert.match(body.decision_id, /^dec_/)
  assert.is(res.headers.get('x-warden-decision-id'), body.decision_id)
  assert.is(lastRequest().error, 'http.mask_failed')
  g.route = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
    res.end('this is not gzip')
  }
  const bad = await get('/t/k8s/api/v1/namespaces/prod/pods')
  assert.is(bad.status, 502)
  assert.match((await bad.json()).message, 'withheld')
})

test('a binary download under a mask obligation is refused on its first chunk, not after buffering it', async () => {
  let ended = false
  let timer: NodeJS.Timeout | undefined
  g.route = withPod((_req, res) => {
    res.writeHead(200, { 'content-type': 'binary/octet-stream' })
    res.write(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0xff, 0xfe]))
    timer = setTimeout(() => { ended = true; res.end(Buffer.alloc(1024)) }, 3000)
  })
  try {
    const res = await get('/t/k8s/api/v1/namespaces/prod/pods/p/log')
    assert.is(res.status, 502)
    assert.match((await res.json()).message, 'its body is binary (binary/octet-stream)')
    assert.not.ok(ended, 'the refusal waited for the whole download')
  } finally {
    clearTimeout(timer)
  }
  g.route = withPod((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png' })
    res.end('not even read')
  })
  const image = await get('/t/k8s/api/v1/namespaces/prod/pods/p/log')
  assert.is(image.status, 502)
  assert.match((await image.json()).message, 'its body is binary (image/png)')
  g.route = withPod((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' })
    res.end(gzipSync(Buffer.from([0, 159, 146, 150])))
  })
  const zipped = await get('/t/k8s/api/v1/namespaces/prod/pods/p/log')
  assert.is(zipped.status, 502)
  assert.match((await zipped.json()).message, 'its body is binary')
})

test('JSON served as application/octet-stream (a stored object) is still masked, not refused', async () => {
  g.route = withPod((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    res.end(JSON.stringify({ owner: 'erin@example.com' }))
  })
  const res = await get('/t/k8s/api/v1/namespaces/prod/pods/p/log')
  assert.is(res.status, 200)
  const text = await res.text()
  assert.not.match(text, 'erin@example.com')
  assert.ok(JSON.parse(text).owner)
})

test('a response with no mask obligation streams: the first chunk arrives before the upstream ends', async () => {
  const human = await g.te.token('root-on-call', ['breakglass'], { kind: 'human' })
  let release!: () => void
  const released = new Promise<void>((r) => (release = r))
  g.route = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.write('first chunk\n')
    void released.then(() => res.end('second chunk\n'))
  }
  const res = await get('/t/web/stream', { auth: human })
  assert.is(res.status, 200)
  const reader = res.body!.getReader()
  assert.is(new TextDecoder().decode((await reader.read()).value), 'first chunk\n')
  release()
  let rest = ''
  for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value)
  assert.is(rest, 'second chunk\n')
})

test('http: a write is held, approved by a reviewer, then forwarded with the approval id in headers', async () => {
  g.route = (req, res) => json(res, { got: req.body.toString() })
  const before = g.upstream.seen.length
  const pending = get('/t/web/orders?dry=1', { method: 'POST', body: JSON.stringify({ amount: 5 }), headers: { 'content-type': 'application/json' } })
  const id = await g.heldId()
  assert.ok(id, 'the request was held')
  assert.is(g.upstream.seen.length, before, 'nothing forwarded while held')
  await g.approve(id!)
  const res = await pending
  assert.is(res.status, 200)
  assert.is(res.headers.get('x-warden-approval'), id)
  assert.match(res.headers.get('warning') ?? '', `299 - "warden: held for approval ${id}`)
  assert.is((await res.json()).got, '{"amount":5}')
  const held = g.te.audit.events.find((e) => e.type === 'approval' && e.approval_id === id)!
  assert.is(held.action, 'requested')
  assert.is(held.target, 'web')
  assert.is(lastRequest().approval_id, id)
  assert.is(lastRequest().decision, 'allow')
  const seen = g.upstream.seen.at(-1)!
  assert.is(seen.url, '/base/orders?dry=1')
  assert.is(seen.headers['x-api-key'], 'web-key-456')
  assert.is(seen.headers.authorization, undefined)
  noJwtUpstream()
})

test('a kept session still sees a grant: after an approval the retry passes, while another agent is held again', async () => {
  g.route = (req, res) => json(res, { got: req.body.toString() })
  const post = (auth?: string) => get('/t/web/refunds', { auth, method: 'POST', body: '{"amount":7}', headers: { 'content-type': 'application/json' } })
  // The session is made and judged (held) once before the grant, so a kept session part would hide it.
  const first = post()
  const id = await g.heldId()
  assert.ok(id, 'the first write was held')
  await g.approve(id!)
  assert.is((await first).status, 200)
  const retry = await post()
  assert.is(retry.status, 200, 'the grant covers the same token\'s retry')
  assert.is(retry.headers.get('x-warden-approval'), null, 'not held again')
  const other = await g.te.token('claude', ['agents'])
  const pending = post(other)
  const again = await g.heldId()
  assert.ok(again && again !== id, 'another agent is another session and requester: held, the grant is not its')
  await g.te.approvals.reject(again!, g.te.identity('alice', ['dba'], 'human'))
  assert.is((await pending).status, 403)
})

test('a held request tells curl its approval id at once (103 Early Hints), before any reviewer acts', async () => {
  const out = run('curl', ['-sS', '-v', '-X', 'PUT', '-H', `Authorization: Bearer ${token}`, '-H', 'content-type: application/json', '--data', '{}', `${g.reverse.url}/t/web/early`])
  let id: string | undefined
  for (let i = 0; i < 300 && !id; i++) {
    id = (await g.te.approvals.list({ status: 'pending' })).find((a) => a.command.summary.includes('/early'))?.id
    if (!id) await new Promise((r) => setTimeout(r, 10))
  }
  assert.ok(id)
  await g.te.approvals.reject(id!, g.te.identity('alice', ['dba'], 'human'))
  const { stderr, stdout } = await out
  assert.match(stderr, new RegExp(`< HTTP/1.1 103 Early Hints\\r\\n(< .*\\r\\n)*< x-warden-approval: ${id}\\r\\n(< .*\\r\\n)*< HTTP/1.1 403`))
  assert.match(stdout, `held for approval ${id}; a reviewer rejected it`)
})

test('gcp: a reverse route to an emulator is judged as its api_host; without one the call is unknown and held', async () => {
  g.route = (_req, res) => json(res, { kind: 'storage#buckets', items: [{ name: 'b1' }] })
  const before = g.upstream.seen.length
  const res = await get('/t/gcs/storage/v1/b?project=p')
  assert.is(res.status, 200)
  assert.is((await res.json()).items[0].name, 'b1')
  assert.is(g.upstream.seen[before]!.headers.host, new URL(g.upstream.url).host, 'sent to the configured url')
  const event = lastRequest()
  assert.is(event.decision, 'allow')
  assert.is((event.cloud as { service: string }).service, 'storage')
  assert.match(String(event.url), 'https://storage.googleapis.com/storage/v1/b')
  const plain = await get('/t/gcs-plain/storage/v1/b?project=p')
  assert.is(plain.status, 403)
  assert.match(await plain.text(), 'gcp unknown')
})

test('a held request sends no 103 to a client that would take it as final (Python: aws CLI, gcloud)', async () => {
  const out = run('curl', ['-sS', '-v', '-A', 'aws-cli/1.45.11 md/Botocore#1.43.11 lang/python#3.11.7', '-X', 'PUT', '-H', `Authorization: Bearer ${token}`, '-H', 'content-type: application/json', '--data', '{}', `${g.reverse.url}/t/web/no-early`])
  let id: string | undefined
  for (let i = 0; i < 300 && !id; i++) {
    id = (await g.te.approvals.list({ status: 'pending' })).find((a) => a.command.summary.includes('/no-early'))?.id
    if (!id) await new Promise((r) => setTimeout(r, 10))
  }
  assert.ok(id)
  await g.te.approvals.reject(id!, g.te.identity('alice', ['dba'], 'human'))
  const { stderr, stdout } = await out
  assert.not.match(stderr, '< HTTP/1.1 103')
  assert.match(stderr, new RegExp(`< HTTP/1.1 403 .*\\r\\n(< .*\\r\\n)*< x-warden-approval: ${id}\\r\\n`))
  assert.match(stdout, `held for approval ${id}; a reviewer rejected it`)
})

test('a client that goes away ends its hold; nothing is forwarded', async () => {
  const before = g.upstream.seen.length
  const abort = new AbortController()
  const pending = get('/t/web/gone', { method: 'PATCH', body: '{}', headers: { 'content-type': 'application/json' }, signal: abort.signal }).catch((e: Error) => e)
  let id: string | undefined
  for (let i = 0; i < 300 && !id; i++) {
    id = (await g.te.approvals.list({ status: 'pending' })).find((a) => a.command.summary.includes('/gone'))?.id
    if (!id) await new Promise((r) => setTimeout(r, 10))
  }
  assert.ok(id)
  abort.abort()
  assert.instance(await pending, Error)
  for (let i = 0; i < 100 && lastRequest().error !== 'disconnect'; i++) await new Promise((r) => setTimeout(r, 10))
  assert.is(lastRequest().error, 'disconnect')
  assert.is(lastRequest().approval_id, id)
  assert.is(g.upstream.seen.length, before)
})

test('http: a held request nobody approves ends in a 403 naming the approval id', async () => {
  const res = await get('/t/web/orders', { method: 'DELETE' })
  assert.is(res.status, 403)
  const body = await res.json()
  const id = res.headers.get('x-warden-approval')
  assert.ok(id?.startsWith('apr_'))
  assert.is(body.error, 'http.held')
  assert.match(body.message, id!)
  assert.ok(body.decision_id.startsWith('dec_'))
  assert.ok(body.reasons.length > 0)
  // The expired request cannot be approved any more: the message sends the caller to a new one, not to this id.
  assert.match(body.message, 'can no longer be approved; send it again: it is held as a new request')
  assert.is((await g.te.approvals.get(id!))?.status, 'expired')
})

test('token failures: missing, expired, wrong audience ⇒ 401 with a JSON reason', async () => {
  const missing = await get('/t/k8s/api/v1/pods', { auth: null })
  assert.is(missing.status, 401)
  assert.is((await missing.json()).error, 'http.token_missing')
  const expired = await get('/t/k8s/api/v1/pods', { auth: await g.te.token('cursor', ['agents'], { ttlSeconds: 60, now: Math.floor(Date.now() / 1000) - 3600 }) })
  assert.is(expired.status, 401)
  assert.match((await expired.json()).message, 'token.expired')
  const audience = await get('/t/k8s/api/v1/pods', { auth: await g.te.token('cursor', ['agents'], { audience: 'someone-else' }) })
  assert.is(audience.status, 401)
  assert.match((await audience.json()).message, 'token.wrong_audience')
})

function upgradeExchange(path: string, auth: string, method = 'POST'): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(g.reverse.address.port, '127.0.0.1', () => {
      s.write(`${method} ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${auth}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n`)
    })
    let out = ''
    s.on('data', (d) => {
      out += d
      if (out.includes('\r\n\r\n') && out.startsWith('HTTP/1.1 101') && !out.includes('ping-through-exec')) s.write('ping-through-exec')
      if (out.includes('ping-through-exec') || (!out.startsWith('HTTP/1.1 101') && out.includes('\r\n\r\n') && out.endsWith('\n'))) s.end()
    })
    s.on('close', () => resolve(out))
    s.on('error', reject)
  })
}

test('kubernetes exec: the upgrade is judged (held, approved) before it is forwarded, then piped both ways', async () => {
  const before = g.upstream.seen.length
  const exchange = upgradeExchange('/t/k8s/api/v1/namespaces/prod/pods/web-1/exec?command=sh&command=-c&command=id&stdout=true', token)
  const id = await g.heldId()
  assert.ok(id, 'the exec was held')
  assert.is(g.upstream.seen.length, before, 'nothing reached the upstream while held')
  await g.approve(id!)
  const out = await exchange
  assert.match(out, /^HTTP\/1\.1 101/)
  assert.match(out, `x-warden-approval: ${id}`)
  assert.match(out, 'ping-through-exec')
  const seen = g.upstream.seen.at(-1)!
  assert.is(seen.url, '/api/v1/namespaces/prod/pods/web-1/exec?command=sh&command=-c&command=id&stdout=true')
  assert.is(seen.headers.upgrade, 'SPDY/3.1')
  assert.is(seen.headers.authorization, 'Bearer sa-token-123')
})

test('an upgrade whose decision carries mask obligations is not forwarded (the stream could not be masked)', async () => {
  const before = g.upstream.seen.length
  // A WebSocket to a plain HTTP target: agents in production get content masks there.
  const human = await g.te.token('root-on-call', ['breakglass'], { kind: 'human' })
  const allowedOut = await upgradeExchange('/t/web/socket', human, 'GET')
  assert.match(allowedOut, /^HTTP\/1\.1 101/, 'no masks for break-glass: the upgrade is piped')
  const out = await upgradeExchange('/t/web/socket', token, 'GET')
  assert.match(out, /^HTTP\/1\.1 502/)
  assert.match(out, 'cannot be masked')
  assert.is(g.upstream.seen.length, before + 1)
})

test('an upgrade the upstream refuses comes back as the upstream answered, then the connection closes', async () => {
  const human = await g.te.token('root-on-call', ['breakglass'], { kind: 'human' })
  const out = await upgradeExchange('/t/web/refuse-upgrade', human, 'GET')
  assert.match(out, /^HTTP\/1\.1 403 Forbidden\r\n/)
  assert.match(out, 'connection: close')
  assert.match(out, /\r\n\r\n\{"upstream":"no upgrade here"\}$/)
})

test('kubernetes exec: a refused upgrade gets a Status and the connection closes; nothing is forwarded', async () => {
  const before = g.upstream.seen.length
  const out = await upgradeExchange('/t/k8s/api/v1/namespaces/prod/pods/web-1/exec?command=sh', 'not-a-token')
  assert.match(out, /^HTTP\/1\.1 401/)
  assert.is(g.upstream.seen.length, before)
})

test('routes: unknown target 404, non-HTTP target 400, no /t/ prefix 404', async () => {
  assert.is((await get('/t/nope/x')).status, 404)
  assert.is((await (await get('/t/db/x')).json()).error, 'http.not_http_target')
  assert.is((await (await get('/api/v1/pods')).json()).error, 'http.no_route')
})

test('upstream problems: missing credential 503, no url 503, an unverified certificate 502', async () => {
  const creds = await get('/t/nocreds/x')
  assert.is(creds.status, 503)
  assert.match((await creds.json()).message, 'UNSET_TOKEN_VAR')
  const nourl = await get('/t/nourl/x')
  assert.is(nourl.status, 503)
  assert.match((await nourl.json()).message, 'upstream_http.url')
  const ca = await get('/t/wrongca/x')
  assert.is(ca.status, 502)
  assert.is((await ca.json()).error, 'http.upstream_failed')
})

async function raw(request: string): Promise<string> {
  const { port } = g.reverse.address
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(request))
    let out = ''
    s.on('data', (d) => (out += d))
    s.on('end', () => resolve(out))
    s.on('error', reject)
  })
}

test('ambiguous requests are refused with 400 and never forwarded', async () => {
  const before = g.upstream.seen.length
  const auth = `Authorization: Bearer ${token}\r\n`
  const cases: Array<[string, string]> = [
    [`GET /t/web/a%2Fb HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`, 'encoded slash'],
    [`GET /t/web/a/../admin HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`, 'dot segment'],
    [`GET /t/web/a/%2e%2e/admin HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`, 'dot segment'],
    [`GET /t/web/a//b HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`, 'empty segment'],
    [`GET /t/web/a?x=1&x=2 HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`, 'more than once'],
    [`GET /t/web/a HTTP/1.1\r\nHost: x\r\nX-HTTP-Method-Override: DELETE\r\n${auth}Connection: close\r\n\r\n`, 'x-http-method-override'],
    [`GET http://x/t/web/a HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`, 'absolute URL'],
  ]
  for (const [request, why] of cases) {
    const out = await raw(request)
    assert.match(out, /^HTTP\/1\.1 400/, `${why}: ${out}`)
    assert.match(out, why, why)
  }
  // Framing conflicts: node's parser or the gateway refuses them; either way a 400 and nothing forwarded.
  for (const request of [
    `POST /t/web/a HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 2\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc`,
    `POST /t/web/a HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 3\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`,
  ]) assert.match(await raw(request), /^HTTP\/1\.1 400/)
  assert.is(g.upstream.seen.length, before)
})

test('a gzip request body is judged decoded and forwarded in that decoded form', async () => {
  const human = await g.te.token('root-on-call', ['breakglass'], { kind: 'human' })
  g.route = (req, res) => json(res, { len: req.body.byteLength, encoding: req.headers['content-encoding'] ?? null })
  const body = gzipSync(JSON.stringify({ a: 1 }))
  const res = await get('/t/web/x', { method: 'POST', auth: human, body, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } })
  assert.is(res.status, 200)
  assert.equal(await res.json(), { len: 7, encoding: null })
  const bad = await get('/t/web/x', { method: 'POST', auth: human, body: 'not gzip', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } })
  assert.is(bad.status, 400)
  assert.is((await bad.json()).error, 'http.bad_encoding')
})

test('curl through the reverse route: allowed GET, and the 403 Status body on a denied delete', async () => {
  g.route = (_req, res) => json(res, { kind: 'NamespaceList', items: [] })
  const ok = await run('curl', ['-sS', '-H', `Authorization: Bearer ${token}`, `${g.reverse.url}/t/k8s/api/v1/namespaces`])
  assert.is(JSON.parse(ok.stdout).kind, 'NamespaceList')
  const denied = await run('curl', ['-sS', '-w', '\n%{http_code}', '-X', 'DELETE', '-H', `Authorization: Bearer ${token}`, `${g.reverse.url}/t/k8s/api/v1/namespaces/prod`])
  assert.match(denied.stdout, /"reason":"Forbidden"[\s\S]*\n403$/)
})

test.run()
