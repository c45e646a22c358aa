// Attacks on MCP through the real gateway, fourth round (earlier: mcp-attack.test.ts, mcp-attack-3.test.ts,
// mcp.test.ts): what one caller can take from another through the server's own bookkeeping (event ids, request
// ids, server requests), and what a server reads otherwise than the gateway judged (a charset, a resource URI's
// spelling, a blob's encoding). A real SDK McpServer on 127.0.0.1 keeps one event store for all its sessions (as
// a server keeping its events in one database does), so an event id names a stream whatever session asks for it.
// A second, built on the SDK's low-level Server, takes its time to list its tools and run them (as a server asking
// another system does), so two requests of one id can be in flight together; serves text files in encodings
// other than UTF-8 as blobs; reads a POST in the charset its Content-Type names (as the SDK's SSE transport does)
// and files by their path as a case-insensitive file system does. One tool's result is masked by path (a decision
// override standing for a policy that does so). A hand-written hostile server asks the client things the SDK's
// server would not. Each test asserts the attack fails.
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { posix } from 'node:path'
import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { CallToolRequestSchema, isInitializeRequest, ListToolsRequestSchema, ReadResourceRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import getRawBody from 'raw-body'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { TargetConfig } from '../../engine/config/types.ts'
import { startHostileMcpServer } from './mcp/testing/hostile-server.ts'
import { startTestMcpServer } from './mcp/testing/server.ts'
import { startTestGateway } from './testing/gateway.ts'
import { readStream } from './testing/read-stream.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const EMAIL = 'jane.doe@example.com'
/** Text files as a server reads them from disk, in the encodings files have: none of them is UTF-8. */
const EXPORTS: Array<[string, Buffer]> = [
  ['file:///export/latin1.csv', Buffer.from(`name;email\nRen\u00e9;${EMAIL}\n`, 'latin1')],
  ['file:///export/utf16le.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`owner ${EMAIL}`, 'utf16le')])],
  ['file:///export/utf16be.txt', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(`owner ${EMAIL}`, 'utf16le').swap16()])],
]

/**
 * The slow server: stateful; tools/list answers after 200 ms, a tool call after 500 ms; drop_database is hidden.
 * Its tool export answers at once with EXPORTS as embedded resources. It reads a POST in the charset its
 * Content-Type names.
 */
async function startSlowServer(): Promise<{ url: string; calls: string[]; close(): Promise<void> }> {
  const calls: string[] = []
  const transports = new Map<string, StreamableHTTPServerTransport>()
  // The body read as the SDK's SSE transport reads it (and its streamable HTTP transport did), with raw-body
  // (installed with the SDK): in the charset the Content-Type names.
  async function readJson(req: IncomingMessage): Promise<unknown> {
    const charset = /;\s*charset="?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]
    const text = await getRawBody(req, { limit: '4mb', encoding: charset ?? 'utf-8' })
    return text === '' ? undefined : JSON.parse(text)
  }
  const http = createServer((req, res) => {
    void (async () => {
      const body = req.method === 'POST' ? await readJson(req) : undefined
      const id = req.headers['mcp-session-id']
      let transport = typeof id === 'string' ? transports.get(id) : undefined
      if (!transport && isInitializeRequest(body)) {
        const created = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (sid) => { transports.set(sid, created) } })
        const s = new Server({ name: 'slow', version: '1.0.0' }, { capabilities: { tools: {}, resources: {} } })
        // Files on a case-insensitive file system (macOS, Windows), by the URI's path as a file system reads it:
        // FILE:///ETC/... and file:////etc/... are /etc/....
        s.setRequestHandler(ReadResourceRequestSchema, async (r) => {
          calls.push(`read ${r.params.uri}`)
          const path = posix.normalize(new URL(r.params.uri).pathname).toLowerCase()
          return { contents: [{ uri: r.params.uri, text: path === '/etc/app/secrets.env' ? 'API_TOKEN=prod-secret' : 'notes' }] }
        })
        s.setRequestHandler(ListToolsRequestSchema, async () => {
          await sleep(200)
          return { tools: [
            { name: 'read_docs', description: 'Reads the docs', inputSchema: { type: 'object' as const } },
            { name: 'drop_database', description: 'HIDDEN: drops a database', inputSchema: { type: 'object' as const } },
          ] }
        })
        s.setRequestHandler(CallToolRequestSchema, async (r) => {
          calls.push(r.params.name)
          if (r.params.name === 'export') return { content: EXPORTS.map(([uri, bytes]) => ({ type: 'resource' as const, resource: { uri, blob: bytes.toString('base64') } })) }
          await sleep(500)
          return { content: [{ type: 'text' as const, text: `ran ${r.params.name}` }] }
        })
        await s.connect(created)
        transport = created
      }
      if (!transport) return void res.writeHead(400).end()
      await transport.handleRequest(req, res, body)
    })().catch((err: Error) => { if (!res.headersSent) res.writeHead(500).end(err.message) })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    calls,
    close: async () => { await Promise.all([...transports.values()].map((t) => t.close())); http.closeAllConnections(); await new Promise<void>((r) => http.close(() => r())) },
  }
}

const server = await startTestMcpServer({ resumable: 'shared' })
const slow = await startSlowServer()
const evil = await startHostileMcpServer()
const credential = { kind: 'bearer' as const, token_env: 'MCP_UPSTREAM_TOKEN' }
const targets: TargetConfig[] = [
  { name: 'prod-mcp', kind: 'mcp', environment: 'production', labels: {}, mcp: { server: 'docs' }, upstream_http: { url: new URL(server.url).origin, credential, hosts: [] } },
  { name: 'slow-mcp', kind: 'mcp', environment: 'production', labels: {}, mcp: { server: 'slow' }, upstream_http: { url: new URL(slow.url).origin, credential, hosts: [] } },
  { name: 'evil-mcp', kind: 'mcp', environment: 'production', labels: {}, mcp: { server: 'evil' }, upstream_http: { url: new URL(evil.url).origin, credential, hosts: [] } },
]
const g = await startTestGateway(() => targets, {
  holdSeconds: 20,
  env: { MCP_UPSTREAM_TOKEN: 'mcp-upstream-token' },
  settings: { mcp: {
    tools: { allow: ['docs/read_docs', 'docs/lookup_user', 'slow/read_docs', 'slow/export', 'evil/*'], approve: ['docs/deploy'], deny: ['docs/drop_*', 'slow/drop_*'] },
    resources: { deny: ['*/file:///etc/*'] },
  } },
  // A policy that masks one tool's result by path: forecast's summary, beside the content detectors.
  override: (input) => (input.command.mcp?.tool === 'forecast'
    ? { effect: 'allow', reasons: [], obligations: { mask: [{ path: 'result.structuredContent.summary', rule: 'test.forecast' }, { detector: 'all', rule: 'test.content' }] } }
    : undefined),
})
const token = await g.agentToken()
const mallory = await g.te.token('mallory', ['agents'])
const PROTOCOL = '2025-11-25'
const endpointOf = (t: string) => `${g.reverse.url}/t/${t}/mcp`
const endpoint = endpointOf('prod-mcp')

type Answer = { status: number; messages: Array<Record<string, any>>; ids: string[]; text: string }

function parseAnswer(type: string, text: string): Pick<Answer, 'messages' | 'ids'> {
  if (text === '') return { messages: [], ids: [] }
  if (type.startsWith('application/json')) return { messages: [JSON.parse(text)], ids: [] }
  const messages: Array<Record<string, any>> = []
  const ids: string[] = []
  for (const event of text.split(/\n\n/)) {
    const lines = event.split('\n')
    const id = lines.find((l) => l.startsWith('id:'))?.slice(3).trim()
    if (id) ids.push(id)
    const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n')
    if (data) messages.push(JSON.parse(data))
  }
  return { messages, ids }
}

const headers = (bearer: string, session: string | undefined, extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${bearer}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream',
  'mcp-protocol-version': PROTOCOL, ...(session ? { 'mcp-session-id': session } : {}), ...extra,
})

async function post(bearer: string, session: string | undefined, message: unknown, t = 'prod-mcp'): Promise<Answer> {
  const res = await fetch(endpointOf(t), { method: 'POST', headers: headers(bearer, session), body: JSON.stringify(message) })
  const text = await res.text()
  return { status: res.status, ...parseAnswer(res.headers.get('content-type') ?? '', text), text }
}

async function initialize(bearer: string, t = 'prod-mcp'): Promise<string> {
  const res = await fetch(endpointOf(t), {
    method: 'POST',
    headers: headers(bearer, undefined),
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
  })
  await res.text()
  assert.is(res.status, 200)
  const session = res.headers.get('mcp-session-id')!
  await post(bearer, session, { jsonrpc: '2.0', method: 'notifications/initialized' }, t)
  return session
}

/** A GET stream read until `until` holds of the text, or 2 seconds. */
const getStream = (bearer: string, session: string | undefined, extra: Record<string, string>, until: (text: string) => boolean) =>
  readStream(endpoint, headers(bearer, session, extra), until, 2000)

const rpc = (id: unknown, method: string, params?: unknown) => ({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) })

test('a Last-Event-ID one caller received never replays that caller\'s stream to another, in their own session or in none', async () => {
  const mine = await initialize(token)
  const call = await post(token, mine, rpc(1, 'tools/call', { name: 'read_docs', arguments: { topic: 'cursor-private-plans' } }))
  assert.ok(call.messages.find((m) => m.id === 1)?.result, call.text)
  assert.ok(call.ids.length > 0, `the server did not prime the stream: ${call.text}`)
  const theirs = await initialize(mallory)
  const before = server.requests.length
  for (const session of [theirs, undefined]) {
    const stolen = await getStream(mallory, session, { 'last-event-id': call.ids[0]! }, (t) => t.includes('cursor-private-plans'))
    assert.is(stolen.status, 404, stolen.text)
    assert.not.ok(stolen.text.includes('cursor-private-plans'), stolen.text)
  }
  assert.is(server.requests.length, before)
  // The caller who received the id resumes with it.
  const resumed = await getStream(token, mine, { 'last-event-id': call.ids[0]! }, (t) => t.includes('cursor-private-plans'))
  assert.ok(resumed.text.includes('cursor-private-plans'), `${resumed.status} ${resumed.text}`)
})

test('a stream resumed from an event of a tool\'s answer replays that answer masked by the tool call\'s obligations, not only the GET\'s', async () => {
  const mine = await initialize(token)
  const call = await post(token, mine, rpc(40, 'tools/call', { name: 'forecast', arguments: { city: 'Oslo' } }))
  const result = call.messages.find((m) => m.id === 40)?.result
  assert.ok(result, call.text)
  assert.not.ok(JSON.stringify(result).includes('sunny'), call.text)
  const resumed = await getStream(token, mine, { 'last-event-id': call.ids[0]! }, (t) => t.includes('structuredContent'))
  assert.ok(resumed.text.includes('structuredContent'), `nothing was replayed: ${resumed.status} ${resumed.text}`)
  assert.not.ok(resumed.text.includes('sunny'), resumed.text)
  assert.not.ok(resumed.text.includes(EMAIL), resumed.text)
})

test('two requests of one id in flight in a session: the second is refused, so no answer reaches the client unfiltered on the other\'s POST', async () => {
  const s = await initialize(token, 'slow-mcp')
  const list = post(token, s, rpc(9, 'tools/list'), 'slow-mcp')
  await sleep(50)
  const call = await post(token, s, rpc(9, 'tools/call', { name: 'read_docs', arguments: {} }), 'slow-mcp')
  assert.is(call.status, 409, call.text)
  assert.match(call.text, /already in flight/)
  const listed = await list
  assert.equal(listed.messages.find((m) => m.id === 9)?.result?.tools?.map((t: { name: string }) => t.name), ['read_docs'], listed.text)
  for (const text of [call.text, listed.text]) assert.not.ok(text.includes('HIDDEN'), text)
  assert.equal(slow.calls, [])
  // Its answer over, the id is free: a client that numbers every request alike keeps working, one after the other.
  const again = await post(token, s, rpc(9, 'tools/call', { name: 'read_docs', arguments: {} }), 'slow-mcp')
  assert.is(again.messages.find((m) => m.id === 9)?.result?.content?.[0]?.text, 'ran read_docs', again.text)
  // Another session, or another id, is never held up by it.
  const other = await initialize(token, 'slow-mcp')
  const [a, b] = await Promise.all([
    post(token, s, rpc(10, 'tools/call', { name: 'read_docs', arguments: {} }), 'slow-mcp'),
    post(token, other, rpc(10, 'tools/call', { name: 'read_docs', arguments: {} }), 'slow-mcp'),
  ])
  for (const r of [a, b]) assert.ok(r.messages.find((m) => m.id === 10)?.result, r.text)
})

test('a request given up by its client (the POST closed) keeps its id while the server may still run it: the next POST of that id gets nothing of its answer', async () => {
  const s = await initialize(token, 'slow-mcp')
  const controller = new AbortController()
  const list = fetch(endpointOf('slow-mcp'), { method: 'POST', headers: headers(token, s), body: JSON.stringify(rpc(12, 'tools/list')), signal: controller.signal })
  await sleep(50)
  controller.abort()
  await list.catch(() => undefined)
  await sleep(50)
  const call = await post(token, s, rpc(12, 'tools/call', { name: 'read_docs', arguments: {} }), 'slow-mcp')
  assert.is(call.status, 409, call.text)
  assert.not.ok(call.text.includes('HIDDEN'), call.text)
})

test('a denied resource spelled in other letter case is refused before a server on a case-insensitive file system reads it', async () => {
  const s = await initialize(token, 'slow-mcp')
  for (const [i, uri] of ['file:///ETC/app/secrets.env', 'file:///Etc/App/Secrets.env', 'file:///etc/APP/secrets.env'].entries()) {
    const r = await post(token, s, rpc(80 + i, 'resources/read', { uri }), 'slow-mcp')
    assert.ok(r.messages[0]?.error, r.text)
    assert.not.ok(r.text.includes('prod-secret'), r.text)
  }
  assert.not.ok(slow.calls.some((c) => /^read .*etc/i.test(c)), slow.calls.join(', '))
  // Another file is read.
  const notes = await post(token, s, rpc(85, 'resources/read', { uri: 'file:///home/notes.txt' }), 'slow-mcp')
  assert.ok(notes.messages.find((m) => m.id === 85)?.result, notes.text)
})

test('a denied resource spelled with an empty path segment or a host, which the URL parser keeps, is refused before the server reads it', async () => {
  const s = await initialize(token, 'slow-mcp')
  for (const [i, uri] of ['file:////etc/app/secrets.env', 'file:///etc//app/secrets.env', 'file://127.0.0.1/etc/app/secrets.env', 'file://localhost//etc/app/secrets.env'].entries()) {
    const r = await post(token, s, rpc(90 + i, 'resources/read', { uri }), 'slow-mcp')
    assert.ok(r.messages[0]?.error, `${uri}: ${r.text}`)
    assert.not.ok(r.text.includes('prod-secret'), r.text)
  }
  assert.not.ok(slow.calls.some((c) => /^read .*etc/i.test(c)), slow.calls.join(', '))
})

test('a refused or denied request frees its id too', async () => {
  const s = await initialize(token, 'slow-mcp')
  const denied = await post(token, s, rpc(11, 'tools/call', { name: 'drop_database', arguments: {} }), 'slow-mcp')
  assert.ok(denied.messages[0]?.error, denied.text)
  const after = await post(token, s, rpc(11, 'tools/call', { name: 'read_docs', arguments: {} }), 'slow-mcp')
  assert.ok(after.messages.find((m) => m.id === 11)?.result, after.text)
})

test('a text file in a blob is masked whatever its encoding (Latin-1, UTF-16 with its mark); the bytes around the mask are kept', async () => {
  const s = await initialize(token, 'slow-mcp')
  const r = await post(token, s, rpc(20, 'tools/call', { name: 'export', arguments: {} }), 'slow-mcp')
  const content = r.messages.find((m) => m.id === 20)?.result?.content as Array<{ resource: { uri: string; blob: string } }> | undefined
  assert.ok(content?.length === EXPORTS.length, r.text)
  for (const [i, [uri, bytes]] of EXPORTS.entries()) {
    const got = Buffer.from(content![i]!.resource.blob, 'base64')
    const read = (b: Buffer) => (uri.includes('latin1') ? b.toString('latin1') : uri.includes('le.') ? b.subarray(2).toString('utf16le') : Buffer.from(b.subarray(2)).swap16().toString('utf16le'))
    assert.not.ok(read(got).includes(EMAIL), `${uri}: ${read(got)}`)
    assert.ok(read(got).startsWith(read(bytes).slice(0, 6)), `${uri}: ${read(got)}`)
    if (!uri.includes('latin1')) assert.equal([...got.subarray(0, 2)], [...bytes.subarray(0, 2)], uri)
  }
})

test('a charset in the Content-Type (UTF-7) never makes the server read another message than the one judged', async () => {
  const s = await initialize(token, 'slow-mcp')
  // Read as UTF-8: read_docs with one odd argument. Read as UTF-7 (+ACI- is a quote): read_docs, then drop_database.
  const body = '{"jsonrpc":"2.0","id":30,"method":"tools/call","params":{"name":"read_docs","arguments":{"x":"+ACI-},+ACI-name+ACI-:+ACI-drop_database+ACI-,+ACI-arguments+ACI-:{+ACI-y+ACI-:+ACI-"}}}'
  for (const charset of ['utf-7', 'UTF-7', '"utf-7"']) {
    const res = await fetch(endpointOf('slow-mcp'), { method: 'POST', headers: { ...headers(token, s), 'content-type': `application/json; charset=${charset}` }, body })
    await res.text()
  }
  assert.not.ok(slow.calls.includes('drop_database'), slow.calls.join(', '))
})

test('a client answers only the server requests it was sent, once: never a denied elicitation, another caller\'s request, or one never made', async () => {
  const s = await initialize(token, 'evil-mcp')
  evil.script = (req) => (req.method === 'tools/call' ? [
    rpc('elicit-1', 'elicitation/create', { message: 'Drop the production database?', requestedSchema: { type: 'object', properties: {} } }),
    rpc('roots-1', 'roots/list'),
  ] : [])
  const r = await post(token, s, rpc(50, 'tools/call', { name: 'anything', arguments: {} }), 'evil-mcp')
  evil.script = () => []
  assert.equal(r.messages.filter((m) => 'method' in m).map((m) => m.id), ['roots-1'], r.text)
  const postedTo = (id: string) => evil.posted.filter((m) => m.id === id)
  for (let i = 0; i < 100 && postedTo('elicit-1').length === 0; i++) await sleep(10)
  assert.ok(postedTo('elicit-1')[0]?.error, 'the gateway answered the denied elicitation')
  const answer = async (bearer: string, session: string, message: unknown) => {
    const res = await fetch(endpointOf('evil-mcp'), { method: 'POST', headers: headers(bearer, session), body: JSON.stringify(message) })
    await res.text()
    return res.status
  }
  const accept = { jsonrpc: '2.0', id: 'elicit-1', result: { action: 'accept', content: {} } }
  assert.is(await answer(token, s, accept), 400)
  assert.is(await answer(token, s, { jsonrpc: '2.0', id: 'never-asked', result: {} }), 400)
  const theirs = await initialize(mallory, 'evil-mcp')
  assert.is(await answer(mallory, theirs, { jsonrpc: '2.0', id: 'roots-1', result: { roots: [{ uri: 'file:///mallory' }] } }), 400)
  assert.is(await answer(token, s, { jsonrpc: '2.0', id: 'roots-1', result: { roots: [] } }), 202)
  assert.is(await answer(token, s, { jsonrpc: '2.0', id: 'roots-1', result: { roots: [{ uri: 'file:///again' }] } }), 400)
  assert.equal(postedTo('elicit-1').map((m) => Object.keys(m).includes('error')), [true])
  assert.equal(postedTo('roots-1'), [{ jsonrpc: '2.0', id: 'roots-1', result: { roots: [] } }])
  assert.equal(postedTo('never-asked'), [])
})

test('what held: batches (empty, nested, mixed), duplicate or escaped keys, a BOM, params as an array and tool-name variants never run a denied tool', async () => {
  const s = await initialize(token)
  const drop = (id: unknown, name = 'drop_database') => rpc(id, 'tools/call', { name, arguments: { name: 'held' } })
  const bodies = [
    '[]', '[[]]', JSON.stringify([[drop(60)]]), JSON.stringify([rpc(61, 'ping'), drop(62)]), JSON.stringify([{ jsonrpc: '2.0', method: 'notifications/initialized' }, drop(63)]),
    '{"jsonrpc":"2.0","id":64,"id":65,"method":"tools/call","params":{"name":"drop_database","arguments":{"name":"held"}}}',
    '{"jsonrpc":"2.0","id":66,"method":"tools/call","params":{"name":"read_docs","arguments":{"topic":"a"},"arguments":{"name":"held"}}}',
    '{"jsonrpc":"2.0","id":67,"\u006dethod":"tools/call","params":{"n\u0061me":"drop_database","arguments":{"name":"held"}}}',
    `\ufeff${JSON.stringify(drop(68))}`,
    JSON.stringify({ jsonrpc: '2.0', id: 69, method: 'tools/call', params: ['drop_database', { name: 'held' }] }),
  ]
  for (const body of bodies) {
    const res = await fetch(endpoint, { method: 'POST', headers: headers(token, s), body })
    await res.text()
  }
  // A name the deny glob matches is denied; one no list names is held, and rejected here. None runs.
  for (const [i, name] of ['DROP_DATABASE', 'drop_database ', 'drop\u2010database', 'drop_databas\u0435', 'docs/drop_database', 'drop_database\u200b'].entries()) {
    let settled = false
    const answer = post(token, s, drop(70 + i, name)).finally(() => { settled = true })
    while (!settled) {
      const pending = await g.te.approvals.list({ status: 'pending' })
      if (pending[0]) await g.te.approvals.reject(pending[0].id, g.te.identity('alice', ['dba'], 'human'))
      await sleep(10)
    }
    assert.ok((await answer).messages[0]?.error, name)
  }
  assert.not.ok(server.calls.some((c) => c.startsWith('drop_database')), server.calls.join(', '))
})

test('an answer within a session that names another session id binds nothing: a session the gateway ended, or never issued, is not taken back by a server\'s header', async () => {
  const s = await initialize(token, 'evil-mcp')
  // What a late answer of an ended session carries is that session's id; a hostile server may send any.
  evil.headers = { 'mcp-session-id': 'planted-session-1' }
  try {
    const r = await post(token, s, rpc(60, 'tools/call', { name: 'anything', arguments: {} }), 'evil-mcp')
    assert.is(r.status, 502, r.text)
    assert.match(r.text, /session id other than the request's/)
  } finally {
    evil.headers = {}
  }
  const before = evil.calls.length
  const planted = await post(token, 'planted-session-1', rpc(61, 'tools/call', { name: 'anything', arguments: {} }), 'evil-mcp')
  assert.is(planted.status, 404, planted.text)
  assert.is(evil.calls.length, before, 'nothing reached the server in the planted session')
  // The session it was asked in goes on.
  const next = await post(token, s, rpc(62, 'tools/call', { name: 'anything', arguments: {} }), 'evil-mcp')
  assert.ok(next.messages.find((m) => m.id === 62)?.result, next.text)
})

test.after(async () => {
  await g.close()
  await Promise.all([server.close(), slow.close(), evil.close()])
})

test.run()
