import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { JSONRPC_DENIED, JSONRPC_HELD, JSONRPC_INVALID_REQUEST, jsonRpcDenial, jsonRpcHeldTimeout, jsonRpcRefusal, prefersEventStream } from './jsonrpc-reply.ts'
import { createSseParser } from './sse.ts'

const decision = { reasons: [{ rule: 'warden.rules.mcp.tool', message: 'MCP tool s/drop_database is listed in settings.mcp.tools.deny' }] }
const json = (body: Uint8Array) => JSON.parse(Buffer.from(body).toString('utf8')) as Record<string, any>

test('a denied request is a JSON-RPC error with its id, code -32001, the reasons and the decision id, over HTTP 200', () => {
  const reply = jsonRpcDenial({ id: 5, decision, decisionId: 'dec_1', accept: 'application/json, text/event-stream' })
  assert.is(reply.status, 200)
  assert.is(reply.headers['content-type'], 'application/json')
  assert.is(reply.headers['x-warden-decision-id'], 'dec_1')
  assert.equal(json(reply.body), {
    jsonrpc: '2.0', id: 5,
    error: { code: JSONRPC_DENIED, message: 'warden: denied: MCP tool s/drop_database is listed in settings.mcp.tools.deny', data: { decision_id: 'dec_1', reasons: decision.reasons } },
  })
  assert.is(reply.headers['content-length'], String(reply.body.byteLength))
})

test('a client that accepts only an event stream gets one message event', () => {
  const reply = jsonRpcDenial({ id: 'a', decision, decisionId: 'dec_2', accept: 'text/event-stream' })
  assert.is(reply.headers['content-type'], 'text/event-stream')
  const events = createSseParser().push(Buffer.from(reply.body).toString('utf8'))
  assert.is(events.length, 1)
  assert.is(events[0]!.event, 'message')
  assert.is(JSON.parse(events[0]!.data).error.code, JSONRPC_DENIED)
})

test('a denied notification (no id) is refused with HTTP 403 and an error whose id is null; a malformed one with 400 and -32600', () => {
  const reply = jsonRpcDenial({ id: undefined, decision, decisionId: 'd', accept: 'text/event-stream' })
  assert.is(reply.status, 403)
  assert.is(reply.headers['content-type'], 'application/json')
  assert.is(json(reply.body).id, null)
  const bad = jsonRpcDenial({ id: undefined, decision, decisionId: 'd', parseError: 'JSON-RPC batches are not accepted' })
  assert.is(bad.status, 400)
  assert.is(json(bad.body).error.code, JSONRPC_INVALID_REQUEST)
  assert.match(json(bad.body).error.message, /batches are not accepted/)
})

test('a hold that ends unapproved is code -32002 naming the approval, with the approval id in data', () => {
  const reply = jsonRpcHeldTimeout({ id: 9, decision, decisionId: 'd', approvalId: 'apr_1', why: 'expired', holdSeconds: 30 })
  assert.is(reply.status, 200)
  assert.is(reply.headers['x-warden-approval'], 'apr_1')
  const body = json(reply.body)
  assert.is(body.error.code, JSONRPC_HELD)
  assert.match(body.error.message, /^warden: held for approval apr_1; no reviewer approved it within 30s/)
  assert.equal(body.error.data, { decision_id: 'd', approval_id: 'apr_1', reasons: decision.reasons, held: 'expired' })
  assert.match(json(jsonRpcHeldTimeout({ id: 9, decision, decisionId: 'd', approvalId: 'apr_1', why: 'rejected', holdSeconds: 30 }).body).error.message, /rejected/)
})

test('a refusal names why: a hold that ended is -32002; an approval store that could not hold it is a denial saying so', () => {
  const judgement = { input: {} as never, decision: { effect: 'approve' as const, reasons: decision.reasons, obligations: { mask: [] } } }
  const expired = json(jsonRpcRefusal({ id: 3, decision, decisionId: 'd' }, { allow: false, judgement, why: 'expired', approvalId: 'apr_2' }, 30).body)
  assert.equal([expired.error.code, expired.error.data.approval_id], [JSONRPC_HELD, 'apr_2'])
  const full = json(jsonRpcRefusal({ id: 3, decision, decisionId: 'd' }, { allow: false, judgement, why: 'unavailable', message: '1000 approval requests are already pending' }, 30).body)
  assert.is(full.error.code, JSONRPC_DENIED)
  assert.match(full.error.message, 'could not hold for approval: 1000 approval requests are already pending')
  const denied = json(jsonRpcRefusal({ id: 3, decision, decisionId: 'd' }, { allow: false, judgement, why: 'denied' }, 30).body)
  assert.equal(denied.error.data.reasons, decision.reasons)
})

test('event-stream preference: only when JSON is not accepted', () => {
  assert.ok(prefersEventStream('text/event-stream'))
  assert.not.ok(prefersEventStream('application/json, text/event-stream'))
  assert.not.ok(prefersEventStream('text/event-stream, */*;q=0.1'))
  assert.not.ok(prefersEventStream(undefined))
})

test.run()
