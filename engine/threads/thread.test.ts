import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Thread } from './thread.ts'

const module = new URL('./testing/echo-worker.ts', import.meta.url)

test('calls are answered with the handler value, in completion order', async () => {
  const t = new Thread({ module, name: 'echo' })
  const slow = t.call('later', ['slow', 50])
  const fast = t.call('echo', [{ a: [1, 2] }])
  const order: string[] = []
  await Promise.all([slow.then(() => order.push('slow')), fast.then(() => order.push('fast'))])
  assert.equal(order, ['fast', 'slow'])
  assert.equal(await fast, { a: [1, 2] })
  await t.close()
})

test('a handler error arrives with its code and message', async () => {
  const t = new Thread({ module, name: 'echo' })
  const err = await t.call('fail').catch((e: Error & { code?: string }) => e)
  assert.is((err as { code?: string }).code, 'fixture.failed')
  assert.is((err as Error).message, 'asked to fail')
  await t.close()
})

test('a module that cannot start fails start() with its error', async () => {
  const t = new Thread({ module, name: 'echo', data: { failStart: true } })
  const err = await t.start().catch((e: Error & { code?: string }) => e)
  assert.is((err as { code?: string }).code, 'fixture.failed')
  await t.close()
})

test('when the thread dies, calls in flight reject (thread.died) and the next call starts a new thread', async () => {
  const t = new Thread({ module, name: 'echo' })
  const pending = t.call('later', ['never', 10_000])
  const exit = t.call('exit')
  for (const p of [pending, exit]) {
    const err = await p.catch((e: Error & { code?: string }) => e)
    assert.is((err as { code?: string }).code, 'thread.died')
    assert.match((err as Error).message, /the echo thread exited with code 3/)
  }
  assert.is(await t.call('echo', ['again']), 'again')
  await t.close()
})

test('a closed thread refuses calls', async () => {
  const t = new Thread({ module, name: 'echo' })
  await t.call('echo', [1])
  await t.close()
  const err = await t.call('echo', [2]).catch((e: Error & { code?: string }) => e)
  assert.is((err as { code?: string }).code, 'thread.closed')
})

test.run()
