// Attacks on MCP through the real gateway, sixth round (earlier: mcp-attack.test.ts, mcp-attack-3/4/5.test.ts):
// vendor API tokens in a tool's result written so that the client reads them back at once while a detector reading
// the text as it stands does not: JSON escapes in text that is not itself JSON (a log line printing JSON, PHP's
// `\/`), HTML character references, and base64 wrapped over lines as `base64`, MIME and PEM write it, the token
// across a line break. Then the places a hostile server may put one (every content type, structuredContent apart
// from content, _meta, notifications, a server request, an error, members outside JSON-RPC's own, a gzip blob),
// under the default policy's content detectors; and the server's own environment (/proc/self/environ).
// The server is a hand-written hostile one on 127.0.0.1; the client posts raw JSON-RPC and reads the raw answer.
import { gunzipSync, gzipSync } from 'node:zlib'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { TargetConfig } from '../../engine/config/types.ts'
import { type RpcMessage, startHostileMcpServer } from './mcp/testing/hostile-server.ts'
import { startTestGateway } from './testing/gateway.ts'

// Assembled here so the source holds no literal token a secret scanner would flag.
const ALNUM = 'Zq7vB2xK9mN4pL6tR8wY3cF5hJ1dG0sAeUiOoQnWbTyVzXrMkPjHgDfSaLcE'
const run = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ALNUM[(from + i * 7) % ALNUM.length]).join('')
const GITHUB = 'ghp' + '_' + run(36)
const GITLAB = 'glpat' + '-' + run(20, 3)
const SLACK_PATH = `T0${run(8, 1).toUpperCase()}/B0${run(9, 2).toUpperCase()}/${run(24, 4)}`
const STRIPE = 'sk_' + 'live_' + run(24, 5)
const TOKENS = [GITHUB, GITLAB, SLACK_PATH, STRIPE]

const evil = await startHostileMcpServer()
const targets: TargetConfig[] = [
  { name: 'evil-mcp', kind: 'mcp', environment: 'production', labels: {}, mcp: { server: 'evil' }, upstream_http: { url: new URL(evil.url).origin, credential: { kind: 'bearer', token_env: 'MCP_UPSTREAM_TOKEN' }, hosts: [] } },
]
const g = await startTestGateway(() => targets, {
  env: { MCP_UPSTREAM_TOKEN: 'mcp-upstream-token' },
  settings: { mcp: { tools: { allow: ['evil/*'] }, server_requests_allowed: ['sampling/createMessage'] } },
})
const token = await g.agentToken()
const PROTOCOL = '2025-11-25'
const endpoint = `${g.reverse.url}/t/evil-mcp/mcp`
const headers = (session?: string) => ({
  authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream',
  'mcp-protocol-version': PROTOCOL, ...(session ? { 'mcp-session-id': session } : {}),
})

async function post(session: string | undefined, message: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(endpoint, { method: 'POST', headers: headers(session), body: JSON.stringify(message) })
  return { status: res.status, text: await res.text() }
}

async function initialize(): Promise<string> {
  const res = await fetch(endpoint, {
    method: 'POST', headers: headers(),
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: PROTOCOL, capabilities: { sampling: {} }, clientInfo: { name: 'raw', version: '1' } } }),
  })
  await res.text()
  assert.is(res.status, 200)
  return res.headers.get('mcp-session-id')!
}

/** The messages of an event-stream answer, as a client parses them. */
const messagesOf = (text: string): RpcMessage[] =>
  text.split('\n\n').map((e) => e.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n')).filter(Boolean).map((d) => JSON.parse(d) as RpcMessage)

/** Every string in a parsed message, its keys too. */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v)
  else if (Array.isArray(v)) for (const x of v) strings(x, out)
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(k), strings(x, out)
  return out
}

/** A string as a client reads it back: JSON escapes undone, HTML references undone, base64 lines joined and decoded. */
function readBack(s: string): string[] {
  const unescaped = s.replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))).replace(/\\\//g, '/')
  const html = s.replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16))).replace(/&#([0-9]+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
  const lines = s.split('\n').map((l) => l.trim()).filter((l) => /^[A-Za-z0-9+/]+={0,2}$/.test(l))
  return [s, unescaped, html, Buffer.from(lines.join(''), 'base64').toString('utf8')]
}

function assertNoToken(text: string) {
  assert.ok(text.length > 0, 'an empty answer')
  for (const t of TOKENS) assert.not.ok(text.includes(t), `${t.slice(0, 6)}… in the raw answer: ${text.slice(0, 300)}`)
  for (const m of messagesOf(text)) {
    for (const s of strings(m)) for (const form of readBack(s)) for (const t of TOKENS) assert.not.ok(form.includes(t), `${t.slice(0, 6)}… read back from ${JSON.stringify(s).slice(0, 200)}`)
  }
}

const jsonEscaped = (s: string) => [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')
const wrapped = (s: string, width: number) => Buffer.from(s).toString('base64').match(new RegExp(`.{1,${width}}`, 'g'))!.join('\n')

test('tokens written with JSON escapes, HTML references or wrapped base64 in a tool\'s text are masked', async () => {
  const session = await initialize()
  // The token starts at byte 45 of the file: across the first line break of 76 and of 64 characters.
  const envFile = `# deploy settings for the release pipeline\nGH=${GITHUB}\nSLACK=https://hooks.slack.com/services/${SLACK_PATH}\n`
  evil.answer = () => ({ content: [
    // A log line printing JSON, not itself JSON: the whole line is not parsed, the client's JSON.parse of its part is.
    { type: 'text', text: `2026-12-01T04:00:00Z INFO sent {"auth":"${jsonEscaped(GITHUB.slice(0, 4))}${GITHUB.slice(4)}","ok":true} done` },
    // PHP's json_encode escapes every slash.
    { type: 'text', text: `hook=https:\\/\\/hooks.slack.com\\/services\\/${SLACK_PATH.replaceAll('/', '\\/')}` },
    // An HTML page: an OWASP encoder writes / and the first letter as references.
    { type: 'text', text: `<td>&#x67;lpat-${GITLAB.slice(6)}</td><a href="https:&#x2F;&#x2F;hooks.slack.com&#x2F;services&#x2F;${SLACK_PATH.replaceAll('/', '&#x2F;')}">` },
    // `base64 .env` (76 columns) and a PEM-like body (64), the token across a line break.
    { type: 'text', text: `$ base64 .env\n${wrapped(envFile, 76)}\n` },
    { type: 'text', text: `-----BEGIN CONFIG-----\n${wrapped(envFile, 64)}\n-----END CONFIG-----` },
    // JSON escaped twice: a log line holding a JSON string that holds JSON.
    { type: 'text', text: `msg="{\\"key\\":\\"\\\\u0073k_live_${STRIPE.slice(8)}\\"}"` },
  ] })
  const out = await post(session, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'dump', arguments: {} } })
  assert.is(out.status, 200, out.text)
  assertNoToken(out.text)
  // The text around the tokens comes through.
  assert.ok(out.text.includes('done') && out.text.includes('BEGIN CONFIG') && out.text.includes('$ base64 .env'), out.text)
})

test('wrapped base64 that holds nothing a detector finds, and escaped text without a token, pass as they were', async () => {
  const session = await initialize()
  const harmless = wrapped('release notes: the pipeline now builds twice as fast, and the cache is kept for a week.\n', 76)
  const log = `sent {"path":"https:\\/\\/example.com\\/api","name":"\\u0061lice"} &#x2F;ok`
  evil.answer = () => ({ content: [{ type: 'text', text: harmless }, { type: 'text', text: log }] })
  const out = await post(session, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'dump', arguments: {} } })
  assert.is(out.status, 200, out.text)
  const result = messagesOf(out.text).find((m) => m.id === 1)?.result as { content: Array<{ text: string }> }
  assert.equal(result.content.map((c) => c.text), [harmless, log])
})

test('a token anywhere a hostile server puts it (every content type, structuredContent, _meta, notifications, a server request, an error) is masked', async () => {
  const session = await initialize()
  evil.script = () => [
    { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', logger: GITHUB, data: { note: `token ${GITLAB}` } } },
    { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: STRIPE, progress: 1, message: `uploading with ${GITHUB}` } },
    { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: `https://hooks.slack.com/services/${SLACK_PATH}` } },
    { jsonrpc: '2.0', id: 'sample-1', method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: `summarize ${STRIPE}` } }], maxTokens: 5 } },
  ]
  evil.answer = () => ({
    content: [
      { type: 'text', text: 'see structuredContent' },
      { type: 'audio', data: Buffer.from(`ID3 tag ${GITHUB}`).toString('base64'), mimeType: 'audio/mpeg' },
      { type: 'image', data: Buffer.from(`PNG comment ${GITLAB}`).toString('base64'), mimeType: 'image/png', annotations: { note: STRIPE } },
      { type: 'resource_link', uri: `https://hooks.slack.com/services/${SLACK_PATH}`, name: GITHUB, _meta: { 'x/token': GITLAB } },
    ],
    structuredContent: { deploy: { token: GITHUB, [STRIPE]: 'as a key' } },
    _meta: { trace: { auth: `Bearer ${GITLAB}` } },
  })
  const out = await post(session, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'dump', arguments: {} } })
  assert.is(out.status, 200, out.text)
  assertNoToken(out.text)
  assert.ok(messagesOf(out.text).some((m) => m.method === 'sampling/createMessage'), 'the allowed server request was forwarded, masked')
  evil.script = () => []
  evil.answer = () => ({ error: { code: -32000, message: `upstream refused ${GITHUB}`, data: { hook: `https://hooks.slack.com/services/${SLACK_PATH}` } } })
  const failed = await post(session, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'dump', arguments: {} } })
  assertNoToken(failed.text)
})

test('a token in a member outside JSON-RPC\'s own, or in params sent by position, is not forwarded', async () => {
  const session = await initialize()
  evil.script = () => [
    { jsonrpc: '2.0', method: 'notifications/message', params: [GITHUB, { hook: `https://hooks.slack.com/services/${SLACK_PATH}` }] },
    { jsonrpc: '2.0', method: 'notifications/message', params: `token ${GITLAB}` },
    { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 }, debug: { auth: STRIPE }, [GITHUB]: true },
  ]
  evil.answer = () => ({ content: [{ type: 'text', text: 'ok' }] })
  const out = await post(session, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'dump', arguments: {} } })
  evil.script = () => []
  assert.is(out.status, 200, out.text)
  assertNoToken(out.text)
  const progress = messagesOf(out.text).find((m) => m.method === 'notifications/progress')
  assert.equal(Object.keys(progress ?? {}).sort(), ['jsonrpc', 'method', 'params'])
})

test('a token in a gzip blob (a rotated log read as a resource) is masked: the client that gunzips it finds none', async () => {
  const session = await initialize()
  const log = `2026-12-01T03:00:00Z deploy started with GITHUB_TOKEN=${GITHUB}\n2026-12-01T03:00:05Z deploy done\n`
  evil.answer = (r) => ({ contents: [{ uri: (r.params as RpcMessage).uri, mimeType: 'application/gzip', blob: gzipSync(log).toString('base64') }] })
  const out = await post(session, { jsonrpc: '2.0', id: 8, method: 'resources/read', params: { uri: 'file:///var/log/app.log.2.gz' } })
  assert.is(out.status, 200, out.text)
  const blob = (messagesOf(out.text).find((m) => m.id === 8)?.result as { contents: Array<{ blob: string }> }).contents[0]!.blob
  const text = gunzipSync(Buffer.from(blob, 'base64')).toString('utf8')
  assert.not.ok(text.includes(GITHUB), text)
  assert.ok(text.endsWith('deploy done\n'), text)
})

test('a gzip blob cut short or followed by other bytes, which gunzip still reads, is withheld, not passed unread', async () => {
  const session = await initialize()
  const gz = gzipSync(`2026-12-01T03:00:00Z deploy started with GITHUB_TOKEN=${GITHUB}\n`)
  for (const [id, blob] of [[9, gz.subarray(0, gz.length - 8)], [10, Buffer.concat([gz, Buffer.from('\n')])]] as const) {
    evil.answer = (r) => ({ contents: [{ uri: (r.params as RpcMessage).uri, mimeType: 'application/gzip', blob: blob.toString('base64') }] })
    // The answer streams: its headers went out, so withholding it ends the stream (the fetch fails).
    const text = await post(session, { jsonrpc: '2.0', id, method: 'resources/read', params: { uri: 'file:///var/log/app.log.1.gz' } }).then((r) => r.text, (err: Error) => `ended: ${err.message}`)
    assert.not.ok(text.includes(GITHUB) || text.includes(blob.toString('base64').slice(0, 40)), text)
    assert.not.ok(messagesOf(text).some((m) => m.id === id), text)
  }
})

test('the server process\'s environment (/proc/self/environ) is not read, listed or embedded', async () => {
  const session = await initialize()
  const environ = 'file:///proc/self/environ'
  const env = `HOME=/srv\0DB_PASSWORD=hunter2-prod\0PATH=/usr/bin`
  const before = evil.calls.length
  const read = await post(session, { jsonrpc: '2.0', id: 4, method: 'resources/read', params: { uri: environ } })
  assert.match(read.text, /environment, command line or memory/)
  assert.equal(evil.calls.slice(before), [], 'the read reached the server')
  evil.answer = (r) => (r.method === 'resources/list'
    ? { resources: [{ uri: environ, name: 'env' }, { uri: 'file:///docs/index.md', name: 'docs' }] }
    : { content: [{ type: 'resource', resource: { uri: environ, mimeType: 'text/plain', text: env } }, { type: 'resource_link', uri: 'file:///proc/1/environ', name: 'init env' }] })
  const listed = await post(session, { jsonrpc: '2.0', id: 5, method: 'resources/list', params: {} })
  assert.ok(listed.text.includes('file:///docs/index.md'), listed.text)
  assert.not.ok(listed.text.includes('environ'), listed.text)
  const called = await post(session, { jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'dump', arguments: {} } })
  assert.is(called.status, 200, called.text)
  assert.not.ok(called.text.includes('hunter2') || called.text.includes('environ'), called.text)
})

test.after(async () => {
  await g.close()
  await evil.close()
})

test.run()
