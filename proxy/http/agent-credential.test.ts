import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readCredential } from './agent-credential.ts'

const b64 = (s: string) => Buffer.from(s).toString('base64')

test('one Bearer (or, where taken, Basic with the token as password) gives the token', () => {
  assert.equal(readCredential('Authorization', ['Bearer a.b.c'], ['Bearer']), { token: 'a.b.c' })
  assert.equal(readCredential('Authorization', ['  bearer   a.b.c  '], ['Bearer']), { token: 'a.b.c' })
  assert.equal(readCredential('Proxy-Authorization', [`Basic ${b64('agent:a.b.c')}`], ['Bearer', 'Basic']), { token: 'a.b.c' })
  assert.equal(readCredential('Proxy-Authorization', [`basic ${b64(':a.b:c')}`], ['Bearer', 'Basic']), { token: 'a.b:c' })
})

test('no header, or an empty one, is missing', () => {
  assert.equal(readCredential('Authorization', [], ['Bearer']), { missing: true })
  assert.equal(readCredential('Authorization', [' '], ['Bearer']), { missing: true })
})

test('two headers, a comma-joined list, another scheme or a malformed value are refused with the reason', () => {
  const cases: Array<[string[], readonly ('Bearer' | 'Basic')[], RegExp]> = [
    [['Bearer a.b.c', 'Bearer a.b.c'], ['Bearer'], /more than one credential \(the header sent more than once, or a comma-separated list\); send it once, with one credential: Bearer <token>/],
    [['Bearer x.y.z', ''], ['Bearer'], /more than one credential/],
    [['Bearer a.b.c, Bearer x.y.z'], ['Bearer'], /more than one credential/],
    [['Bearer a.b.c,x.y.z'], ['Bearer'], /more than one credential/],
    [[`Basic ${b64('agent:a.b.c')}`], ['Bearer'], /uses the scheme "Basic", which this listener does not take: send Bearer <token>/],
    [['Token a.b.c'], ['Bearer', 'Basic'], /scheme "Token".*send Bearer <token> or Basic \(the token as the password\)/],
    [[`${'X'.repeat(500)} a`], ['Bearer'], /scheme "X{17}\.\.\."/],
    [['Bearer'], ['Bearer'], /one scheme and one credential separated by a space/],
    [['Bearer a b'], ['Bearer'], /one scheme and one credential/],
    [[`Basic ${b64('agent')}`], ['Basic'], /Basic without a password/],
    [[`Basic ${b64('agent:')}`], ['Basic'], /Basic without a password/],
  ]
  for (const [values, schemes, reason] of cases) {
    const read = readCredential('Authorization', values, schemes)
    assert.ok('malformed' in read, JSON.stringify(values))
    assert.match((read as { malformed: string }).malformed, reason, JSON.stringify(values))
  }
})

test.run()
