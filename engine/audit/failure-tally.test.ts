import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createMemoryAuditSink } from './memory-sink.ts'
import { FAILURE_WINDOW_MS, FAILURES_PER_WINDOW, FailureTally, tallied } from './failure-tally.ts'
import type { AuditEvent } from './types.ts'

const failure = (client: string, code = 'token.missing'): AuditEvent => ({ type: 'auth_failure', time: new Date(0).toISOString(), client, code, message: 'no token given' })

test(`a key records its first ${FAILURES_PER_WINDOW} failures of a window; the rest are counted in one record once the window ends`, () => {
  let now = 1_000_000
  const sink = createMemoryAuditSink()
  const tally = new FailureTally(sink, () => now)
  for (let i = 0; i < 1000; i++) tally.record('postgres:token.missing', failure(`10.0.0.${i % 200}`), tallied(failure(`10.0.0.${i % 200}`)))
  for (let i = 0; i < 5; i++) tally.record('postgres:token.invalid', failure('10.0.0.9', 'token.invalid'), tallied(failure('10.0.0.9', 'token.invalid')))
  assert.is(sink.events.length, FAILURES_PER_WINDOW + 5, 'another key is counted apart')
  now += FAILURE_WINDOW_MS
  tally.record('postgres:token.missing', failure('10.0.0.1'), tallied(failure('10.0.0.1')))
  const summary = sink.events.find((e) => e.suppressed !== undefined)!
  assert.is(summary.suppressed, 1000 - FAILURES_PER_WINDOW)
  assert.is(summary.client, '10.0.0.199', 'the last one shown')
  assert.match(String(summary.message), `${1000 - FAILURES_PER_WINDOW} more failures like this one`)
  assert.is(sink.events.at(-1)!.client, '10.0.0.1', 'a new window records again')
  assert.is(sink.events.length, FAILURES_PER_WINDOW + 5 + 2)
})

test('flush writes the counts of windows still open, once', () => {
  const sink = createMemoryAuditSink()
  const tally = new FailureTally(sink)
  for (let i = 0; i < FAILURES_PER_WINDOW + 3; i++) tally.record('k', failure('a'), tallied(failure('a')))
  tally.flush()
  tally.flush()
  assert.equal(sink.events.filter((e) => e.suppressed !== undefined).map((e) => e.suppressed), [3])
})

test.run()
