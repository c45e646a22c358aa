import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createMemoryAuditSink } from '../../engine/audit/memory-sink.ts'
import { labelledAuditSink } from './audit-labels.ts'

test('every record gets the labels; decision and MCP records also the bundle revision in force', () => {
  const inner = createMemoryAuditSink()
  let revision = 'sha256:aaa'
  const sink = labelledAuditSink(inner, { id: 'gw-1', version: '0.1.0' }, () => revision)
  sink.record({ type: 'connection', time: 't', session_id: 's' })
  sink.record({ type: 'statement', time: 't', session_id: 's', decision: 'allow' })
  revision = 'v2'
  sink.record({ type: 'request', time: 't', session_id: 's', decision: 'deny' })
  sink.record({ type: 'mcp', time: 't', session_id: 's', event: 'server_request_denied' })
  assert.equal(inner.events.map((e) => [e.type, e.labels, e.bundle_revision]), [
    ['connection', { id: 'gw-1', version: '0.1.0' }, undefined],
    ['statement', { id: 'gw-1', version: '0.1.0' }, 'sha256:aaa'],
    ['request', { id: 'gw-1', version: '0.1.0' }, 'v2'],
    ['mcp', { id: 'gw-1', version: '0.1.0' }, 'v2'],
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
