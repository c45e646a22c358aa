import { Writable } from 'node:stream'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { pgErrors } from './errors.ts'
import { MaskingError } from './masker.ts'
import { encodeBindComplete } from './messages/bind-complete.ts'
import { encodeCommandComplete } from './messages/command-complete.ts'
import { decodeDataRow, encodeDataRow } from './messages/data-row.ts'
import { decodeErrorResponse, encodeErrorResponse } from './messages/error-response.ts'
import { encodeNoticeResponse } from './messages/notice-response.ts'
import { encodeParseComplete } from './messages/parse-complete.ts'
import { decodeReadyForQuery, encodeReadyForQuery } from './messages/ready-for-query.ts'
import { encodeRowDescription } from './messages/row-description.ts'
import { Outbox } from './outbox.ts'
import type { StatementRun } from './pending.ts'
import { POISON_SQL } from './poison.ts'
import { Relay, type ResultMasker } from './relay.ts'
import { framesOf } from './testing/frames.ts'
import { types } from './testing/raw-client.ts'

class Sink extends Writable {
  chunks: Buffer[] = []
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.chunks.push(chunk)
    cb()
  }
  frames() {
    return framesOf(Buffer.concat(this.chunks))
  }
}

const upperCase: ResultMasker = {
  plan: async (fields) => ({ fields, byIndex: fields.map(() => ({ index: 0, detectors: [], detectorStrategies: {} })) }),
  row: (payload) => {
    const values = decodeDataRow(payload).map((v) => (v ? Buffer.from(v.toString().toUpperCase()) : v))
    return { frame: encodeDataRow(values), masked: values.length }
  },
  screen: () => undefined,
  maskedColumns: () => [],
}

function setup(masker: ResultMasker = upperCase) {
  const client = new Sink()
  const upstream = new Sink()
  const finished: StatementRun[] = []
  const clientOut = new Outbox(client)
  const relay = new Relay({
    client: clientOut,
    upstream: new Outbox(upstream),
    masker,
    finished: (run) => finished.push(run),
    statementCompleted: () => undefined,
    transactionEnded: () => undefined,
    pauseUpstream: () => undefined,
  })
  return { relay, client, clientOut, upstream, finished }
}

function run(masks: boolean): StatementRun {
  const judgement = { input: {} as never, decision: { effect: 'allow' as const, reasons: [], obligations: { mask: [] } } }
  return { text: 'SELECT x', verdict: { allow: true, judgement }, protocol: 'simple', startedAt: 0, masks: masks ? [{ detector: 'all' }] : [], rows: 0, masked: 0, completed: 0 }
}

const field = { name: 'email', tableOid: 0, attnum: 0, typeOid: 25, typeSize: -1, typeModifier: -1, format: 0 }
const row = (v: string) => encodeDataRow([Buffer.from(v)])
const tick = () => new Promise((r) => setImmediate(r))

test('passes a result through unchanged when nothing is masked', async () => {
  const { relay, client, finished } = setup()
  const wait = { done: false }
  relay.push({ kind: 'query', run: run(false), wait })
  const bytes = Buffer.concat([encodeRowDescription([field]), row('a@b.c'), encodeCommandComplete('SELECT 1'), encodeReadyForQuery('I')])
  relay.receive(bytes)
  await tick()
  assert.equal(Buffer.concat(client.chunks), bytes)
  assert.ok(wait.done)
  assert.is(finished[0]!.rows, 1)
})

test('masks every row before it is forwarded, across several results', async () => {
  const { relay, client, finished } = setup()
  relay.push({ kind: 'query', run: run(true), wait: { done: false } })
  relay.receive(Buffer.concat([encodeRowDescription([field]), row('a'), row('b'), encodeCommandComplete('SELECT 2'), encodeRowDescription([field]), row('c'), encodeCommandComplete('SELECT 1'), encodeReadyForQuery('I')]))
  await tick()
  await tick()
  const values = client.frames().filter((f) => f.type === 'D').map((f) => decodeDataRow(f.payload)[0]!.toString())
  assert.equal(values, ['A', 'B', 'C'])
  assert.is(finished[0]!.masked, 3)
})

test('a masking failure mid-result: rows before it were masked, none after, one XX000 error, then ReadyForQuery', async () => {
  let n = 0
  const failing: ResultMasker = { ...upperCase, row: (p, plan, enc) => {
    if (++n === 2) throw new MaskingError('detector crashed')
    return upperCase.row(p, plan, enc)
  } }
  const { relay, client, upstream } = setup(failing)
  relay.push({ kind: 'query', run: run(true), wait: { done: false } })
  relay.receive(Buffer.concat([encodeRowDescription([field]), row('a'), row('secret-b'), row('secret-c'), encodeCommandComplete('SELECT 3'), encodeReadyForQuery('I')]))
  await tick()
  await tick()
  const frames = client.frames()
  assert.is(types(frames), 'TDEZ')
  assert.is(decodeDataRow(frames[1]!.payload)[0]!.toString(), 'A')
  assert.is(decodeErrorResponse(frames[2]!.payload).code, 'XX000')
  assert.not.match(Buffer.concat(client.chunks).toString(), 'secret')
  assert.is(upstream.chunks.length, 0)
})

test('a masking failure inside a transaction also fails the server transaction', async () => {
  const failing: ResultMasker = { ...upperCase, plan: () => Promise.reject(new MaskingError('catalog unavailable')) }
  const { relay, client, upstream } = setup(failing)
  const wait = { done: false }
  relay.push({ kind: 'query', run: run(true), wait })
  relay.receive(Buffer.concat([encodeRowDescription([field]), row('secret'), encodeCommandComplete('SELECT 1'), encodeReadyForQuery('T')]))
  await tick()
  await tick()
  assert.is(types(client.frames()), 'E')
  assert.not.ok(wait.done)
  assert.match(Buffer.concat(upstream.chunks).toString(), POISON_SQL)
  relay.receive(Buffer.concat([encodeErrorResponse({ severity: 'ERROR', code: '42601', message: 'syntax error' }), encodeReadyForQuery('E')]))
  await tick()
  const frames = client.frames()
  assert.is(types(frames), 'EZ')
  assert.is(decodeReadyForQuery(frames[1]!.payload), 'E')
  assert.ok(wait.done)
})

test('a poisoned message: the server\'s error is replaced by the gateway\'s, and what it skips is dropped', async () => {
  const { relay, client } = setup()
  let undone = 0
  relay.push({ kind: 'parse', undo: () => undone++ })
  relay.push({ kind: 'poison', error: pgErrors.denied('no') })
  relay.push({ kind: 'bind', undo: () => undone++ })
  relay.receive(Buffer.concat([encodeParseComplete(), encodeErrorResponse({ severity: 'ERROR', code: '26000', message: 'prepared statement does not exist' })]))
  await tick()
  assert.is(undone, 1)
  assert.ok(relay.serverSkipping)
  assert.not.ok(relay.push({ kind: 'parse', undo: () => undone++ }))
  assert.is(undone, 2)
  relay.push({ kind: 'sync' })
  relay.receive(encodeReadyForQuery('I'))
  await tick()
  const frames = client.frames()
  assert.is(types(frames), '1EZ')
  assert.is(decodeErrorResponse(frames[1]!.payload).code, '42501')
})

test('a held answer to a masked Execute goes out with the Sync\'s ReadyForQuery, in one write', async () => {
  const { relay, client, clientOut: out } = setup()
  const r = run(true)
  r.protocol = 'extended'
  const wait = { done: false }
  out.hold()
  relay.push({ kind: 'bind' })
  relay.push({ kind: 'describe', forRun: r })
  relay.push({ kind: 'execute', run: r, wait })
  relay.receive(Buffer.concat([encodeBindComplete(), encodeRowDescription([field]), row('a'), encodeCommandComplete('SELECT 1')]))
  await tick()
  await tick()
  assert.ok(wait.done)
  assert.is(client.chunks.length, 0)
  relay.push({ kind: 'sync' })
  relay.receive(encodeReadyForQuery('I'))
  await tick()
  assert.is(client.chunks.length, 1)
  assert.is(types(client.frames()), '2DCZ')
  assert.is(decodeDataRow(client.frames()[1]!.payload)[0]!.toString(), 'A')
})

test('a held answer is released at once when the server asks for COPY data', async () => {
  const { relay, client, clientOut: out } = setup()
  const r = run(true)
  out.hold()
  relay.push({ kind: 'execute', run: r, wait: { done: false } })
  relay.push({ kind: 'sync' })
  relay.receive(Buffer.from([0x47, 0, 0, 0, 7, 0, 0, 0]))
  await tick()
  assert.is(types(client.frames()), 'G')
})

test('notices pass at any time; an answer with nothing pending is a failure', async () => {
  const { relay, client } = setup()
  let failure: Error | undefined
  relay.onFailure = (e) => (failure = e)
  relay.receive(encodeNoticeResponse({ severity: 'NOTICE', code: '00000', message: 'hi' }))
  await tick()
  assert.is(types(client.frames()), 'N')
  relay.receive(encodeParseComplete())
  assert.match(failure?.message ?? '', 'nothing pending')
})

test('COPY out of a masked statement is withheld', async () => {
  const { relay, client } = setup()
  relay.push({ kind: 'query', run: run(true), wait: { done: false } })
  relay.receive(Buffer.concat([
    Buffer.from([0x48, 0, 0, 0, 7, 0, 0, 0]),
    Buffer.from([0x64, 0, 0, 0, 11]), Buffer.from('secret\n'),
    Buffer.from([0x63, 0, 0, 0, 4]),
    encodeCommandComplete('COPY 1'),
    encodeReadyForQuery('I'),
  ]))
  await tick()
  assert.is(types(client.frames()), 'EZ')
  assert.is(decodeErrorResponse(client.frames()[0]!.payload).code, 'XX000')
})

test('the masked columns of writes count for every server text up to the end of their transaction, kept as names', async () => {
  const seen: number[] = []
  const masker: ResultMasker = { ...upperCase, maskedColumns: () => ['password'], screen: (_f, _run, _session, held) => {
    seen.push(held?.size ?? 0)
    return undefined
  } }
  const { relay } = setup(masker)
  const write = (): StatementRun => {
    const r = run(true)
    r.verdict.judgement.input = { command: { sql: { statements: [{ type: 'update', read_only: false }] } } } as never
    return r
  }
  relay.push({ kind: 'query', run: run(false), wait: { done: false } })
  relay.receive(Buffer.concat([encodeCommandComplete('BEGIN'), encodeReadyForQuery('T')]))
  for (let i = 0; i < 1000; i++) {
    relay.push({ kind: 'query', run: write(), wait: { done: false } })
    relay.receive(Buffer.concat([encodeCommandComplete('UPDATE 1'), encodeReadyForQuery('T')]))
  }
  const notice = encodeNoticeResponse({ severity: 'NOTICE', code: '00000', message: 'deferred' })
  relay.push({ kind: 'query', run: run(false), wait: { done: false } })
  relay.receive(Buffer.concat([notice, encodeCommandComplete('COMMIT'), encodeReadyForQuery('I')]))
  relay.push({ kind: 'query', run: run(false), wait: { done: false } })
  relay.receive(Buffer.concat([notice, encodeCommandComplete('SELECT 0'), encodeReadyForQuery('I')]))
  for (let i = 0; i < 20 && seen.length < 2; i++) await tick()
  assert.equal(seen, [1, 0], 'one name for a thousand writes at COMMIT; none once the transaction ended')
})

test.run()
