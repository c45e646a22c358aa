// Input documents rebuilt from audit records, as `warden diff --corpus audit` replays them: the redacted SQL
// through the real normalizer, an HTTP request from its method and URL, an MCP message from its method and
// tool; and why a record cannot be rebuilt.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { StoredRecord } from '../audit/chain/verify.ts'
import { toDecisionLog } from '../audit/decision-log.ts'
import { UNREDACTABLE_SQL } from '../audit/sql.ts'
import type { TargetConfig } from '../config/types.ts'
import { loadSqlParsers } from '../normalize/index.ts'
import { inputFromRecord } from './audit-input.ts'
import { recordedRequest } from './audit-record.ts'

await loadSqlParsers()

const targets = new Map<string, TargetConfig>([
  ['prod-db', { name: 'prod-db', kind: 'postgres', environment: 'production', labels: {}, upstream: { host: 'h', port: 1, database: 'd', user: 'u' } }],
  ['k8s', { name: 'k8s', kind: 'kubernetes', environment: 'production', labels: {}, production_namespaces: ['prod'] }],
  ['tools', { name: 'tools', kind: 'mcp', environment: 'production', labels: {}, mcp: { server: 'github' } }],
])
const who = { sub: 'cursor', issuer: 'warden-dev', kind: 'agent', groups: ['agents'] }
let seq = 0
const stored = (event: Record<string, unknown>): StoredRecord => ({ seq: ++seq, time: '2026-11-29T10:00:00.000Z', prev_hash: '0', hash: String(seq), event: JSON.stringify({ time: '2026-11-29T10:00:05.000Z', session_id: 's1', identity: who, ...event }) })
/** The record as the trail's decision log gives it to the readers. */
const logged = (event: Record<string, unknown>) => toDecisionLog(stored(event))
const rebuild = (event: Record<string, unknown>, start?: string) => {
  const r = recordedRequest(logged(event)!)
  assert.ok(r, 'a judged request')
  return inputFromRecord(r, targets, start)
}

test('a statement: the redacted text normalized again, as the recorded identity, on the configured target', () => {
  const { input } = rebuild({ type: 'statement', protocol: 'postgres', target: 'prod-db', statement: 'SELECT email FROM users WHERE id = $1', decision: 'allow', reasons: [] }, '2026-11-29T09:59:00.000Z')
  assert.ok(input)
  assert.equal(input.identity, { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' })
  assert.equal(input.session, { id: 's1', started_at: '2026-11-29T09:59:00.000Z', grants: [] })
  assert.equal(input.target, { name: 'prod-db', kind: 'postgres', environment: 'production', labels: {} })
  assert.is(input.command.raw, 'SELECT email FROM users WHERE id = $1')
  assert.is(input.command.sql?.statements[0]?.type, 'select')
  assert.equal(input.command.sql?.statements[0]?.tables.map((t) => t.name), ['users'])
})

test('a request: its method and normalized URL, no body; the Kubernetes normalizer reads the path', () => {
  const { input } = rebuild({ type: 'request', target: 'k8s', method: 'DELETE', url: 'DELETE https://kubernetes.default.svc/api/v1/namespaces/prod/pods/web-1', decision: 'approve', reasons: [] })
  assert.ok(input)
  assert.is(input.command.protocol, 'kubernetes')
  assert.equal([input.command.kubernetes?.verb, input.command.kubernetes?.namespace, input.command.kubernetes?.resource, input.command.kubernetes?.name], ['delete', 'prod', 'pods', 'web-1'])
})

test('an MCP tool call: the method and tool, with the recorded tool status and no arguments', () => {
  const { input } = rebuild({ type: 'request', target: 'tools', method: 'POST', url: 'mcp github tools/call delete_repo', mcp: { server: 'github', direction: 'client', kind: 'request', method: 'tools/call', tool: 'delete_repo', tool_status: 'changed', tool_changed: true }, decision: 'deny', reasons: [] })
  assert.ok(input)
  const mcp = input.command.mcp!
  assert.equal([mcp.server, mcp.method, mcp.tool, mcp.tool_status, mcp.tool_changed, mcp.arguments], ['github', 'tools/call', 'delete_repo', 'changed', true, {}])
  const { input: open } = rebuild({ type: 'request', target: 'tools', method: 'GET', mcp: { server: 'github', direction: 'client', kind: 'transport', method: 'transport/open_stream' }, decision: 'allow', reasons: [] })
  assert.is(open?.command.mcp?.method, 'transport/open_stream')
})

test('what cannot be rebuilt says why', () => {
  assert.equal(rebuild({ type: 'statement', protocol: 'postgres', target: 'gone', statement: 'SELECT 1', decision: 'allow', reasons: [] }), { skip: 'target gone is not in the config' })
  assert.equal(rebuild({ type: 'statement', protocol: 'postgres', target: 'prod-db', statement: UNREDACTABLE_SQL, decision: 'deny', reasons: [] }), { skip: 'the statement was withheld (it could not be redacted)' })
  assert.equal(rebuild({ type: 'statement', protocol: 'postgres', target: 'prod-db', statement: 'SELECT 1', identity: { sub: 'x' }, decision: 'allow', reasons: [] }), { skip: 'no identity was recorded' })
  assert.equal(rebuild({ type: 'request', target: 'tools', decision: 'allow', reasons: [] }), { skip: 'the MCP message was not recorded' })
  assert.equal(rebuild({ type: 'request', target: 'k8s', method: 'GET', decision: 'allow', reasons: [] }), { skip: 'the request URL was not recorded' })
})

test('only judged statements and requests are recorded requests, with their dry-run record when there is one', () => {
  assert.is(logged({ type: 'connection', target: 'prod-db' }), undefined)
  assert.is(logged({ type: 'request', target: 'k8s', status: 401 }), undefined, 'never judged')
  assert.is(recordedRequest(logged({ type: 'mcp', event: 'server_request_denied', server: 'github', method: 'sampling/createMessage' })!), undefined)
  const entry = logged({ type: 'statement', protocol: 'postgres', target: 'prod-db', statement: 'SELECT 1', decision: 'allow', reasons: [], dry_run: { decision: 'deny', flips: [{ change: 'allow→deny', relaxation: false, rules: ['r'] }] } })!
  assert.is(recordedRequest(entry, { since: '2026-11-29T10:00:06.000Z' }), undefined, 'before --since')
  assert.is(recordedRequest(entry, { target: 'k8s' }), undefined, 'another target')
  const r = recordedRequest(entry)!
  assert.equal([r.kind, r.target, r.command, r.decision, r.dry_run?.decision, r.time], ['sql', 'prod-db', 'SELECT 1', 'allow', 'deny', '2026-11-29T10:00:05.000Z'])
})

test.run()
