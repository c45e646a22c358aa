import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { gunzipSync, gzipSync } from 'node:zlib'
import { MAX_MASKED_BYTES } from '../mask-response.ts'
import { McpError } from './errors.ts'
import { maskRpcMessage } from './mask.ts'

const key = new Uint8Array(32)
const masks = [{ detector: 'all' }]

test('a tool result is masked by the content detectors; the envelope is not', () => {
  const message = { jsonrpc: '2.0', id: 1234567890, result: { content: [{ type: 'text', text: 'owner: jane.doe@example.com' }] } }
  const out = maskRpcMessage(message, masks, key)
  assert.is(out.masked, 1)
  assert.is(out.message.id, 1234567890)
  const text = (out.message.result as any).content[0].text as string
  assert.not.ok(text.includes('jane.doe@example.com'))
  assert.ok(text.startsWith('owner: '))
  assert.is((message.result.content[0] as any).text, 'owner: jane.doe@example.com')
})

test('what a path rule masks is masked wherever the result repeats it: content\'s JSON text, structuredContent, a blob, base64', () => {
  const summary = 'sunny in Oslo\nwind from the north-west'
  const structured = { summary, lines: summary.split('\n') }
  const result = { content: [
    { type: 'text', text: JSON.stringify(structured) },
    { type: 'text', text: `encoded: ${Buffer.from(summary).toString('base64')}` },
    { type: 'resource', resource: { uri: 'mem://report', blob: Buffer.from(`report: ${summary}`).toString('base64') } },
    { type: 'text', text: 'unrelated: rain tomorrow' },
  ], structuredContent: structured }
  const out = maskRpcMessage({ jsonrpc: '2.0', id: 1, result }, [{ path: 'result.structuredContent.summary' }], key)
  const r = out.message.result as any
  assert.is(r.structuredContent.summary, '[redacted]')
  assert.equal(r.structuredContent.lines, ['[redacted]', '[redacted]'])
  assert.equal(r.content.map((c: any) => c.text ?? Buffer.from(c.resource.blob, 'base64').toString()), ['[redacted]', '[redacted]', '[redacted]', 'unrelated: rain tomorrow'])
  assert.is(out.masked, 6)
  // The other way: content masked by path, structuredContent repeating it.
  const back = maskRpcMessage({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: summary }], structuredContent: { report: summary, n: 1 } } }, [{ path: 'result.content' }], key)
  assert.equal((back.message.result as any).structuredContent, { report: '[redacted]', n: 1 })
  // No path rule, or nothing it masks repeated: as before.
  const plain = { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'kept text' }], structuredContent: { a: 'other' } } }
  assert.equal(maskRpcMessage(plain, [{ path: 'result.structuredContent.a' }], key).message, { ...plain, result: { ...plain.result, structuredContent: { a: '[redacted]' } } })
})

test('base64 text (a resource blob, text served as an image) is masked as the text it encodes; binary is kept', () => {
  const b64 = (t: string | Buffer) => Buffer.from(t).toString('base64')
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe])
  const message = { jsonrpc: '2.0', id: 1, result: { contents: [
    { uri: 'file:///a.txt', mimeType: 'text/plain', blob: b64('owner: jane.doe@example.com') },
    { uri: 'file:///b.png', mimeType: 'image/png', blob: b64(png) },
    { uri: 'file:///c', blob: 'not base64!' },
  ], content: [{ type: 'image', mimeType: 'image/png', data: b64('key AKIAIOSFODNN7EXAMPLE') }] } }
  const out = maskRpcMessage(message, masks, key)
  const r = out.message.result as any
  const text = Buffer.from(r.contents[0].blob, 'base64').toString('utf8')
  assert.ok(text.startsWith('owner: '), text)
  assert.not.ok(text.includes('jane.doe@example.com'), text)
  assert.is(r.contents[1].blob, b64(png))
  assert.is(r.contents[2].blob, 'not base64!')
  assert.not.ok(Buffer.from(r.content[0].data, 'base64').toString('utf8').includes('AKIAIOSFODNN7EXAMPLE'))
  assert.is(out.masked, 2)
  assert.is(message.result.contents[0]!.blob, b64('owner: jane.doe@example.com'))
})

test('base64 that is not UTF-8 is read as UTF-16 by its mark, else as Latin-1; written back in its encoding and alphabet, binary byte for byte', () => {
  const latin1 = Buffer.from('Ren\u00e9;jane.doe@example.com;\u00ff', 'latin1')
  const utf16be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('owner jane.doe@example.com', 'utf16le').swap16()])
  const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x80, 0x0d, 0x0a])
  // base64url: `-` and `_`, which Buffer (and so a Node client) reads as base64 too.
  const url = Buffer.from('??>owner jane.doe@example.com').toString('base64url')
  const message = { jsonrpc: '2.0', id: 1, result: { contents: [
    { uri: 'a', blob: latin1.toString('base64') },
    { uri: 'b', blob: utf16be.toString('base64') },
    { uri: 'c', blob: binary.toString('base64') },
    { uri: 'd', blob: url },
  ] } }
  const r = maskRpcMessage(message, masks, key).message.result as any
  const [a, b, c, d] = r.contents.map((x: { blob: string }) => x.blob)
  const readA = Buffer.from(a, 'base64').toString('latin1')
  assert.ok(readA.startsWith('Ren\u00e9;') && readA.endsWith(';\u00ff'), readA)
  assert.not.ok(readA.includes('jane.doe@example.com'), readA)
  const readB = Buffer.from(Buffer.from(b, 'base64')).swap16().toString('utf16le')
  assert.ok(readB.startsWith('\ufeffowner '), readB)
  assert.not.ok(readB.includes('jane.doe@example.com'), readB)
  assert.is(c, binary.toString('base64'))
  assert.ok(/^[A-Za-z0-9_-]+$/.test(d), d)
  assert.not.ok(Buffer.from(d, 'base64url').toString('utf8').includes('jane.doe@example.com'))
})

test('errors and notification params are masked; progress tokens and request ids are kept only when the client chose them', () => {
  const err = maskRpcMessage({ jsonrpc: '2.0', id: 1, error: { code: 1, message: 'bad card 4111 1111 1111 1111' } }, masks, key)
  assert.not.ok(JSON.stringify(err.message).includes('4111 1111 1111 1111'))
  const progress = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 4111111111111111, requestId: 'jane@example.com', message: 'mail jane@example.com', _meta: { progressToken: 4111111111111111 } } }
  const own = maskRpcMessage(progress, masks, key, [4111111111111111, 'jane@example.com']).message.params as any
  assert.is(own.progressToken, 4111111111111111)
  assert.is(own.requestId, 'jane@example.com')
  assert.is(own._meta.progressToken, 4111111111111111)
  assert.not.ok(own.message.includes('jane@example.com'))
  // Chosen by the server: content like any other.
  const theirs = maskRpcMessage(progress, masks, key).message.params as any
  assert.not.ok(JSON.stringify(theirs).includes('jane@example.com') || JSON.stringify(theirs).includes('4111111111111111'), JSON.stringify(theirs))
})

test('the detectors scan a server\'s id and method; the id of the request answered is kept', () => {
  const request = maskRpcMessage({ jsonrpc: '2.0', id: 'ask jane@example.com', method: 'ping' }, masks, key)
  assert.not.ok(JSON.stringify(request.message).includes('jane@example.com'))
  assert.is(request.message.method, 'ping')
  const note = maskRpcMessage({ jsonrpc: '2.0', method: 'notifications/jane@example.com' }, masks, key)
  assert.not.ok(String(note.message.method).includes('jane@example.com'))
  const answer = maskRpcMessage({ jsonrpc: '2.0', id: 'jane@example.com', result: {} }, masks, key, ['jane@example.com'])
  assert.is(answer.message.id, 'jane@example.com')
})

test('members outside JSON-RPC\'s own are dropped; params by position (an array) or a string are masked too', () => {
  const extra = maskRpcMessage({ jsonrpc: '2.0', id: 1, result: { ok: true }, debug: 'jane.doe@example.com', 'jane.doe@example.com': 1 }, masks, key)
  assert.equal(extra.message, { jsonrpc: '2.0', id: 1, result: { ok: true } })
  const positional = maskRpcMessage({ jsonrpc: '2.0', method: 'notifications/message', params: ['mail jane.doe@example.com', { to: 'jane.doe@example.com' }] }, masks, key)
  assert.not.ok(JSON.stringify(positional.message).includes('jane.doe@example.com'), JSON.stringify(positional.message))
  assert.is(positional.masked, 2)
  const text = maskRpcMessage({ jsonrpc: '2.0', method: 'notifications/message', params: 'mail jane.doe@example.com' }, masks, key)
  assert.not.ok(String(text.message.params).includes('jane.doe@example.com'))
})

test('a gzip blob (a rotated log) is masked as the text it inflates to and compressed again, one with nothing masked too', () => {
  const log = gzipSync('2026-12-01 login ok for jane.doe@example.com\n')
  const quiet = gzipSync('2026-12-01 nothing to report\n')
  const binary = gzipSync(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]))
  const message = { jsonrpc: '2.0', id: 1, result: { contents: [
    { uri: 'file:///var/log/app.log.2.gz', mimeType: 'application/gzip', blob: log.toString('base64') },
    { uri: 'file:///var/log/app.log.3.gz', blob: quiet.toString('base64') },
    { uri: 'file:///img.png.gz', blob: binary.toString('base64url') },
  ] } }
  const out = maskRpcMessage(message, masks, key)
  const [masked, kept, image] = (out.message.result as any).contents
  const text = gunzipSync(Buffer.from(masked.blob, 'base64')).toString('utf8')
  assert.not.ok(text.includes('jane.doe@example.com'), text)
  assert.ok(text.startsWith('2026-12-01 login ok for '), text)
  assert.is(gunzipSync(Buffer.from(kept.blob, 'base64')).toString('utf8'), '2026-12-01 nothing to report\n')
  assert.is(image.blob, binary.toString('base64url'))
  assert.is(out.masked, 1)
})

// Bytes gunzip never inflates went out as they came: after a member a NUL byte ends what zlib reads and anything may
// follow. And bytes with the gzip magic that do not inflate were skipped, text behind the two bytes unread.
test('a gzip blob never goes out with bytes gunzip skips; bytes with the gzip magic that do not inflate are read as bytes', () => {
  const trailing = Buffer.concat([gzipSync('2026-12-01 nothing to report\n'), Buffer.from('\0owner jane.doe@example.com\n')])
  const fake = Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('owner jane.doe@example.com')])
  const message = { jsonrpc: '2.0', id: 1, result: { contents: [
    { uri: 'file:///var/log/app.log.4.gz', blob: trailing.toString('base64') },
    { uri: 'file:///var/log/app.log.5.gz', blob: fake.toString('base64') },
  ] } }
  const out = maskRpcMessage(message, masks, key)
  for (const item of (out.message.result as any).contents) assert.not.ok(Buffer.from(item.blob, 'base64').toString('latin1').includes('jane.doe@example.com'), item.uri)
})

test('a gzip blob that inflates past what the gateway masks withholds the answer', () => {
  const bomb = gzipSync(Buffer.alloc(MAX_MASKED_BYTES + 1, 'a'))
  const message = { jsonrpc: '2.0', id: 1, result: { contents: [{ uri: 'file:///big.gz', blob: bomb.toString('base64') }] } }
  assert.throws(() => maskRpcMessage(message, masks, key), (err: unknown) => err instanceof McpError && err.code === 'mcp.mask_failed' && /inflates to more than/.test(err.message))
})

test('a gzip blob that is truncated or followed by other bytes (gunzip still gives its text) withholds the answer', () => {
  const log = gzipSync('2026-12-01 login ok for jane.doe@example.com\n')
  for (const blob of [log.subarray(0, log.length - 8), Buffer.concat([log, Buffer.from('garbage')])]) {
    const message = { jsonrpc: '2.0', id: 1, result: { contents: [{ uri: 'file:///var/log/app.log.gz', blob: blob.toString('base64') }] } }
    assert.throws(() => maskRpcMessage(message, masks, key), (err: unknown) => err instanceof McpError && err.code === 'mcp.mask_failed' && /does not inflate whole/.test(err.message))
  }
  // Bytes that only start like gzip (no deflate method) are binary, left as they are.
  const odd = Buffer.from([0x1f, 0x8b, 0x00, 0x01, 0x02])
  const message = { jsonrpc: '2.0', id: 1, result: { contents: [{ uri: 'file:///x.bin', blob: odd.toString('base64') }] } }
  assert.is((maskRpcMessage(message, masks, key).message.result as any).contents[0].blob, odd.toString('base64'))
})

test('no masks: the message is returned as is', () => {
  const message = { jsonrpc: '2.0', id: 1, result: { text: 'jane@example.com' } }
  assert.is(maskRpcMessage(message, [], key).message, message)
})

test('path obligations are read from the message root; the envelope cannot be masked by path', () => {
  const message = { jsonrpc: '2.0', id: 3, result: { structuredContent: { email: 'a@b.example', plan: 'pro' } } }
  const out = maskRpcMessage(message, [{ path: 'result.structuredContent.email' }, { path: 'id' }], key)
  const content = (out.message.result as any).structuredContent
  assert.is.not(content.email, 'a@b.example')
  assert.is(content.plan, 'pro')
  assert.is(out.message.id, 3)
  const note = maskRpcMessage({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } }, [{ path: 'params.data' }], key)
  assert.is.not((note.message.params as any).data, 'x')
  assert.is((note.message.params as any).level, 'info')
})

// Each string was checked against each masked value (text.includes per value): 12,000 rows took 7.6 s on the socket
// thread, 20,000 about 21 s. Following is now counted (contained.ts MAX_WORK) and an answer past the count is withheld:
// the check is that 20,000 rows come back masked, not withheld (speed belongs to benchmarks, not tests).
test('what a path rule masks in 20,000 rows is followed through the answer in one pass, not value by string', () => {
  const rows = Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `user${i}`, email: `user${i}@example.com`, team: 'platform' }))
  const message = { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: JSON.stringify({ rows }) }], structuredContent: { rows } } }
  const out = maskRpcMessage(message, [{ path: 'result.structuredContent.rows.*.email' }], key)
  assert.not.ok(JSON.stringify(out.message).includes('user19999@example.com'))
  assert.is((out.message.result as any).structuredContent.rows[19999].name, 'user19999')
})

test.run()
