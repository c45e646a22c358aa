import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Target } from '../../types.ts'
import { garbageRequests } from '../garbage-requests.ts'
import { normalizeHttp } from '../http.ts'
import { normalize } from '../index.ts'
import { parseJsonText } from '../../obligations/mask/json-numbers.ts'
import { canonicalJson } from './canonical-json.ts'
import { type McpJudgeContext, normalizeMcp } from './normalize.ts'

const target: Target = { name: 'prod-mcp', kind: 'mcp', environment: 'production', labels: {} }

function post(body: unknown, mcp?: McpJudgeContext, t: Target = target) {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  return normalize({ kind: 'http', request: { method: 'POST', url: 'https://mcp.example.com/mcp', headers: { 'content-type': 'application/json' }, body: text }, mcp }, t)
}

const call = (name: string, args: unknown = { q: 'x' }, id: number | string = 1) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } })

test('tools/call: server, method, tool, arguments and id; an unlisted tool is unseen', () => {
  const { command, risk } = post(call('read_docs', { topic: 'setup' }, 7))
  assert.equal(command.protocol, 'mcp')
  assert.equal(command.mcp, { server: 'prod-mcp', direction: 'client', kind: 'request', method: 'tools/call', id: 7, tool: 'read_docs', arguments: { topic: 'setup' }, tool_status: 'unseen', tool_changed: false })
  assert.equal(command.raw, 'mcp prod-mcp tools/call read_docs')
  assert.equal(command.http?.method, 'POST')
  assert.equal(risk.level, 'high')
})

test('the server id comes from the target label mcp_server when configured', () => {
  const { command } = post(call('x'), undefined, { ...target, labels: { mcp_server: 'github' } })
  assert.equal(command.mcp?.server, 'github')
})

test('the registry view reaches the command: a changed tool is flagged with its current fingerprint', () => {
  const { command, risk } = post(call('deploy'), { tools: { deploy: { status: 'changed', fingerprint: 'abc' } } })
  assert.equal(command.mcp?.tool_status, 'changed')
  assert.equal(command.mcp?.tool_changed, true)
  assert.equal(command.mcp?.tool_fingerprint, 'abc')
  assert.ok(risk.score >= 75)
})

test('digest and fingerprint ignore the JSON-RPC id; digest follows arguments; both follow the tool definition', () => {
  const a = post(call('deploy', { v: 1 }, 1)).command
  const b = post(call('deploy', { v: 1 }, 'other')).command
  const c = post(call('deploy', { v: 2 }, 1)).command
  const d = post(call('deploy', { v: 1 }, 1), { tools: { deploy: { status: 'changed', fingerprint: 'new' } } }).command
  assert.is(a.digest, b.digest)
  assert.is.not(a.digest, c.digest)
  assert.is(a.fingerprint, c.fingerprint)
  assert.is.not(a.digest, d.digest)
  assert.is.not(a.fingerprint, d.fingerprint)
  // A grant given before the server's instructions (or the prompt, resource named) changed does not cover the call after.
  const e = post(call('deploy', { v: 1 }, 1), { changed: [{ kind: 'instructions', name: 'instructions', fingerprint: 'f' }] }).command
  assert.is.not(a.digest, e.digest)
  assert.is.not(a.fingerprint, e.fingerprint)
})

test('the digest covers the whole params (_meta, extra fields) but the progress token', () => {
  const with_ = (params: Record<string, unknown>) => post({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'deploy', arguments: { v: 1 }, ...params } }).command
  const base = with_({ _meta: { progressToken: 1, 'x/dry_run': true } })
  assert.is(with_({ _meta: { progressToken: 'other', 'x/dry_run': true } }).digest, base.digest)
  assert.is.not(with_({ _meta: { progressToken: 1, 'x/dry_run': false } }).digest, base.digest)
  assert.is.not(with_({ _meta: { progressToken: 1, 'x/dry_run': true }, task: { ttl: 1 } }).digest, base.digest)
  assert.is(with_({ task: { ttl: 1 } }).fingerprint, base.fingerprint)
})

test('requests, notifications and responses are told apart', () => {
  assert.equal(post({ jsonrpc: '2.0', id: 1, method: 'tools/list' }).command.mcp?.kind, 'request')
  assert.equal(post({ jsonrpc: '2.0', method: 'notifications/initialized' }).command.mcp, { server: 'prod-mcp', direction: 'client', kind: 'notification', method: 'notifications/initialized' })
  assert.equal(post({ jsonrpc: '2.0', id: 'r1', result: {} }).command.mcp, { server: 'prod-mcp', direction: 'client', kind: 'response', id: 'r1' })
  assert.equal(post({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'file:///etc/passwd' } }).command.mcp?.uri, 'file:///etc/passwd')
  assert.equal(post({ jsonrpc: '2.0', id: 1, method: 'prompts/get', params: { name: 'review' } }).command.mcp?.prompt, 'review')
  const complete = (ref: unknown) => post({ jsonrpc: '2.0', id: 1, method: 'completion/complete', params: { ref, argument: { name: 'a', value: '' } } }).command.mcp
  assert.is(complete({ type: 'ref/prompt', name: 'review' })?.prompt, 'review')
  assert.is(complete({ type: 'ref/resource', uri: 'file:///etc/{name}' })?.uri, 'file:///etc/{name}')
})

test('GET opens the stream and DELETE ends the session; other HTTP methods are parse errors', () => {
  const req = (method: string) => normalize({ kind: 'http', request: { method, url: 'https://mcp.example.com/mcp' } }, target).command.mcp
  assert.equal(req('GET'), { server: 'prod-mcp', direction: 'client', kind: 'transport', method: 'transport/open_stream' })
  assert.equal(req('DELETE')?.method, 'transport/end_session')
  assert.match(req('PUT')?.parse_error ?? '', /not PUT/)
})

test('malformed JSON-RPC is a parse error, never a guess', () => {
  const cases: Array<[unknown, RegExp]> = [
    ['{not json', /does not parse as JSON/],
    ['', /body is empty/],
    [[call('a'), call('b')], /batches are not accepted/],
    ['"text"', /must be a JSON object/],
    [{ id: 1, method: 'tools/list' }, /jsonrpc must be "2.0"/],
    [{ jsonrpc: '2.0', id: { x: 1 }, method: 'ping' }, /id must be a string or a number/],
    [{ jsonrpc: '2.0', id: null, method: 'ping' }, /must not be null/],
    [{ jsonrpc: '2.0', id: 1, method: '' }, /non-empty string/],
    [{ jsonrpc: '2.0', id: 1, method: 'ping', result: {} }, /both a request and a response/],
    [{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: [1] }, /must be an object/],
    [{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: {} }, /needs params.name/],
    [{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', arguments: 'rm -rf' } }, /arguments must be an object/],
    [{ jsonrpc: '2.0', id: 1, method: 'resources/read', params: {} }, /needs params.uri/],
    [{ jsonrpc: '2.0', id: 1, method: 'prompts/get', params: {} }, /needs params.name/],
    [{ jsonrpc: '2.0', id: 1, method: 'completion/complete', params: { ref: { type: 'ref/tool', name: 'x' } } }, /needs params.ref/],
    [{ jsonrpc: '2.0', id: 1, method: 'completion/complete', params: {} }, /needs params.ref/],
    [{ jsonrpc: '2.0' }, /needs a method/],
    [{ jsonrpc: '2.0', id: 1 }, /exactly one of result and error/],
    ['{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"drop\\ud800_db","arguments":{}}}', /lone UTF-16 surrogate/],
    ['{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_docs","arguments":{"\\udc00":"x"}}}', /lone UTF-16 surrogate/],
  ]
  for (const [body, message] of cases) {
    const { command, risk } = post(body)
    assert.match(command.mcp?.parse_error ?? '', message, JSON.stringify(body))
    assert.ok(risk.score >= 60)
  }
})

test('a resource URI is judged only in its canonical form: other spellings of it are parse errors naming the canonical one', () => {
  const read = (uri: string) => post({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri } }).command.mcp
  for (const uri of ['file:///etc/passwd', 'mem://notes', 'db://customers/1', 'urn:isbn:123', 'https://example.com/a?b=%20c']) assert.is(read(uri)?.parse_error, undefined, uri)
  for (const [uri, want] of [
    ['file:///tmp/../etc/passwd', /send "file:\/\/\/etc\/passwd"/],
    ['FILE:///etc/passwd', /send "file:\/\/\/etc\/passwd"/],
    ['file://localhost/etc/passwd', /send "file:\/\/\/etc\/passwd"/],
    ['file:///%65tc/passwd', /send "file:\/\/\/etc\/passwd"/],
    ['file:///tmp/%2e%2e/etc/passwd', /send "file:\/\/\/etc\/passwd"/],
    ['file:///etc%2fpasswd', /percent-encoded slash/],
    ['file:////etc/passwd', /send "file:\/\/\/etc\/passwd"/],
    ['file:///etc//app/secrets.env', /send "file:\/\/\/etc\/app\/secrets.env"/],
    ['mem://notes//a', /send "mem:\/\/notes\/a"/],
    ['file://127.0.0.1/etc/passwd', /names a host/],
    ['file://fileserver/share/a', /names a host/],
    ['file:///etc%5Cpasswd', /percent-encoded slash/],
    ['etc/passwd', /not an absolute URI/],
  ] as const) assert.match(read(uri)?.parse_error ?? '', want, uri)
  const sub = post({ jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri: 'file:///a/./b' } }).command.mcp
  assert.match(sub?.parse_error ?? '', /canonical/)
})

test('a file: URI through a process\'s view of the file system (/proc/<pid>/root, cwd, fd; /dev/fd) is refused', () => {
  const read = (uri: string) => post({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri } }).command.mcp
  for (const uri of ['file:///proc/self/root/etc/passwd', 'file:///proc/42/root', 'file:///proc/thread-self/cwd/x', 'file:///proc/self/fd/3', 'file:///dev/fd/3', 'file:///dev/stdin', 'file:///proc/self/task/7/root/etc']) {
    assert.match(read(uri)?.parse_error ?? '', /process's view/, uri)
  }
  for (const uri of ['file:///proc/cpuinfo', 'file:///proc/self/status', 'file:///devices/fd', 'mem:///proc/self/root']) assert.is(read(uri)?.parse_error, undefined, uri)
})

test('a file: URI naming a process\'s environment, command line or memory (/proc/<pid>/environ) is refused', () => {
  const read = (uri: string) => post({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri } }).command.mcp
  for (const uri of ['file:///proc/self/environ', 'file:///proc/1/environ', 'file:///proc/thread-self/cmdline', 'file:///proc/self/mem', 'file:///PROC/SELF/ENVIRON', 'file:///proc//self/environ']) {
    assert.match(read(uri)?.parse_error ?? '', /environment, command line or memory/, uri)
  }
  for (const uri of ['file:///proc/self/status', 'file:///srv/proc/self/environ.md', 'file:///proc/self/environ/x']) assert.not.match(read(uri)?.parse_error ?? '', /environment/, uri)
  const complete = (uri: string) => post({ jsonrpc: '2.0', id: 1, method: 'completion/complete', params: { ref: { type: 'ref/resource', uri }, argument: { name: 'pid', value: '' } } }).command.mcp
  assert.match(complete('file:///proc/{pid}/environ')?.parse_error ?? '', /environment/)
})

test('completion/complete judges a resource template only in its canonical form, expressions kept', () => {
  const complete = (uri: string) => post({ jsonrpc: '2.0', id: 1, method: 'completion/complete', params: { ref: { type: 'ref/resource', uri }, argument: { name: 'a', value: '' } } }).command.mcp
  for (const uri of ['file:///etc/{name}', 'file:///{a}/{b}{?q}', 'db://customers/{id}']) assert.is(complete(uri)?.parse_error, undefined, uri)
  assert.match(complete('file:///tmp/../etc/{name}')?.parse_error ?? '', /send "file:\/\/\/etc\/\{name\}"/)
  assert.match(complete('FILE:///etc/{+path}')?.parse_error ?? '', /send "file:\/\/\/etc\/\{\+path\}"/)
  assert.match(complete('file:///etc/{name')?.parse_error ?? '', /unmatched brace/)
  assert.match(complete('file:///proc/self/root/etc/{f}')?.parse_error ?? '', /process's view/)
})

test('changed definitions the proxy found are carried on the methods that act on them, and on no other', () => {
  const changed = [{ kind: 'instructions' as const, name: 'instructions', fingerprint: 'f' }]
  for (const m of [call('read_docs'), { jsonrpc: '2.0', id: 1, method: 'prompts/get', params: { name: 'p' } }, { jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'mem://a' } }]) {
    assert.equal(post(m, { changed }).command.mcp?.changed_definitions, changed, JSON.stringify(m))
  }
  assert.is(post({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, { changed }).command.mcp?.changed_definitions, undefined)
  assert.is(post(call('read_docs'), { changed: [] }).command.mcp?.changed_definitions, undefined)
  assert.is(post(call('read_docs'), { direction: 'server', changed }).command.mcp?.changed_definitions, undefined)
})

test('a server→client request is judged with direction server and no HTTP part', () => {
  const { command, risk } = post({ jsonrpc: '2.0', id: 3, method: 'sampling/createMessage', params: { messages: [] } }, { direction: 'server' })
  assert.equal(command.mcp, { server: 'prod-mcp', direction: 'server', kind: 'request', method: 'sampling/createMessage', id: 3 })
  assert.is(command.http, undefined)
  assert.is(command.raw, 'mcp prod-mcp server→client sampling/createMessage')
  assert.is(risk.level, 'high')
})

test('canonical JSON sorts keys at every depth and drops undefined members', () => {
  assert.is(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: undefined }], c: 'x' } }), '{"a":{"c":"x","d":[1,{"z":0}]},"b":1}')
  assert.is(canonicalJson(undefined), 'null')
  // A number read with its text kept (json-numbers.ts) is written as that text.
  const doc = parseJsonText('{"b":12345678901234567891,"a":1}').doc
  assert.is(canonicalJson(doc), '{"a":1,"b":12345678901234567891}')
  assert.is.not(canonicalJson(doc), canonicalJson(parseJsonText('{"b":12345678901234567892,"a":1}').doc))
})

test('garbage requests never throw and never pass as a message', () => {
  for (const request of garbageRequests) {
    // Through the HTTP parse and the MCP normalizer, as the kubernetes and cloud normalizer tests do.
    const mcp = normalizeMcp(normalizeHttp(request), 'prod-mcp')
    assert.ok(mcp.parse_error !== undefined || mcp.kind === 'transport', JSON.stringify(mcp))
  }
})

test.run()
