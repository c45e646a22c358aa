// mcpAnswer on real upstream responses (a node http server on loopback): each content type MCP servers send,
// compressed bodies, and the answers that must be withheld rather than forwarded.
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { HttpGatewayError } from './errors.ts'
import { mcpAnswer } from './mcp-answer.ts'
import { createMemoryToolRegistry, type McpResponseContext, type ProcessedMessages } from './mcp/index.ts'

let answer: (res: ServerResponse) => void = (res) => res.end()
const server = http.createServer((_req, res) => answer(res))
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`
test.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))

function upstream(respond: (res: ServerResponse) => void): Promise<IncomingMessage> {
  answer = respond
  return new Promise((resolve, reject) => http.get(url, resolve).on('error', reject))
}

function context(over: Partial<McpResponseContext> = {}): McpResponseContext {
  return {
    server: 'docs', request: { method: 'tools/call', id: 1 }, masks: [{ detector: 'all' }], maskKey: new Uint8Array(32),
    registry: createMemoryToolRegistry(), canCall: () => true, canRead: () => true, canReadNow: () => true,
    judgeServerRequest: () => ({ allow: false, decision: { reasons: [{ rule: 'r', message: 'no sampling' }] }, decisionId: 'dec_x' }),
    ...over,
  }
}

async function text(body: Uint8Array | Readable): Promise<string> {
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8')
  let out = ''
  for await (const chunk of body) out += Buffer.from(chunk as Uint8Array).toString('utf8')
  return out
}

const result = (t: string) => ({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: t }] } })

test('application/json (gzip): one message, decoded, masked, with its new length; cookies and upstream headers stay behind', async () => {
  const res = await upstream((r) => {
    r.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'set-cookie': 'a=b', server: 'x', 'mcp-session-id': 's1' })
    r.end(gzipSync(JSON.stringify(result('mail jane.doe@example.com'))))
  })
  const out = await mcpAnswer(res, context(), () => {})
  const body = await text(out.body)
  assert.not.ok(body.includes('jane.doe@example.com'), body)
  assert.is(out.masked(), 1)
  assert.equal(out.headers, { 'content-type': 'application/json', 'mcp-session-id': 's1', 'content-length': String(Buffer.byteLength(body)) })
})

test('header values are the server\'s text: masked, the type bare; a session id that would be masked withholds the answer', async () => {
  const res = await upstream((r) => {
    r.writeHead(200, { 'content-type': 'application/json; note="jane.doe@example.com"', 'cache-control': 'no-cache, x="jane.doe@example.com"', 'mcp-session-id': 's1' })
    r.end(JSON.stringify(result('ok')))
  })
  const out = await mcpAnswer(res, context(), () => {})
  assert.is(out.headers['content-type'], 'application/json')
  assert.not.ok(JSON.stringify(out.headers).includes('jane.doe@example.com'), JSON.stringify(out.headers))
  assert.is(out.headers['mcp-session-id'], 's1')
  const leaky = await upstream((r) => {
    r.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 'jane.doe@example.com:1' })
    r.end()
  })
  try {
    await mcpAnswer(leaky, context(), () => {})
    assert.unreachable('the answer was passed')
  } catch (err) {
    assert.instance(err, HttpGatewayError)
    assert.match((err as Error).message, /Mcp-Session-Id/)
  }
})

test('application/json that is not JSON-RPC is withheld: a 502, nothing forwarded', async () => {
  const res = await upstream((r) => { r.writeHead(200, { 'content-type': 'application/json' }); r.end('{"email":"jane.doe@example.com"}') })
  try {
    await mcpAnswer(res, context(), () => {})
    assert.unreachable('forwarded')
  } catch (err) {
    assert.instance(err, HttpGatewayError)
    assert.is((err as HttpGatewayError).status, 502)
    assert.is((err as HttpGatewayError).code, 'http.mcp_failed')
  }
})

test('a body under a near-miss type a lax client still reads as JSON or SSE (prefix, suffix, +json) is withheld', async () => {
  const sampling = { jsonrpc: '2.0', id: 9, method: 'sampling/createMessage', params: { messages: [] } }
  const types = ['application/jsonx', 'text/event-streamx', 'application/json-rpc', 'text/plain; x=text/event-stream', 'application/vnd.mcp+json', 'text/json']
  for (const type of types) {
    const res = await upstream((r) => { r.writeHead(200, { 'content-type': type }); r.end(`data: ${JSON.stringify(sampling)}\n\n`) })
    try {
      await mcpAnswer(res, context(), () => {})
      assert.unreachable(`forwarded under ${type}`)
    } catch (err) {
      assert.instance(err, HttpGatewayError, type)
      assert.is((err as HttpGatewayError).status, 502, type)
    }
  }
})

test('text/event-stream: a denied server request is dropped and posted back; results are masked as they flow', async () => {
  const sampling = { jsonrpc: '2.0', id: 9, method: 'sampling/createMessage', params: { messages: [] } }
  const res = await upstream((r) => {
    r.writeHead(200, { 'content-type': 'text/event-stream' })
    r.write(`event: message\nid: 1\ndata: ${JSON.stringify(sampling)}\n\n`)
    r.end(`event: message\ndata: ${JSON.stringify(result('jane.doe@example.com'))}\n\n`)
  })
  const seen: ProcessedMessages[] = []
  const out = await mcpAnswer(res, context(), (p) => seen.push(p))
  const body = await text(out.body)
  assert.not.ok(body.includes('sampling/createMessage'), body)
  assert.not.ok(body.includes('jane.doe@example.com'), body)
  assert.match(body, /"id":1/)
  const postBack = seen.flatMap((p) => p.postBack)
  assert.is(postBack.length, 1)
  assert.is(postBack[0]!.id, 9)
  assert.equal(seen.flatMap((p) => p.denied.map((d) => d.method)), ['sampling/createMessage'])
})

test('text/event-stream with a message that is not JSON-RPC: the stream is cut there, the rest never sent', async () => {
  const res = await upstream((r) => {
    r.writeHead(200, { 'content-type': 'text/event-stream' })
    r.write(`event: message\ndata: ${JSON.stringify(result('first'))}\n\n`)
    r.end('event: message\ndata: not json jane.doe@example.com\n\n')
  })
  const out = await mcpAnswer(res, context(), () => {})
  let got = ''
  try {
    for await (const chunk of out.body as Readable) got += Buffer.from(chunk as Uint8Array).toString('utf8')
    assert.unreachable('the stream ended normally')
  } catch (err) {
    assert.is((err as HttpGatewayError).code, 'http.mcp_failed')
  }
  assert.not.ok(got.includes('jane.doe@example.com'), got)
})

test('JSON-RPC under a type MCP does not use (text/plain, none, HTML) is withheld: its tools/list was never filtered nor fingerprinted', async () => {
  const listing = { jsonrpc: '2.0', id: 1, result: { tools: [{ name: 'drop_all', description: 'x', inputSchema: { type: 'object' } }] } }
  const sampling = { jsonrpc: '2.0', id: 9, method: 'sampling/createMessage', params: { messages: [] } }
  const bodies: Array<[string | undefined, string]> = [
    ['text/plain', JSON.stringify(listing)],
    ['text/plain; charset=utf-8', `\uFEFF\n [${JSON.stringify(listing)}]`],
    [undefined, JSON.stringify(listing)],
    ['text/html', `event: message\ndata: ${JSON.stringify(sampling)}\n\n`],
  ]
  for (const [type, body] of bodies) {
    const res = await upstream((r) => { r.writeHead(200, type ? { 'content-type': type } : {}); r.end(body) })
    const seen: ProcessedMessages[] = []
    try {
      await mcpAnswer(res, context({ request: { method: 'tools/list', id: 1 } }), (p) => seen.push(p))
      assert.unreachable(`forwarded under ${type}`)
    } catch (err) {
      assert.instance(err, HttpGatewayError, type)
      assert.is((err as HttpGatewayError).code, 'http.mcp_failed', type)
      assert.match((err as Error).message, 'JSON-RPC', type)
    }
  }
})

test('an empty body (202 Accepted) passes; other text gets the content detectors', async () => {
  const accepted = await mcpAnswer(await upstream((r) => { r.writeHead(202); r.end() }), context(), () => {})
  assert.is(await text(accepted.body), '')
  const plain = await mcpAnswer(await upstream((r) => { r.writeHead(400, { 'content-type': 'text/plain' }); r.end('no session for jane.doe@example.com') }), context(), () => {})
  const body = await text(plain.body)
  assert.ok(body.startsWith('no session for '), body)
  assert.not.ok(body.includes('jane.doe@example.com'), body)
})

const utf32 = (s: string, little: boolean) => {
  const points = [...s].map((c) => c.codePointAt(0)!)
  const b = Buffer.alloc(points.length * 4)
  points.forEach((p, i) => (little ? b.writeUInt32LE(p, i * 4) : b.writeUInt32BE(p, i * 4)))
  return b
}

test('an answer in UTF-16 or UTF-32 (by its byte-order mark, or a utf-32 charset) is decoded, masked and sent as UTF-8', async () => {
  const message = JSON.stringify(result('mail jane.doe@example.com'))
  const bodies: Array<[string, Buffer]> = [
    ['application/json', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(message, 'utf16le')])],
    ['application/json; charset=utf-16', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(message, 'utf16le').swap16()])],
    ['application/json', Buffer.concat([Buffer.from([0, 0, 0xfe, 0xff]), utf32(message, false)])],
    ['application/json; charset=utf-32le', utf32(message, true)],
  ]
  for (const [type, body] of bodies) {
    const out = await mcpAnswer(await upstream((r) => { r.writeHead(200, { 'content-type': type }); r.end(body) }), context(), () => {})
    const sent = await text(out.body)
    assert.equal(JSON.parse(sent).result.content[0].text, 'mail [email]', type)
    assert.is(out.headers['content-type'], 'application/json')
  }
  const plain = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('no session for jane.doe@example.com', 'utf16le')])
  const out = await mcpAnswer(await upstream((r) => { r.writeHead(400, { 'content-type': 'text/plain; charset=utf-16' }); r.end(plain) }), context(), () => {})
  assert.is(await text(out.body), 'no session for [email]')
  assert.is(out.headers['content-type'], 'text/plain; charset=utf-8')
})

test('an answer whose byte order is open, or whose mark contradicts its charset, is withheld; no unread byte is forwarded', async () => {
  const message = JSON.stringify(result('mail jane.doe@example.com'))
  const bodies: Array<[string, Buffer]> = [
    ['application/json; charset=utf-16le', Buffer.from(message, 'utf16le')],
    ['application/json; charset=utf-16be', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(message, 'utf16le')])],
    ['text/plain; charset=utf-16le', Buffer.from('mail jane.doe@example.com', 'utf16le')],
    ['text/plain; charset=utf-32be', Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), utf32('mail jane.doe@example.com', true)])],
    ['text/plain', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(message, 'utf16le')])],
  ]
  for (const [type, body] of bodies) {
    try {
      await mcpAnswer(await upstream((r) => { r.writeHead(200, { 'content-type': type }); r.end(body) }), context(), () => {})
      assert.unreachable(`forwarded under ${type}`)
    } catch (err) {
      assert.instance(err, HttpGatewayError, type)
      assert.is((err as HttpGatewayError).status, 502, type)
      assert.not.match((err as Error).message, 'jane.doe', type)
    }
  }
})

test('an event stream that is not UTF-8 (UTF-16 with its mark) is ended as withheld, nothing of it sent', async () => {
  const res = await upstream((r) => {
    r.writeHead(200, { 'content-type': 'text/event-stream' })
    r.end(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`data: ${JSON.stringify(result('jane.doe@example.com'))}\n\n`, 'utf16le')]))
  })
  const out = await mcpAnswer(res, context(), () => {})
  let got = ''
  try {
    for await (const chunk of out.body as Readable) got += Buffer.from(chunk as Uint8Array).toString('utf8')
    assert.unreachable('the stream ended normally')
  } catch (err) {
    assert.is((err as HttpGatewayError).code, 'http.mcp_failed')
    assert.match((err as Error).message, 'not UTF-8')
  }
  assert.is(got, '')
})

test('text under another type is said as UTF-8, the charset it was read and masked in: a client reading UTF-7 would read more', async () => {
  const out = await mcpAnswer(await upstream((r) => { r.writeHead(200, { 'content-type': 'text/plain; charset=utf-7' }); r.end('mail jane+AEA-example.com') }), context(), () => {})
  assert.is(out.headers['content-type'], 'text/plain; charset=utf-8')
})

test('a withheld answer names its content type masked and cut short: the type is the server\'s text', async () => {
  const listing = { jsonrpc: '2.0', id: 1, result: { tools: [] } }
  for (const type of ['application/json-rpc; owner=alice@example.com', 'text/plain; owner=alice@example.com', `text/plain; x=${'a'.repeat(4000)}`]) {
    const res = await upstream((r) => { r.writeHead(200, { 'content-type': type }); r.end(JSON.stringify(listing)) })
    try {
      await mcpAnswer(res, context({ request: { method: 'tools/list', id: 1 } }), () => {})
      assert.unreachable(`forwarded under ${type}`)
    } catch (err) {
      assert.is((err as HttpGatewayError).code, 'http.mcp_failed', type)
      assert.not.match((err as Error).message, 'alice@example.com')
      assert.ok((err as Error).message.length < 600, type.slice(0, 40))
    }
  }
})

test.run()
