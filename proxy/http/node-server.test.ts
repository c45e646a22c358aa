// The node adapter's request signal: aborted when the client goes away before its response is finished, and
// left alone when the response was sent whole (node emits 'close' after every response).
import { PassThrough } from 'node:stream'
import { request } from 'undici'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type ClientGone, listenReverse } from './node-server.ts'
import type { GatewayRequest, GatewayResponse } from './types.ts'

const settle = () => new Promise((r) => setTimeout(r, 50))

test('a response sent whole leaves the signal alone; a client gone mid-response aborts it with disconnect', async () => {
  const seen: GatewayRequest[] = []
  const streams: PassThrough[] = []
  const listener = await listenReverse(async (req): Promise<GatewayResponse> => {
    seen.push(req)
    if (req.url === '/whole') return { status: 200, headers: { 'content-type': 'text/plain', 'content-length': '2' }, body: new TextEncoder().encode('ok') }
    const body = new PassThrough()
    streams.push(body)
    body.write('partial')
    return { status: 200, headers: { 'content-type': 'text/plain' }, body }
  }, { host: '127.0.0.1', port: 0 })
  try {
    for (let i = 0; i < 3; i++) {
      const res = await request(`${listener.url}/whole`)
      assert.is(await res.body.text(), 'ok')
    }
    const stream = new AbortController()
    const res = await request(`${listener.url}/stream`, { signal: stream.signal })
    assert.is(res.statusCode, 200)
    stream.abort()
    await res.body.text().catch(() => undefined)
    for (let i = 0; i < 40 && !seen[3]?.signal?.aborted; i++) await settle()
    await settle()
    assert.equal(seen.slice(0, 3).map((r) => r.signal!.aborted), [false, false, false], 'whole responses: not aborted')
    assert.is(seen[3]!.signal!.aborted, true, 'the client went away mid-response')
    assert.is(seen[3]!.signal!.reason, 'disconnect')
  } finally {
    for (const s of streams) s.destroy()
    await listener.close()
  }
})

test('the signal is made only when asked for, and then tells what the emitter told; undici takes the emitter as its signal', async () => {
  const seen: GatewayRequest[] = []
  const upstream = await listenReverse(async () => new Promise<GatewayResponse>(() => undefined), { host: '127.0.0.1', port: 0 })
  let upstreamAbort: unknown
  const listener = await listenReverse(async (req): Promise<GatewayResponse> => {
    seen.push(req)
    // A request to an upstream that never answers, cancelled by the emitter alone.
    await request(`${upstream.url}/never`, { signal: req.gone }).catch((err: unknown) => (upstreamAbort = err))
    return { status: 200, headers: {} }
  }, { host: '127.0.0.1', port: 0 })
  try {
    const client = new AbortController()
    const pending = request(`${listener.url}/slow`, { signal: client.signal }).catch(() => undefined)
    for (let i = 0; i < 40 && !seen.length; i++) await settle()
    const gone = seen[0]!.gone as ClientGone
    assert.is((gone as unknown as { controller?: AbortController }).controller, undefined, 'no AbortController until the signal is read')
    client.abort()
    await pending
    for (let i = 0; i < 40 && !upstreamAbort; i++) await settle()
    assert.ok(gone.aborted)
    assert.is(gone.reason, 'disconnect')
    assert.is(upstreamAbort, 'disconnect', 'the upstream request was cancelled with the reason')
    const signal = seen[0]!.signal!
    assert.is(signal.aborted, true, 'a signal made after the client left is aborted at once')
    assert.is(signal.reason, 'disconnect')
    assert.ok(seen[0]!.signal === signal, 'one signal per request')
  } finally {
    await listener.close()
    await upstream.close()
  }
})

test('headers node will not write (Trailer with a Content-Length) get a 502 naming why, and the listener keeps serving', async () => {
  const body = new PassThrough()
  const listener = await listenReverse(async (req): Promise<GatewayResponse> => {
    if (req.url === '/whole') return { status: 200, headers: { 'content-type': 'application/json', trailer: 'x-checksum', 'content-length': '2' }, body: new TextEncoder().encode('{}') }
    if (req.url === '/stream') return { status: 200, headers: { 'content-type': 'text/plain', 'bad\nname': 'x' }, body }
    return { status: 200, headers: { 'content-type': 'text/plain', 'content-length': '2' }, body: new TextEncoder().encode('ok') }
  }, { host: '127.0.0.1', port: 0 })
  try {
    for (const path of ['/whole', '/stream']) {
      const res = await request(`${listener.url}${path}`)
      const text = await res.body.text()
      assert.is(res.statusCode, 502, `${path}: ${text}`)
      assert.match(JSON.parse(text).error, 'http.bad_upstream_answer')
    }
    assert.ok(body.destroyed, 'the body nobody will read is let go')
    const ok = await request(`${listener.url}/fine`)
    assert.is(await ok.body.text(), 'ok')
  } finally {
    await listener.close()
  }
})

test.run()
