import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createMemoryAuditSink } from './memory-sink.ts'

test('keeps redacted copies of recorded events in order', async () => {
  const sink = createMemoryAuditSink()
  const event = { type: 'connection' as const, time: 't', session_id: 's', password: 'x' }
  sink.record(event)
  sink.record({ type: 'disconnect', time: 't2', session_id: 's' })
  await sink.flush()
  assert.equal(sink.events, [
    { type: 'connection', time: 't', session_id: 's', password: '[REDACTED]' },
    { type: 'disconnect', time: 't2', session_id: 's' },
  ])
  assert.is(event.password, 'x')
})

test('never throws, even for an event that cannot be read', () => {
  const sink = createMemoryAuditSink()
  sink.record({ type: 'error', time: 't', get bad() { throw new Error('getter') } })
  assert.equal(sink.events, [{ type: 'error', time: 't', redaction_failed: true }])
})

test.run()
