// What the reviewer of a held MCP message sees.
// - A message other than tools/call was summed up as "message": its reviewer saw its params but not its method, so
//   a resources/subscribe read like a resources/read of the same uri. The summary now names the method.
// - An MCP call's params were shown to its reviewer cut at 2,000 characters: the agent orders the arguments, so a
// long first one (a "reason", a file's content) pushed every argument after it out of sight, and the approval was
// given for a call whose target the reviewer never saw. The params are now shown whole up to the length of a
// review text (engine/approvals/review-text.ts reviewJson), past which the text says to deny.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { TargetConfig } from '../../engine/config/types.ts'
import { startTestMcpServer } from './mcp/testing/server.ts'
import { startTestGateway } from './testing/gateway.ts'

const docs = await startTestMcpServer()
const target: TargetConfig = {
  name: 'prod-mcp', kind: 'mcp', environment: 'production', labels: {}, mcp: { server: 'docs' },
  upstream_http: { url: new URL(docs.url).origin, credential: { kind: 'bearer', token_env: 'MCP_UPSTREAM_TOKEN' }, hosts: [] },
}
const g = await startTestGateway(() => [target], {
  holdSeconds: 20,
  env: { MCP_UPSTREAM_TOKEN: 'mcp-upstream-token' },
  settings: { mcp: { tools: { approve: ['docs/deploy'] }, resources: { approve: ['*/file:///etc/*'] } } },
})
const token = await g.agentToken()
const dba = g.te.identity('alice', ['dba'], 'human')
const PROTOCOL = '2025-11-25'
const endpoint = `${g.reverse.url}/t/prod-mcp/mcp`

async function post(session: string | undefined, message: unknown): Promise<Response> {
  return fetch(endpoint, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': PROTOCOL, ...(session ? { 'mcp-session-id': session } : {}) },
    body: JSON.stringify(message),
  })
}

async function pendingApproval(): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const pending = await g.te.approvals.list({ status: 'pending' })
    if (pending.length) return pending[0]!.id
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error('no request was held')
}

async function initialize(): Promise<string | undefined> {
  const init = await post(undefined, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })
  await init.text()
  const session = init.headers.get('mcp-session-id') ?? undefined
  await (await post(session, { jsonrpc: '2.0', method: 'notifications/initialized' })).text()
  return session
}

test('the reviewer of a held call sees an argument written after a long first one', async () => {
  const session = await initialize()
  const reason = 'Routine redeploy of the documentation site after the weekly content update. '.repeat(40)
  const held = post(session, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'deploy', arguments: { reason, service: 'payments-prod' } } }).then((r) => r.text())
  const id = await pendingApproval()
  const shown = (await g.te.approvals.get(id))!.command.review_text
  await g.te.approvals.reject(id, dba)
  await held
  assert.ok(shown.includes('"service":"payments-prod"'), shown.slice(-300))
  assert.not.match(shown, /first \d+ characters shown/)
  assert.not.ok(docs.calls.includes('deploy payments-prod'))
})

test('the reviewer of a held message other than a tool call sees its method', async () => {
  const session = await initialize()
  for (const method of ['resources/read', 'resources/subscribe']) {
    const held = post(session, { jsonrpc: '2.0', id: 2, method, params: { uri: 'file:///etc/app/secrets.env' } }).then((r) => r.text())
    const id = await pendingApproval()
    const request = (await g.te.approvals.get(id))!
    await g.te.approvals.reject(id, dba)
    await held
    assert.is(request.command.summary, `MCP docs: ${method}`)
    assert.ok(request.command.review_text.startsWith(`MCP docs: ${method}\nparams: `), request.command.review_text)
  }
})

test.after(async () => {
  await g.close()
  await docs.close()
})

test.run()
