import { test } from 'uvu'
import * as assert from 'uvu/assert'
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

test('what a withheld resource held is gone from structuredContent, _meta, keys and other items\' text, JSON-escaped too', () => {
  const secret = 'root:x:0:0\ntoken="abc"'
  const result = {
    content: [
      { type: 'resource', resource: { uri: denied, text: secret } },
      { type: 'text', text: JSON.stringify({ file: denied, body: secret }) },
      { type: 'text', text: 'kept' },
      { type: 'resource', resource: { uri: held, blob: Buffer.from('held bytes').toString('base64') } },
      { type: 'text', text: 'echo: held bytes' },
    ],
    structuredContent: { file: denied, body: secret, [secret]: 1, list: ['x', `pre ${secret} post`], link: held },
    _meta: { preview: secret.slice(0, 40) },
  }
  const out = withholdEmbedded(result, reads).result as typeof result
  assert.equal(out.content, [withheld, withheld, { type: 'text', text: 'kept' }, withheld, withheld])
  assert.equal(out.structuredContent, { file: withheld.text, body: withheld.text, list: ['x', withheld.text], link: held })
  assert.equal(out._meta, { preview: withheld.text })
  assert.not.match(JSON.stringify(out), 'abc')
  assert.not.match(JSON.stringify(out), 'held bytes')
})

test('a judge that throws withholds (fail closed)', () => {
  const boom = () => { throw new Error('boom') }
  assert.is(withholdEmbedded({ content: [{ type: 'resource_link', uri: 'mem://a', name: 'a' }] }, { canRead: boom, canReadNow: boom }).withheld, 1)
})

test.run()
