import { gzipSync } from 'node:zlib'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { McpError } from './errors.ts'
import { withholdEmbedded } from './embedded.ts'

const denied = 'file:///etc/secret'
const held = 'file:///held/a'
const reads = {
  canRead: (r: { subject: string }) => r.subject !== denied,
  canReadNow: (r: { subject: string }) => r.subject !== denied && r.subject !== held,
}
const withheld = { type: 'text', text: 'warden: an embedded resource was withheld: the caller may not read it (settings.mcp.resources)' }

test('embedded content is withheld unless readable outright; a link unless its read is denied; others kept', () => {
  const result = { content: [
    { type: 'text', text: 'hi' },
    { type: 'resource', resource: { uri: denied, text: 'S' } },
    { type: 'resource', resource: { uri: held, text: 'H' } },
    { type: 'resource', resource: { text: 'no uri' } },
    { type: 'resource_link', uri: denied, name: 'x' },
    { type: 'resource_link', uri: held, name: 'y' },
    { type: 'resource', resource: { uri: 'mem://ok', text: 'ok' } },
  ], isError: false }
  const out = withholdEmbedded(result, reads)
  assert.is(out.withheld, 4)
  assert.equal(out.result, { content: [result.content[0], withheld, withheld, withheld, withheld, result.content[5], result.content[6]], isError: false })
  assert.is(result.content[1]!.type, 'resource', 'the input is not modified')
})

test('prompt messages, a single content object and a read\'s contents are covered; the uri read is kept', () => {
  const prompt = withholdEmbedded({ messages: [{ role: 'user', content: { type: 'resource', resource: { uri: denied, text: 'S' } } }] }, reads)
  assert.equal(prompt.result, { messages: [{ role: 'user', content: withheld }] })
  const read = withholdEmbedded({ contents: [{ uri: held, text: 'H' }, { uri: denied, text: 'S' }, { uri: 'mem://ok', text: 'ok' }] }, reads, held)
  assert.is(read.withheld, 1)
  assert.equal((read.result as { contents: unknown[] }).contents, [{ uri: held, text: 'H' }, { uri: 'warden:withheld', mimeType: 'text/plain', text: withheld.text }, { uri: 'mem://ok', text: 'ok' }])
})

test('what a withheld resource held is gone from other items\' text and keys, JSON-escaped too; _meta and members MCP does not define go', () => {
  const secret = 'root:x:0:0\ntoken="abc"'
  const result = {
    content: [
      { type: 'resource', resource: { uri: denied, text: secret } },
      { type: 'text', text: JSON.stringify({ file: denied, body: secret }) },
      { type: 'text', text: 'kept', annotations: { [secret]: 1, audience: ['user'] } },
      { type: 'resource', resource: { uri: held, blob: Buffer.from('held bytes').toString('base64') } },
      { type: 'text', text: 'echo: held bytes' },
      { type: 'resource_link', uri: held, name: 'link' },
    ],
    isError: false,
    _meta: { preview: 'nothing of it' },
    debug: { note: 'a member no client should read' },
  }
  const out = withholdEmbedded(result, reads).result as Record<string, unknown>
  assert.equal(out, { content: [withheld, withheld, { type: 'text', text: 'kept', annotations: { audience: ['user'] } }, withheld, withheld, result.content[5]], isError: false })
  assert.not.match(JSON.stringify(out), 'abc')
  assert.not.match(JSON.stringify(out), 'held bytes')
})

test('a withheld resource\'s text in another shape is followed: its lines, its fields, its words, base64 (wrapped too) of it', () => {
  const env = 'API_TOKEN=prod-secret-7791\nDB_URL=postgres://app:hunter2@db.internal/app\n'
  const b64 = Buffer.from(env).toString('base64')
  const shapes = [
    JSON.stringify({ lines: env.split('\n') }),
    JSON.stringify({ API_TOKEN: 'prod-secret-7791', DB_URL: 'postgres://app:hunter2@db.internal/app' }),
    'the token is prod-secret-7791.',
    `attached: ${b64}`,
    `attached:\n${b64.match(/.{1,16}/g)!.join('\n')}\n`,
    `url-safe ${Buffer.from('the token: prod-secret-7791').toString('base64url')}`,
  ]
  const result = { content: [{ type: 'resource', resource: { uri: denied, text: env } }, ...shapes.map((text) => ({ type: 'text', text })), { type: 'text', text: 'unrelated words' }], isError: true }
  const out = withholdEmbedded(result, reads).result as { content: Array<{ text: string }>; isError: boolean }
  assert.equal(out.content.map((c) => c.text), [...Array(shapes.length + 1).fill(withheld.text), 'unrelated words'])
  assert.is(out.isError, true)
})

test('a tool result with structuredContent beside a withheld resource is withheld whole, as an error result, whatever shape it has', () => {
  const secret = 'line one of the plans\nline two: launch-code-7791'
  for (const structured of [
    { lines: secret.split('\n') },
    { plans: { first: 'line one of the plans', code: 7791 } },
    { data: Buffer.from(secret).toString('base64') },
    { chars: [...secret] },
    { nothing: 'that reads as the file' },
  ]) {
    const out = withholdEmbedded({ content: [{ type: 'resource', resource: { uri: denied, text: secret } }, { type: 'text', text: JSON.stringify(structured) }], structuredContent: structured, _meta: { copy: structured } }, reads)
    assert.is(out.withheld, 1)
    assert.equal(out.result, { content: [{ type: 'text', text: 'warden: the result was withheld: it embedded a resource the caller may not read, and its structuredContent may hold it in another shape (settings.mcp.resources)' }], isError: true })
  }
  // Nothing withheld: structuredContent and _meta pass as they are.
  const kept = { content: [{ type: 'text', text: 'ok' }], structuredContent: { a: 1 }, _meta: { b: 2 } }
  assert.equal(withholdEmbedded(kept, reads).result, kept)
})

test('a server request\'s params keep their members (maxTokens, _meta) and lose what a withheld resource held', () => {
  const params = { messages: [{ role: 'user', content: { type: 'resource', resource: { uri: denied, text: 'launch-code-7791' } } }, { role: 'user', content: { type: 'text', text: 'repeat launch-code-7791' } }], maxTokens: 5, _meta: { progressToken: 1, note: 'launch-code-7791' } }
  const out = withholdEmbedded(params, reads, undefined, true)
  assert.equal(out.result, { messages: [{ role: 'user', content: withheld }, { role: 'user', content: withheld }], maxTokens: 5, _meta: { progressToken: 1, note: withheld.text } })
})

test('what was withheld, too large to follow through the rest of the answer, withholds the answer', () => {
  const huge = Array.from({ length: 60_000 }, (_, i) => `word-${i}-x`).join(' ')
  assert.throws(() => withholdEmbedded({ content: [{ type: 'resource', resource: { uri: denied, text: huge } }, { type: 'text', text: 'x' }] }, reads), /too large to follow/)
})

test('a judge that throws withholds (fail closed)', () => {
  const boom = () => { throw new Error('boom') }
  assert.is(withholdEmbedded({ content: [{ type: 'resource_link', uri: 'mem://a', name: 'a' }] }, { canRead: boom, canReadNow: boom }).withheld, 1)
})

// Judged only where MCP puts them (content, messages, contents), a resource in structuredContent, _meta or a member of
// the server's own passed when nothing else was withheld, its text with it.
test('a resource the caller may not read embedded anywhere else in an answer withholds it; readable ones there pass', () => {
  const secret = { type: 'resource', resource: { uri: denied, text: 'root:x:0:0' } }
  for (const result of [
    { content: [{ type: 'text', text: 'ok' }], structuredContent: { file: secret } },
    { content: [{ type: 'text', text: 'ok' }], _meta: { source: { uri: denied, text: 'root:x:0:0' } } },
    { content: [{ type: 'text', text: 'ok', annotations: { link: { type: 'resource_link', uri: denied, name: 'shadow' } } }] },
    { contents: [{ uri: 'mem://ok', text: 'ok', more: [secret] }] },
  ]) {
    assert.throws(() => withholdEmbedded(result, reads), (err: unknown) => err instanceof McpError && /outside the places MCP gives/.test((err as Error).message), JSON.stringify(result))
  }
  assert.throws(() => withholdEmbedded({ level: 'info', data: { file: secret } }, reads, undefined, true), (err: unknown) => err instanceof McpError)
  const fine = { content: [{ type: 'text', text: 'ok' }], structuredContent: { file: { type: 'resource', resource: { uri: 'mem://ok', text: 'ok' } }, link: { type: 'resource_link', uri: held, name: 'h' } } }
  assert.equal(withholdEmbedded(fine, reads), { result: fine, withheld: 0 })
  const read = { contents: [{ uri: held, text: 'H' }] }
  assert.equal(withholdEmbedded(read, reads, held), { result: read, withheld: 0 })
})

// A blob was followed as UTF-8 text only: the lines of a withheld app.log.gz came back in a text item.
test('what a withheld gzip or Latin-1 blob holds is followed as the text it holds', () => {
  const log = 'login ok for deploy-bot\nAPI_TOKEN=zx81-spectrum-4471\n'
  for (const blob of [gzipSync(log).toString('base64'), Buffer.from(`café ${log}`, 'latin1').toString('base64')]) {
    const result = { content: [{ type: 'resource', resource: { uri: denied, mimeType: 'application/gzip', blob } }, { type: 'text', text: 'tail: API_TOKEN=zx81-spectrum-4471' }] }
    const out = withholdEmbedded(result, reads)
    assert.not.ok(JSON.stringify(out.result).includes('zx81-spectrum-4471'), JSON.stringify(out.result))
  }
})

test.run()
