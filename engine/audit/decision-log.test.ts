import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { StoredRecord } from './chain/verify.ts'
import { decisionLog, toDecisionLog } from './decision-log.ts'

const hash = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'
const rec = (event: Record<string, unknown>, seq = 7): StoredRecord => ({ seq, time: 'chain-time', prev_hash: 'p', hash: `${seq}`.padStart(4, '0') + hash.slice(4), event: JSON.stringify(event) })
const labels = { id: 'gw-1', version: '0.1.0' }

test('a statement maps to an OPA decision log entry: its decision_id, labels, bundle revision and what was masked or erased', () => {
  const e = toDecisionLog(rec({ type: 'statement', time: '2026-11-29T10:00:00.000Z', session_id: 's', protocol: 'postgres', identity: { sub: 'cursor' }, target: 'prod-db', statement: 'SELECT $1', fingerprint: 'fp', decision_id: 'd-1', decision: 'allow', reasons: [], via: 'extended', effect: 'allow', rows: 1, masked: 0, duration_ms: 1, labels, bundle_revision: 'sha256:abc' }), { store: 'sqlite' })!
  assert.is(e.decision_id, 'd-1')
  assert.is(e.path, 'warden/decision')
  assert.equal(e.input, { identity: { sub: 'cursor' }, session: { id: 's' }, target: { name: 'prod-db' }, command: { protocol: 'postgres', raw: 'SELECT $1', fingerprint: 'fp' } })
  assert.equal(e.result, { effect: 'allow', reasons: [] })
  assert.is(e.timestamp, '2026-11-29T10:00:00.000Z')
  assert.equal(e.labels, { app: 'warden', id: 'gw-1', version: '0.1.0', store: 'sqlite', via: 'extended' })
  assert.equal(e.bundles, { warden: { revision: 'sha256:abc' } })
  assert.equal(e.masked, ['/input/command/raw'])
  assert.equal(e.erased, ['/input/command/sql', '/input/risk', '/input/session/grants'])
  assert.equal(e.warden, { seq: 7, hash: rec({}).hash, prev_hash: 'p', session_id: 's', type: 'statement', response: { effect: 'allow', rows: 1, masked: 0, duration_ms: 1 } })
})

test('a record without a decision_id gets a UUID-shaped one from its hash; events without a decision are not entries', () => {
  assert.is(toDecisionLog(rec({ type: 'statement', decision: 'deny' }))!.decision_id, '00074567-89ab-cdef-0123-456789abcdef')
  for (const type of ['connection', 'approval', 'disconnect', 'auth_failure']) assert.is(toDecisionLog(rec({ type, decision_id: 'x' })), undefined, type)
})

test('an HTTP request is an entry too: method, the API view (kubernetes, cloud), and its response', () => {
  const e = toDecisionLog(rec({
    type: 'request', time: 't', session_id: 's', identity: { sub: 'cursor' }, protocol: 'kubernetes', via: 'reverse', target: 'prod-k8s', method: 'DELETE',
    url: 'https://k8s.example/api/v1/namespaces/payments/pods/p', fingerprint: 'fp', kubernetes: { verb: 'delete', resource: 'pods', namespace: 'payments' },
    decision: 'deny', reasons: [{ rule: 'k8s.delete', message: 'no deletes in production' }], decision_id: 'dec_1', status: 403, bytes_in: 0, bytes_out: 120, masked: 0, duration_ms: 2,
  }))!
  assert.is(e.decision_id, 'dec_1')
  assert.equal(e.input.command, { protocol: 'kubernetes', raw: 'https://k8s.example/api/v1/namespaces/payments/pods/p', fingerprint: 'fp', http: { method: 'DELETE' }, kubernetes: { verb: 'delete', resource: 'pods', namespace: 'payments' } })
  assert.equal(e.result, { effect: 'deny', reasons: [{ rule: 'k8s.delete', message: 'no deletes in production' }] })
  assert.equal(e.labels, { app: 'warden', via: 'reverse' })
  assert.equal(e.erased, ['/input/command/http/headers', '/input/command/http/body', '/input/risk', '/input/session/grants'])
  assert.equal(e.warden.response, { status: 403, bytes_in: 0, bytes_out: 120, masked: 0, duration_ms: 2 })
})

test('an MCP server request the policy denied is an entry under its own decision id', () => {
  const e = toDecisionLog(rec({ type: 'mcp', event: 'server_request_denied', time: 't', session_id: 's', target: 'prod-mcp', server: 'docs', method: 'sampling/createMessage', decision_id: 'dec_req', server_request_decision_id: 'dec_srv', bundle_revision: 'r' }))!
  assert.is(e.decision_id, 'dec_srv')
  assert.equal(e.input.command, { protocol: 'mcp', mcp: { server: 'docs', direction: 'server', method: 'sampling/createMessage' } })
  assert.equal(e.result, { effect: 'deny', reasons: [] })
  assert.is(toDecisionLog(rec({ type: 'mcp', event: 'tool_changed', server: 'docs' })), undefined)
})

test("a session's statements take the labels of its connection record, until it disconnects", async () => {
  async function* records() {
    yield rec({ type: 'connection', session_id: 's', labels: { id: 'gw-1', version: '0.1.0' } }, 1)
    yield rec({ type: 'statement', session_id: 's', decision_id: 'A', decision: 'allow', via: 'simple' }, 2)
    yield rec({ type: 'statement', session_id: 'other', decision_id: 'B', decision: 'allow', labels: { id: 'gw-2', version: '0.2.0' } }, 3)
    yield rec({ type: 'disconnect', session_id: 's' }, 4)
    yield rec({ type: 'statement', session_id: 's', decision_id: 'C', decision: 'allow' }, 5)
  }
  const entries = []
  for await (const e of decisionLog(records(), { store: 'sqlite' })) entries.push(e)
  assert.equal(entries.map((e) => e.labels), [
    { id: 'gw-1', version: '0.1.0', app: 'warden', store: 'sqlite', via: 'simple' },
    { app: 'warden', id: 'gw-2', version: '0.2.0', store: 'sqlite' },
    { app: 'warden', store: 'sqlite' },
  ])
})

test('a recorded input document is exported as it was stored, with nothing listed as erased', () => {
  const input = { identity: { sub: 'cursor' }, command: { protocol: 'postgres', raw: 'SELECT $1', sql: { statements: [{ type: 'select' }] } } }
  const e = toDecisionLog(rec({ type: 'statement', decision: 'allow', input }))!
  assert.equal(e.input, input)
  assert.is(e.erased, undefined)
})

test('a release and its outcome make one entry; a release whose outcome is missing comes last; id-less releases are skipped', async () => {
  async function* records() {
    yield rec({ type: 'release', decision_id: 'A', decision: 'allow', statement: 'SELECT 1' }, 1)
    yield rec({ type: 'release', decision_id: 'B', decision: 'allow', statement: 'UPDATE t SET a = $1' }, 2)
    yield rec({ type: 'statement', decision_id: 'A', decision: 'allow', effect: 'allow', rows: 1 }, 3)
    yield rec({ type: 'release', decision: 'allow', statement: 'SELECT 2' }, 4)
    yield rec({ type: 'statement', decision: 'allow', effect: 'allow', rows: 2 }, 5)
    yield rec({ type: 'statement', decision_id: 'C', decision: 'deny', effect: 'deny' }, 6)
  }
  const entries = []
  for await (const e of decisionLog(records())) entries.push(e)
  assert.equal(entries.map((e) => [e.warden.seq, e.warden.type, e.decision_id.slice(0, 1)]), [[3, 'statement', 'A'], [5, 'statement', '0'], [6, 'statement', 'C'], [2, 'release', 'B']])
  assert.is(entries[3]!.warden.response, undefined, 'a release has no response: the outcome was never recorded')
})

test.run()
