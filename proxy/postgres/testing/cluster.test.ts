// The test cluster picks its port before PostgreSQL binds it; test files run side by side, so another process
// may bind that port in between. The cluster then starts again on another port instead of failing the test.
import net from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { freePort, portTakenIn, retryWhenPortTaken, startCluster } from './cluster.ts'

test('a port another process bound first: the cluster starts on the next one it is given', async () => {
  const taken = net.createServer()
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
  const takenPort = (taken.address() as net.AddressInfo).port
  const given: number[] = []
  try {
    const cluster = await startCluster({ logStatements: false, port: async () => {
      given.push(given.length ? await freePort() : takenPort)
      return given.at(-1)!
    } })
    try {
      assert.is(given.length, 2, 'a second port after the taken one')
      assert.is(cluster.port, given[1])
      assert.equal(await cluster.query('SELECT 1 AS one'), [{ one: 1 }])
    } finally {
      await cluster.stop()
    }
  } finally {
    taken.close()
  }
})

test('only a port taken is tried again, and only so many times', async () => {
  const inUse = () => new Error('listen tcp 127.0.0.1:4001: bind: address already in use')
  let calls = 0
  assert.is(await retryWhenPortTaken(async () => (++calls < 3 ? Promise.reject(inUse()) : 'up')), 'up')
  assert.is(calls, 3)
  calls = 0
  try {
    await retryWhenPortTaken(async () => {
      calls++
      throw inUse()
    })
    assert.unreachable('gave up')
  } catch (err) {
    assert.match((err as Error).message, 'address already in use')
  }
  assert.is(calls, 3)
  calls = 0
  try {
    await retryWhenPortTaken(async () => {
      calls++
      throw new Error('initdb failed')
    })
    assert.unreachable('thrown')
  } catch (err) {
    assert.match((err as Error).message, 'initdb failed')
  }
  assert.is(calls, 1)
  assert.ok(portTakenIn('OSError: [Errno 98] Address already in use'), 'moto (Python)')
  assert.ok(portTakenIn('LOG:  could not bind IPv4 address "127.0.0.1": Address already in use'), 'PostgreSQL')
})

test.run()
