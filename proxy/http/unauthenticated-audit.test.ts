// Anyone can send requests without a token, as fast as they like: the trail records the first of them in a window one
// by one and counts the rest (engine/audit/failure-tally.ts), on the reverse listener, the forward proxy and the
// PostgreSQL listener. Authenticated requests are recorded as before.
import { connect } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { FAILURES_PER_WINDOW } from '../../engine/audit/failure-tally.ts'
import { startHarness } from '../postgres/testing/harness.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'WEB_TOKEN' }, hosts: ['web.example.test'] } },
  ], { env: { WEB_TOKEN: 'web-upstream-token' } })
})
test.after(async () => g?.close())

const refusedRecords = () => g.te.audit.events.filter((e) => e.type === 'request' && (e.status === 401 || e.status === 407))

test(`300 requests without a token make at most ${FAILURES_PER_WINDOW} records per kind of refusal; an agent's request is still recorded`, async () => {
  const before = refusedRecords().length
  for (let i = 0; i < 100; i++) {
    assert.is((await fetch(`${g.reverse.url}/t/web/x${i}`)).status, 401)
    assert.is((await fetch(`${g.reverse.url}/t/web/x${i}`, { headers: { authorization: 'Bearer not-a-jwt' } })).status, 401)
  }
  for (let i = 0; i < 100; i++) {
    const head = await new Promise<string>((resolve, reject) => {
      const s = connect(g.proxy.address.port, '127.0.0.1', () => s.write('CONNECT web.example.test:443 HTTP/1.1\r\nHost: web.example.test:443\r\n\r\n'))
      s.on('error', reject)
      s.once('data', (d) => { resolve(d.toString('latin1')); s.destroy() })
    })
    assert.match(head, /^HTTP\/1\.1 407/)
  }
  const made = refusedRecords().length - before
  assert.ok(made <= 3 * FAILURES_PER_WINDOW, `${made} records`)
  assert.ok(made >= FAILURES_PER_WINDOW, `${made} records`)
  g.route = (_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok') }
  const ok = await fetch(`${g.reverse.url}/t/web/fine`, { headers: { authorization: `Bearer ${await g.agentToken()}` } })
  assert.is(ok.status, 200)
  await ok.text()
  assert.ok(g.te.audit.events.some((e) => e.type === 'request' && e.status === 200 && e.url !== undefined && String(e.url).includes('/fine')))
})

test('the counts are recorded when the listeners close', async () => {
  await g.close()
  const counted = g.te.audit.events.filter((e) => typeof e.suppressed === 'number').reduce((n, e) => n + (e.suppressed as number), 0)
  assert.is(counted + refusedRecords().filter((e) => e.suppressed === undefined).length, 300)
})

test(`PostgreSQL: 60 logins with a bad token make ${FAILURES_PER_WINDOW} records, and one that counts the rest at close`, async () => {
  const h = await startHarness()
  try {
    for (let i = 0; i < 60; i++) {
      const c = await h.client({ token: 'not-a-jwt' }).catch((e: Error) => e)
      assert.ok(c instanceof Error)
    }
    assert.is(h.te.audit.events.filter((e) => e.type === 'auth_failure').length, FAILURES_PER_WINDOW)
  } finally {
    await h.stop()
  }
  const all = h.te.audit.events.filter((e) => e.type === 'auth_failure')
  assert.is(all.at(-1)!.suppressed, 60 - FAILURES_PER_WINDOW)
})

test('CONNECTs with a malformed authority, refused before anyone is authenticated, are counted past the first ones too', async () => {
  const g2 = await startTestGateway(() => [])
  try {
    const refused = () => g2.te.audit.events.filter((e) => e.type === 'request' && e.method === 'CONNECT' && e.status === 400)
    for (let i = 0; i < 60; i++) {
      const head = await new Promise<string>((resolve, reject) => {
        const s = connect(g2.proxy.address.port, '127.0.0.1', () => s.write(`CONNECT bad..host${i}:443 HTTP/1.1\r\nHost: x\r\n\r\n`))
        s.on('error', reject)
        s.once('data', (d) => { resolve(d.toString('latin1')); s.destroy() })
      })
      assert.match(head, /^HTTP\/1\.1 400/, head.slice(0, 200))
    }
    assert.is(refused().length, FAILURES_PER_WINDOW)
  } finally {
    await g2.close()
  }
  assert.is(g2.te.audit.events.filter((e) => e.method === 'CONNECT' && e.status === 400).at(-1)!.suppressed, 60 - FAILURES_PER_WINDOW)
})

test.run()
