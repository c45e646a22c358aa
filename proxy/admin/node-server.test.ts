import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Agent, request } from 'node:http'
import { AdminServerError, MAX_BODY_BYTES, serveAdmin } from './node-server.ts'

const echo = async (req: Request): Promise<Response> => {
  if (new URL(req.url).pathname === '/boom') throw new Error('boom')
  const body = req.method === 'POST' ? await req.text() : ''
  return Response.json({ method: req.method, path: new URL(req.url).pathname, search: new URL(req.url).search, auth: req.headers.get('authorization'), body }, { status: 201, headers: { 'x-test': 'yes' } })
}

test('passes method, path, query, headers and body through, and writes status, headers and body back', async () => {
  const server = await serveAdmin(echo, { host: '127.0.0.1', port: 0 })
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    const res = await fetch(`${server.url}/v1/x?status=pending`, { method: 'POST', headers: { authorization: 'Bearer t' }, body: '{"a":1}' })
    assert.is(res.status, 201)
    assert.is(res.headers.get('x-test'), 'yes')
    assert.equal(await res.json(), { method: 'POST', path: '/v1/x', search: '?status=pending', auth: 'Bearer t', body: '{"a":1}' })
  } finally {
    await server.close()
  }
})

test('a throwing handler is a 500 JSON error and is reported; an oversized body is a 413', async () => {
  const errors: unknown[] = []
  const server = await serveAdmin(echo, { host: '127.0.0.1', port: 0, onError: (err) => errors.push(err) })
  try {
    const res = await fetch(`${server.url}/boom`)
    assert.is(res.status, 500)
    assert.is((await res.json()).error.code, 'admin.internal')
    assert.is((errors[0] as Error).message, 'boom')
    const big = await fetch(`${server.url}/x`, { method: 'POST', body: 'x'.repeat(MAX_BODY_BYTES + 1) })
    assert.is(big.status, 413)
  } finally {
    await server.close()
  }
})

test('close() returns while a keep-alive client connection is still open', async () => {
  const server = await serveAdmin(echo, { host: '127.0.0.1', port: 0 })
  await new Promise<void>((resolve) => {
    request(`${server.url}/`, { agent: new Agent({ keepAlive: true }) }, (res) => { res.resume(); res.on('end', resolve) }).end()
  })
  await server.close()
  const refused = await fetch(`${server.url}/`).then(() => false, () => true)
  assert.ok(refused)
})

test('a port in use is a coded error', async () => {
  const first = await serveAdmin(echo, { host: '127.0.0.1', port: 0 })
  try {
    await serveAdmin(echo, { host: '127.0.0.1', port: first.address.port }).then(() => assert.unreachable('listened twice'), (err) => {
      assert.instance(err, AdminServerError)
      assert.is(err.code, 'admin.listen')
    })
  } finally {
    await first.close()
  }
})

test.run()
