// One session cannot make the gateway keep prepared statements and portals without end: past MAX_KEPT_STATEMENTS,
// MAX_KEPT_TEXT_BYTES of their SQL text or MAX_KEPT_VALUE_BYTES of named portals' bound values, a new one is refused
// with 54000 and a reason, and the session goes on.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Judgement } from '../../engine/gateway.ts'
import { MAX_KEPT_STATEMENTS, MAX_KEPT_TEXT_BYTES, MAX_KEPT_VALUE_BYTES } from './limits.ts'
import { encodeBind } from './messages/bind.ts'
import { encodeClose } from './messages/close.ts'
import { encodeExecute } from './messages/execute.ts'
import { encodeParse } from './messages/parse.ts'
import { encodeQuery } from './messages/query.ts'
import { encodeSync } from './messages/sync.ts'
import { SessionStatements } from './session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { errorsOf, RawClient, types } from './testing/raw-client.ts'

const judged = (text: string, mask: string[] = [], executes: string[] = []) => ({
  text,
  judgement: {
    input: { command: { sql: { statements: executes.map((name) => ({ type: 'execute', detail: { name } })) } } } as never,
    decision: { effect: 'allow' as const, reasons: [], obligations: { mask: mask.map((column) => ({ column })) } },
  } as Judgement,
})

test('a DECLARE and CLOSE loop keeps each cursor mask once, not once per cursor', () => {
  const s = new SessionStatements()
  for (let i = 0; i < 5000; i++) {
    s.declareCursor('c', judged('DECLARE c CURSOR FOR SELECT email, phone FROM users', ['email', 'phone']), false)
    s.setPortal('c', undefined)
  }
  s.declareCursor('d', judged('DECLARE d CURSOR FOR SELECT ssn FROM users', ['ssn']), false)
  assert.equal(s.cursorMaskObligations(), [{ column: 'email' }, { column: 'phone' }, { column: 'ssn' }])
})

test('past the statement limit of EXECUTE targets remembered, a re-prepared name still expires what EXECUTEs it', () => {
  const s = new SessionStatements()
  s.setStatement('runs_p5', judged('EXECUTE p5', [], ['p5']))
  for (let i = 0; i <= MAX_KEPT_STATEMENTS + 10; i++) s.setStatement('other', judged(`EXECUTE q${i}`, [], [`q${i}`]))
  assert.is(s.statement('runs_p5')?.grantUntil, undefined)
  s.setStatement('p5', judged('SELECT 2'))
  assert.is(s.statement('runs_p5')?.grantUntil, 0, 'judged again at its next Bind')
})

test('overLimit: new names count, names already kept and the unnamed ones do not', () => {
  const s = new SessionStatements()
  for (let i = 0; i < MAX_KEPT_STATEMENTS; i++) s.setStatement(`s${i}`, judged('SELECT 1'))
  assert.match(s.overLimit({ statements: ['new'] }, 8) ?? '', `limit is ${MAX_KEPT_STATEMENTS}`)
  assert.match(s.overLimit({ portals: ['new'] }, 8) ?? '', `limit is ${MAX_KEPT_STATEMENTS}`)
  assert.is(s.overLimit({ statements: ['s7'] }, 8), undefined)
  assert.is(s.overLimit({ statements: [''], portals: [''] }, 8), undefined)
  s.setStatement('s7', undefined)
  assert.is(s.overLimit({ statements: ['new'] }, 8), undefined)
})

test('overLimit: a kept name replaced with more text still counts its text (DEALLOCATE p; PREPARE p AS …)', () => {
  const s = new SessionStatements()
  for (let i = 0; i < MAX_KEPT_STATEMENTS; i++) s.setStatement(`s${i}`, judged('SELECT 1'))
  const big = `SELECT '${'x'.repeat(16 * 1024)}'`
  let refused = 0
  for (let i = 0; i < 200; i++) {
    if (s.overLimit({ statements: [`s${i}`] }, big.length)) refused++
    else s.setStatement(`s${i}`, judged(big))
  }
  assert.ok(refused > 0, 'refused')
  let kept = 0
  for (let i = 0; i < MAX_KEPT_STATEMENTS; i++) kept += s.statement(`s${i}`)!.text.length
  assert.ok(kept <= MAX_KEPT_TEXT_BYTES, `${kept} bytes kept`)
})

test('overLimit: a statement SQL PREPAREd counts the whole text its kept judgement was made on, once however many it made', () => {
  const s = new SessionStatements()
  const whole = `PREPARE a AS SELECT 1; PREPARE b AS SELECT 2; SELECT '${'x'.repeat(16 * 1024)}'`
  const shared = judged(whole)
  shared.judgement.input.command.raw = whole
  for (let i = 0; i < 130; i++) {
    const j = judged(whole)
    j.judgement.input.command.raw = whole
    s.setStatement(`p${i}`, { text: 'SELECT 1', judgement: j.judgement })
  }
  assert.match(s.overLimit({ statements: ['one_more'] }, whole.length) ?? '', `limit is ${MAX_KEPT_TEXT_BYTES}`)
  const t = new SessionStatements()
  for (let i = 0; i < MAX_KEPT_STATEMENTS - 1; i++) t.setStatement(`p${i}`, { text: 'SELECT 1', judgement: shared.judgement })
  assert.is(t.overLimit({ statements: ['one_more'] }, 8), undefined)
})

let h: Harness

test.before(async () => {
  h = await startHarness()
})
test.after(async () => {
  await h?.stop()
})

const session = async () => RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })

test(`past ${MAX_KEPT_STATEMENTS} named statements a new Parse is refused (54000, with the reason); the unnamed one and other sessions go on`, async () => {
  const c = await session()
  for (let i = 0; i < MAX_KEPT_STATEMENTS; i += 250) {
    c.send(...Array.from({ length: 250 }, (_, j) => encodeParse({ name: `s${i + j}`, text: 'SELECT 1', paramTypes: [] })), encodeSync())
    const frames = await c.readyCount(1, 30_000)
    assert.is(errorsOf(frames).length, 0)
    c.take()
  }
  c.send(encodeParse({ name: 'one_more', text: 'SELECT 2', paramTypes: [] }), encodeSync())
  const refused = await c.readyCount(1)
  assert.is(types(refused), 'EZ')
  const [e] = errorsOf(refused)
  assert.is(e!.code, '54000')
  assert.match(e!.message, `already keeps ${MAX_KEPT_STATEMENTS} prepared statements and portals, and the limit is ${MAX_KEPT_STATEMENTS}`)
  assert.match(e!.hint ?? '', 'Close')
  c.take()
  // The server never saw it: its statements are the ones the gateway keeps.
  c.send(
    encodeParse({ name: '', text: 'SELECT count(*) FROM pg_prepared_statements', paramTypes: [] }),
    encodeBind({ portal: '', statement: '', paramFormats: [], params: [], resultFormats: [] }),
    encodeExecute({ portal: '', maxRows: 0 }),
    encodeSync(),
  )
  const counted = await c.readyCount(1)
  assert.is(errorsOf(counted).length, 0)
  assert.is(counted.find((f) => f.type === 'D')!.payload.subarray(6).toString(), String(MAX_KEPT_STATEMENTS))
  c.take()
  // A named portal is one more too.
  c.send(encodeBind({ portal: 'p', statement: 's1', paramFormats: [], params: [], resultFormats: [] }), encodeSync())
  assert.is(errorsOf(await c.readyCount(1))[0]?.code, '54000')
  c.take()
  // Closing one makes room.
  c.send(encodeClose({ kind: 'S', name: 's0' }), encodeParse({ name: 'one_more', text: 'SELECT 2', paramTypes: [] }), encodeSync())
  const reopened = await c.readyCount(1)
  assert.is(types(reopened), '31Z', JSON.stringify(errorsOf(reopened)))
  c.take()
  const other = await session()
  other.send(encodeQuery('SELECT 1'))
  assert.is(types(await other.readyCount(1)), 'TDCZ')
  other.close()
  c.close()
})

test(`SQL PREPAREs past the limit are refused before they run; so is text past ${MAX_KEPT_TEXT_BYTES} bytes in all`, async () => {
  const c = await session()
  const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => `PREPARE q${from + i} AS SELECT ${from + i}`).join('; ')
  for (let i = 0; i < MAX_KEPT_STATEMENTS - 50; i += 50) {
    c.send(encodeQuery(batch(i, 50)))
    assert.is(errorsOf(await c.readyCount(1, 30_000)).length, 0)
    c.take()
  }
  c.send(encodeQuery(batch(MAX_KEPT_STATEMENTS - 50, 51)))
  const [e] = errorsOf(await c.readyCount(1))
  assert.is(e?.code, '54000')
  assert.match(e!.message, 'the limit is')
  c.take()
  c.send(encodeQuery('SELECT count(*) FROM pg_prepared_statements'))
  const counted = await c.readyCount(1)
  assert.is(counted.find((f) => f.type === 'D')!.payload.subarray(6).toString(), String(MAX_KEPT_STATEMENTS - 50), 'none of the refused batch ran')
  c.take()
  c.send(encodeQuery('DEALLOCATE ALL'))
  await c.readyCount(1)
  c.take()

  const long = (i: number) => `SELECT ${i} AS n, '${'x'.repeat(15 * 1024)}' AS pad`
  let refusedAt = -1
  for (let i = 0; i < 200 && refusedAt < 0; i += 10) {
    c.send(...Array.from({ length: 10 }, (_, j) => encodeParse({ name: `long${i + j}`, text: long(i + j), paramTypes: [] })), encodeSync())
    const frames = await c.readyCount(1, 30_000)
    const [err] = errorsOf(frames)
    if (err) {
      assert.is(err.code, '54000')
      assert.match(err.message, `bytes of SQL text, and the limit is ${MAX_KEPT_TEXT_BYTES}`)
      refusedAt = i + frames.filter((f) => f.type === '1').length
    }
    c.take()
  }
  assert.ok(refusedAt > 0, 'refused')
  assert.ok(refusedAt * long(0).length <= MAX_KEPT_TEXT_BYTES && (refusedAt + 1) * long(0).length > MAX_KEPT_TEXT_BYTES - 64, `refused at ${refusedAt}`)
  c.send(encodeQuery('SELECT 1'))
  assert.is(types(await c.readyCount(1)), 'TDCZ')
  c.close()
})

test('SQL PREPAREs each sent with a long query string count that string: the judgement kept is of all of it', async () => {
  const c = await session()
  const pad = `SELECT '${'x'.repeat(15 * 1024)}' AS pad`
  let refusedAt = -1
  for (let i = 0; i < 300 && refusedAt < 0; i++) {
    c.send(encodeQuery(`PREPARE w${i} AS SELECT ${i}; ${pad}`))
    const [err] = errorsOf(await c.readyCount(1, 30_000))
    if (err) {
      assert.is(err.code, '54000')
      assert.match(err.message, `bytes of SQL text, and the limit is ${MAX_KEPT_TEXT_BYTES}`)
      refusedAt = i
    }
    c.take()
  }
  assert.ok(refusedAt > 0 && refusedAt * pad.length <= MAX_KEPT_TEXT_BYTES, `refused at ${refusedAt}`)
  c.send(encodeQuery('SELECT count(*) FROM pg_prepared_statements'))
  const counted = await c.readyCount(1)
  assert.is(counted.find((f) => f.type === 'D')!.payload.subarray(6).toString(), String(refusedAt))
  c.take()
  // Given back: DEALLOCATE ALL makes room again.
  c.send(encodeQuery('DEALLOCATE ALL'))
  await c.readyCount(1)
  c.take()
  c.send(encodeQuery(`PREPARE again AS SELECT 1; ${pad}`))
  assert.is(errorsOf(await c.readyCount(1)).length, 0)
  c.close()
})

test(`named portals keep at most ${MAX_KEPT_VALUE_BYTES} bytes of bound values: past it a Bind is refused; the unnamed portal, and a new transaction, go on`, async () => {
  const c = await session()
  const value = Buffer.alloc(24 * 1024 * 1024, 'y')
  const bind = (portal: string) => encodeBind({ portal, statement: 'len', paramFormats: [], params: [value], resultFormats: [] })
  c.send(encodeQuery('BEGIN'))
  await c.readyCount(1)
  c.take()
  c.send(encodeParse({ name: 'len', text: 'SELECT length($1::text)', paramTypes: [] }), bind('p0'), bind('p1'), encodeSync())
  assert.is(types(await c.readyCount(1, 60_000)), '122Z')
  c.take()
  c.send(bind('p2'), encodeSync())
  const [e] = errorsOf(await c.readyCount(1, 60_000))
  assert.is(e?.code, '54000')
  assert.match(e!.message, `bytes of bound values, and the limit is ${MAX_KEPT_VALUE_BYTES}`)
  c.take()
  c.send(encodeQuery('ROLLBACK'))
  await c.readyCount(1)
  c.take()
  c.send(bind(''), encodeExecute({ portal: '', maxRows: 0 }), bind('p3'), encodeSync())
  const frames = await c.readyCount(1, 60_000)
  assert.is(types(frames), '2DC2Z')
  assert.is(frames.find((f) => f.type === 'D')!.payload.subarray(6).toString(), String(value.length))
  c.close()
})

test.run()
