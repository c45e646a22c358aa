// Attacks on MCP through the real gateway, fourth round (earlier: mcp-attack.test.ts, mcp-attack-3.test.ts,
// mcp.test.ts): what one caller can take from another through the server's own bookkeeping. A real SDK
// McpServer on 127.0.0.1 keeps one event store for all its sessions (as a server keeping its events in one
// database does), so an event id names a stream whatever session asks for it. Each test asserts the attack fails.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { TargetConfig } from '../../engine/config/types.ts'
import { startTestMcpServer } from './mcp/testing/server.ts'
import { startTestGateway } from './testing/gateway.ts'

const server = await startTestMcpServer({ resumable: 'shared' })
const targets: TargetConfig[] = [{
  name: 'prod-mcp', kind: 'mcp', environment: 'production', labels: {}, mcp: { server: 'docs' },
  upstream_http: { url: new URL(server.url).origin, credential: { kind: 'bearer', token_env: 'MCP_UPSTREAM_TOKEN' }, hosts: [] },
}]
const g = await startTestGateway(() => targets, {
  holdSeconds: 20,
  env: { MCP_UPSTREAM_TOKEN: 'mcp-upstream-token' },
  settings: { mcp: { tools: { allow: ['docs/read_docs', 'docs/lookup_user'], approve: ['docs/deploy'], deny: ['docs/drop_*'] } } },
})
const token = await g.agentToken()
const mallory = await g.te.token('mallory', ['agents'])
const PROTOCOL = '2025-11-25'
const endpoint = `${g.reverse.url}/t/prod-mcp/mcp`

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

async function post(bearer: string, session: string | undefined, message: unknown): Promise<Answer> {
  const res = await fetch(endpoint, { method: 'POST', headers: headers(bearer, session), body: JSON.stringify(message) })
  const text = await res.text()
  return { status: res.status, ...parseAnswer(res.headers.get('content-type') ?? '', text), text }
}

async function initialize(bearer: string): Promise<string> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: headers(bearer, undefined),
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
  })
  await res.text()
  assert.is(res.status, 200)
  const session = res.headers.get('mcp-session-id')!
  await post(bearer, session, { jsonrpc: '2.0', method: 'notifications/initialized' })
  return session
}

/** A GET stream read until `until` holds of the text, or 2 seconds. */
async function getStream(bearer: string, session: string | undefined, extra: Record<string, string>, until: (text: string) => boolean): Promise<{ status: number; text: string }> {
  const controller = new AbortController()
  const res = await fetch(endpoint, { method: 'GET', headers: headers(bearer, session, extra), signal: controller.signal })
  let text = ''
  const timer = setTimeout(() => controller.abort(), 2000)
  try {
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    while (!until(text)) {
      const { value, done } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
  } catch {
    // aborted: the text so far
  } finally {
    clearTimeout(timer)
    controller.abort()
  }
  return { status: res.status, text }
}

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

test.after(async () => {
  await g.close()
  await server.close()
})

test.run()
