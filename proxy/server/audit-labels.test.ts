import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createMemoryAuditSink } from '../../engine/audit/memory-sink.ts'
import { labelledAuditSink } from './audit-labels.ts'

test('records get the labels, decision and MCP records the bundle revision in force; a session\'s statements leave the labels to its connection record', () => {
  const inner = createMemoryAuditSink()
  let revision = 'sha256:aaa'
  const sink = labelledAuditSink(inner, { id: 'gw-1', version: '0.1.0' }, () => revision)
  const labels = { id: 'gw-1', version: '0.1.0' }
  sink.record({ type: 'connection', time: 't', session_id: 's', protocol: 'postgres' })
  sink.record({ type: 'release', time: 't', session_id: 's', protocol: 'postgres', decision: 'allow', via: 'simple' })
  sink.record({ type: 'statement', time: 't', session_id: 's', protocol: 'postgres', decision: 'allow', via: 'simple' })
  sink.record({ type: 'statement', time: 't', session_id: 's2', protocol: 'postgres', decision: 'deny', via: 'startup' })
  revision = 'v2'
  sink.record({ type: 'request', time: 't', session_id: 'h', protocol: 'http', decision: 'deny' })
  sink.record({ type: 'mcp', time: 't', session_id: 'h', event: 'server_request_denied' })
  sink.record({ type: 'approval', time: 't', session_id: 's', approval_id: 'apr_1' })
  assert.equal(inner.events.map((e) => [e.type, e.labels, e.bundle_revision]), [
    ['connection', labels, undefined],
    ['release', undefined, 'sha256:aaa'],
    ['statement', undefined, 'sha256:aaa'],
    ['statement', labels, 'sha256:aaa'],
    ['request', labels, 'v2'],
    ['mcp', labels, 'v2'],
    ['approval', labels, undefined],
  ])
})

test('durable() is passed through only when the inner sink has it: frontends look for it to fail closed', async () => {
  const plain = labelledAuditSink(createMemoryAuditSink(), { id: 'g', version: 'v' }, () => 'r')
  assert.is(plain.durable, undefined)
  let waited = 0
  const durable = labelledAuditSink({ ...createMemoryAuditSink(), durable: async () => void waited++ }, { id: 'g', version: 'v' }, () => 'r')
  await durable.durable!()
  assert.is(waited, 1)
})

test.run()
