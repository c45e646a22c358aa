import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { SessionState } from '../../../engine/gateway.ts'
import { createMemoryToolRegistry } from './fingerprint.ts'
import type { RawHttpRequest } from '../../../engine/normalize/index.ts'
import { clientJudgeRequest, forwardedBody, hypotheticalCallRequest, mcpSummary, messageIds, serverJudgeRequest } from './request.ts'

const target = { name: 'prod-mcp', kind: 'mcp' as const, environment: 'production', labels: {}, mcp: { server: 'docs' } }
const session: SessionState = { id: 's1', started_at: '2026-01-01T00:00:00Z', identity: { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' }, target }
const post = (body: string) => ({ method: 'POST', url: 'https://mcp.example.com/mcp', headers: { 'content-type': 'application/json' }, body })
const call = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'deploy', arguments: {} } })

test('a tools/call carries the registry state of its tool, keyed by the configured server id', async () => {
  const registry = createMemoryToolRegistry()
  await registry.observe('docs', [{ name: 'deploy', description: 'a' }])
  await registry.observe('docs', [{ name: 'deploy', description: 'b' }])
  const jr = await clientJudgeRequest(session, post(call), registry)
  assert.is(jr.kind, 'http')
  assert.is(jr.mcp?.direction, 'client')
  assert.is(jr.mcp?.tools?.deploy?.status, 'changed')
  // A BOM does not hide the tool from the lookup: the lookup reads the body as the normalizer does.
  const bom = await clientJudgeRequest(session, post(`\uFEFF${call}`), registry)
  assert.is(bom.mcp?.tools?.deploy?.status, 'changed')
  const other = await clientJudgeRequest(session, post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' })), registry)
  assert.is(other.mcp?.tools, undefined)
})

test('the forwarded body is the judged message, serialized again; one with a key twice is no message (never forwarded)', () => {
  const call = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_docs","arguments":{}}}'
  assert.equal(JSON.parse(forwardedBody(post(` ${call}\n`))!.toString('utf8')), JSON.parse(call))
  const dup = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"drop_database","name":"read_docs","arguments":{}}}'
  assert.is(forwardedBody(post(dup)), undefined)
  assert.is(forwardedBody(post('{not json')), undefined)
})

test('server requests and hypothetical calls are judged as such; summaries name no arguments', () => {
  const s = serverJudgeRequest(session, 'https://mcp.example.com/mcp', { jsonrpc: '2.0', id: 1, method: 'sampling/createMessage' })
  assert.is(s.mcp?.direction, 'server')
  const h = hypotheticalCallRequest(session, 'https://mcp.example.com/mcp', 'deploy', { status: 'recorded', fingerprint: 'f' })
  assert.equal(JSON.parse(String(h.request.body)).params, { name: 'deploy', arguments: {} })
  assert.equal(h.mcp?.tools, { deploy: { status: 'recorded', fingerprint: 'f' } })
  assert.is(mcpSummary(target, post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'deploy', arguments: { password: 'x' } } }))), 'MCP docs: tools/call deploy')
  assert.is(mcpSummary(target, { method: 'GET', url: 'x' }), 'MCP docs: open stream')
})

test('message ids: a request\'s id, the request a cancellation names, the server request a response answers', () => {
  const raw = (message: unknown): RawHttpRequest => ({ method: 'POST', url: 'https://mcp.example.test/mcp', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) })
  assert.equal(messageIds(raw({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'x' } })), { id: 7 })
  assert.equal(messageIds(raw({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'a' } })), { cancels: 'a' })
  assert.equal(messageIds(raw({ jsonrpc: '2.0', id: 7, result: {} })), { answers: 7 })
  assert.equal(messageIds(raw({ jsonrpc: '2.0', id: null, error: { code: 1, message: 'x' } })), { answers: null })
  assert.equal(messageIds(raw({ jsonrpc: '2.0', method: 'notifications/progress', params: { requestId: 'a' } })), {})
})

test.run()
