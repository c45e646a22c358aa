import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Judgement } from '../../engine/gateway.ts'
import { SessionStatements } from './session.ts'

const judged = (text: string, mask: string[] = []) => ({
  text,
  judgement: { input: {} as never, decision: { effect: 'allow' as const, reasons: [], obligations: { mask: mask.map((column) => ({ column })) } } } as Judgement,
})

test('a statement change can be undone, restoring what was there before', () => {
  const s = new SessionStatements()
  s.setStatement('a', judged('SELECT 1'))
  const undo = s.setStatement('a', judged('SELECT 2'))
  assert.is(s.prepared().get('a'), 'SELECT 2')
  undo()
  assert.is(s.statement('a')?.text, 'SELECT 1')
  const undoNew = s.setStatement('b', judged('SELECT 3'))
  undoNew()
  assert.is(s.statement('b'), undefined)
  assert.not.ok(s.prepared().has('b'))
})

test('cursors become portals and lend their masks to later fetches; clearing forgets names', () => {
  const s = new SessionStatements()
  s.declareCursor('c', judged('DECLARE c CURSOR FOR SELECT email FROM users', ['email']), false)
  assert.is(s.portal('c')?.text, 'DECLARE c CURSOR FOR SELECT email FROM users')
  assert.equal(s.cursorMaskObligations(), [{ column: 'email' }])
  s.setStatement('p', judged('SELECT 1'))
  s.clearStatements()
  s.clearPortals()
  assert.is(s.statement('p'), undefined)
  assert.is(s.portal('c'), undefined)
  assert.is(s.prepared().size, 0)
})

test('cursors the server closes are forgotten: without HOLD at the end of a transaction, all of its own at a rollback', () => {
  const s = new SessionStatements()
  s.declareCursor('held', judged('DECLARE held CURSOR WITH HOLD FOR SELECT 1'), true)
  s.declareCursor('plain', judged('DECLARE plain CURSOR FOR SELECT 1'), false)
  s.transactionEnded(undefined)
  assert.equal([s.portal('held')?.text, s.portal('plain')], ['DECLARE held CURSOR WITH HOLD FOR SELECT 1', undefined])
  s.declareCursor('h2', judged('DECLARE h2 CURSOR WITH HOLD FOR SELECT 1'), true)
  s.setPortal('p', judged('SELECT 2'))
  s.rolledBack()
  assert.equal([s.portal('held')?.text, s.portal('h2'), s.portal('p')?.text], ['DECLARE held CURSOR WITH HOLD FOR SELECT 1', undefined, 'SELECT 2'],
    'a cursor of an earlier transaction stays, and protocol portals are not cursors')
  s.declareCursor('b', judged('DECLARE b CURSOR FOR SELECT 1'), false)
  s.setPortal('b', judged('SELECT 3'))
  s.transactionEnded(undefined)
  assert.is(s.portal('b')?.text, 'SELECT 3', 'a Bind reusing the name made it a protocol portal')
})

test('portals a Bind made are forgotten when the transaction of the Sync or Query after them ends, not those bound later', () => {
  const s = new SessionStatements()
  s.bindPortal('a', judged('SELECT 1'))
  const first = s.boundary()
  s.bindPortal('b', judged('SELECT 2'))
  s.boundary()
  s.transactionEnded(first)
  assert.equal([s.portal('a'), s.portal('b')?.text], [undefined, 'SELECT 2'], 'b was bound after the first Sync, pipelined')
  const undo = s.bindPortal('c', judged('SELECT 3'))
  undo()
  s.transactionEnded(first + 5)
  assert.equal([s.portal('b'), s.portal('c')], [undefined, undefined])
})

test.run()
