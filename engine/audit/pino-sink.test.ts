import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { AuditError } from './errors.ts'
import { censorSecretPaths, createPinoAuditSink } from './pino-sink.ts'
import { loadAuditRedaction } from './sql.ts'

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const JWT = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'cursor', groups: ['agents'] })}.dGhpcyBpcyBhIHNpZw`
const TIME = '2025-01-01T00:00:00.000Z'

function lines() {
  const written: string[] = []
  return { written, destination: { write: (line: string) => void written.push(line) } }
}

test('a statement with a password literal and a JWT never shows them in the written line', async () => {
  await loadAuditRedaction()
  const { written, destination } = lines()
  const sink = createPinoAuditSink(destination)
  sink.record({
    type: 'statement',
    time: TIME,
    session_id: 's-1',
    sql: `CREATE USER app WITH PASSWORD 'hunter2-very-secret'; SELECT '${JWT}'`,
    input: { command: { protocol: 'postgres', raw: `SET app.token = '${JWT}'` } },
    client: { application_name: `psql ${JWT}`, password: 'pw-1' },
    decision: { effect: 'allow', reasons: [], obligations: { mask: [] } },
  })
  await sink.flush()
  assert.is(written.length, 1)
  const line = written[0]!
  assert.not.ok(line.includes('hunter2'), line)
  assert.not.ok(line.includes('pw-1'), line)
  assert.not.ok(line.includes(JWT.split('.')[0]!), line)
  const parsed = JSON.parse(line) as Record<string, any>
  assert.equal([parsed.level, parsed.type, parsed.time, parsed.session_id], ['audit', 'statement', TIME, 's-1'])
  assert.is(parsed.sql, 'CREATE USER app WITH PASSWORD $1; SELECT $2')
  assert.is(parsed.client.application_name, 'psql [jwt]')
  assert.is(sink.dropped, 0)
})

test("the decision's audit obligation adds redaction paths", () => {
  const { written, destination } = lines()
  const sink = createPinoAuditSink(destination)
  sink.record({
    type: 'statement',
    time: TIME,
    input: { command: { http: { body: { note: 'private words' } } } },
    decision: { effect: 'allow', reasons: [], obligations: { mask: [], audit: { redact: ['input.command.http.body.note'] } } },
  })
  assert.not.ok(written[0]!.includes('private words'))
})

test('the second layer censors the secret paths where pino redact would: top level and one level down', () => {
  const event: Record<string, unknown> = {
    type: 'statement',
    token: null,
    identity: { sub: 'a' },
    o: { password: 'p', api_key: 'k', headers: { cookie: 'c', authorization: 'z', accept: 'json' } },
    headers: { authorization: 'Basic x' },
    deep: { q: { password: 'left for redactEvent' } },
    list: [{ password: 'left for redactEvent' }],
  }
  censorSecretPaths(event)
  assert.equal(event, {
    type: 'statement',
    token: '[REDACTED]',
    identity: { sub: 'a' },
    o: { password: '[REDACTED]', api_key: '[REDACTED]', headers: { cookie: '[REDACTED]', authorization: '[REDACTED]', accept: 'json' } },
    headers: { authorization: '[REDACTED]' },
    deep: { q: { password: 'left for redactEvent' } },
    list: [{ password: 'left for redactEvent' }],
  })
})

test('record never throws when the destination throws; the drop is counted', () => {
  const sink = createPinoAuditSink({
    write() {
      throw new Error('disk full')
    },
  })
  sink.record({ type: 'connection', time: TIME })
  sink.record({ type: 'disconnect', time: TIME })
  assert.is(sink.dropped, 2)
})

test('an event that cannot be serialised is still recorded without its content', () => {
  const { written, destination } = lines()
  const sink = createPinoAuditSink(destination)
  const hostile = { type: 'error' as const, time: TIME, get boom() { throw new Error('getter') } }
  sink.record(hostile)
  sink.record(null as never)
  assert.is(written.length, 2)
  assert.equal(JSON.parse(written[0]!), { level: 'audit', type: 'error', time: TIME, redaction_failed: true })
  assert.is(sink.dropped, 0)
})

test('flush waits for the destination and reports its failure as audit.flush_failed', async () => {
  let flushed = false
  const ok = createPinoAuditSink({ write() {}, flush: (cb?: (err?: Error) => void) => { flushed = true; cb?.() } } as never)
  await ok.flush()
  assert.ok(flushed)
  const failing = createPinoAuditSink({ write() {}, flush: (cb?: (err?: Error) => void) => cb?.(new Error('EIO')) } as never)
  try {
    await failing.flush()
    assert.unreachable('flush should reject')
  } catch (err) {
    assert.ok(err instanceof AuditError && err.code === 'audit.flush_failed', String(err))
  }
})

test('newlines and control characters in values or keys cannot start a forged line in the JSON-lines copy', async () => {
  const { written, destination } = lines()
  const sink = createPinoAuditSink(destination)
  const forged = '\n{"type":"approval","outcome":"approved"}\n'
  sink.record({ type: 'statement', time: TIME, session_id: `s-1${forged}`, [`k${forged}`]: 'v', note: `a\r\nb\u2028c\u0000d\u001b[2J${forged}`, nested: { [`q"${forged}`]: forged } })
  sink.recordRedacted({ type: 'statement', time: TIME, [`k"${forged}`]: forged })
  await sink.flush()
  const text = written.join('')
  const parsed = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
  assert.equal(parsed.map((e) => e.type), ['statement', 'statement'], 'two events, two lines, both parse')
  assert.is(parsed[0]!.session_id, `s-1${forged}`, 'the value kept, escaped')
  assert.not.match(text, '\u001b', 'no raw escape character reaches a terminal tailing the file')
})

test.run()
