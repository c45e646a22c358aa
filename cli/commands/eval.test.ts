import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { memoryIo } from '../io.ts'
import { main } from '../main.ts'
import type { Decision } from '../../engine/types.ts'

async function evalJson(...args: string[]): Promise<Decision> {
  const io = memoryIo()
  const code = await main(['eval', '--target', 'prod-db', '--as', 'cursor', '--group', 'agents', '--json', ...args], io)
  assert.is(code, 0, io.stderr)
  return JSON.parse(io.stdout) as Decision
}

test('DELETE without WHERE by an agent in production is denied', async () => {
  assert.is((await evalJson('--sql', 'DELETE FROM users')).effect, 'deny')
})

test('DELETE with WHERE is held for approval', async () => {
  const decision = await evalJson('--sql', 'DELETE FROM users WHERE id = 1')
  assert.is(decision.effect, 'approve')
  assert.ok(decision.obligations.approval?.approvers.includes('dba'))
})

test('SELECT email is allowed with a mask obligation covering email', async () => {
  const decision = await evalJson('--sql', 'SELECT email FROM users')
  assert.is(decision.effect, 'allow')
  const covers = decision.obligations.mask.some((m) => m.column !== undefined && new RegExp(`^${m.column.replace(/\*/g, '.*')}$`, 'i').test('email'))
  assert.ok(covers, JSON.stringify(decision.obligations.mask))
})

test('a Cloud Logging filter past the API\'s 20 000 characters is refused as the gateway refuses it, before the policy', async () => {
  const io = memoryIo()
  const body = JSON.stringify({ resourceNames: ['projects/p'], filter: `"${'a'.repeat(20_000)}"` })
  const code = await main(['eval', '--target', 'prod-gcp', '--as', 'bob', '--kind', 'human', '--json', '--http', 'POST https://logging.googleapis.com/v2/entries:list', '--body', body], io)
  assert.is(code, 0, io.stderr)
  const decision = JSON.parse(io.stdout) as Decision
  assert.is(decision.effect, 'deny')
  assert.equal(decision.reasons.map((r) => r.rule), ['warden.request_refused'])
  assert.match(decision.reasons[0]!.message, 'a Cloud Logging filter of 20002 characters is longer than the 20000 the Logging API accepts')
})

test('--explain prints the input document and the rules that fired', async () => {
  const io = memoryIo()
  assert.is(await main(['eval', '--target', 'prod-db', '--as', 'cursor', '--group', 'agents', '--explain', '--sql', 'DROP TABLE users'], io), 0)
  assert.match(io.stdout, /"statements"/)
  assert.match(io.stdout, /effect: deny/)
  assert.match(io.stdout, /rules fired:/)
})

test('usage errors exit 2 with a message', async () => {
  const missing = memoryIo()
  assert.is(await main(['eval', '--target', 'prod-db', '--sql', 'SELECT 1'], missing), 2)
  assert.match(missing.stderr, /--as SUBJECT/)
  const unknown = memoryIo()
  assert.is(await main(['eval', '--target', 'nope', '--as', 'x', '--sql', 'SELECT 1'], unknown), 2)
  assert.match(unknown.stderr, /unknown target "nope"/)
  const both = memoryIo()
  assert.is(await main(['eval', '--target', 'prod-db', '--as', 'x', '--sql', 'SELECT 1', '--http', 'GET https://x'], both), 2)
})

test('every command answers --help with exit 0', async () => {
  for (const command of ['build', 'test', 'check', 'eval']) {
    const io = memoryIo()
    assert.is(await main([command, '--help'], io), 0, command)
    assert.match(io.stdout, new RegExp(`usage: warden ${command}`))
  }
})

test.run()
