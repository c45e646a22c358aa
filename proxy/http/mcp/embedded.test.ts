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

test('a judge that throws withholds (fail closed)', () => {
  const boom = () => { throw new Error('boom') }
  assert.is(withholdEmbedded({ content: [{ type: 'resource_link', uri: 'mem://a', name: 'a' }] }, { canRead: boom, canReadNow: boom }).withheld, 1)
})

test.run()
