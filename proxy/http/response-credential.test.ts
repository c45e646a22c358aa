import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { CREDENTIAL_MASK, credentialForms, hideCredentialHeaders, hideCredentials } from './response-credential.ts'

test('every occurrence is hidden, also as a JSON string escapes it; short values are left alone', () => {
  const forms = credentialForms(['pa"ss\\word-1', 'short'])
  const text = JSON.stringify({ a: 'pa"ss\\word-1', b: 'x pa"ss\\word-1 y', c: 'short' })
  const out = hideCredentials(text, forms)
  assert.is(out.hidden, 2)
  assert.equal(JSON.parse(out.text), { a: CREDENTIAL_MASK, b: `x ${CREDENTIAL_MASK} y`, c: 'short' })
  assert.equal(hideCredentials('raw pa"ss\\word-1', forms), { text: `raw ${CREDENTIAL_MASK}`, hidden: 1 })
})

test('headers, single and repeated, are hidden in place', () => {
  const headers: Record<string, string | string[]> = { 'x-echo': 'key=k3y-held-by-gateway', 'set-cookie': ['a=1', 'b=k3y-held-by-gateway'] }
  assert.is(hideCredentialHeaders(headers, credentialForms(['k3y-held-by-gateway'])), 2)
  assert.equal(headers, { 'x-echo': `key=${CREDENTIAL_MASK}`, 'set-cookie': ['a=1', `b=${CREDENTIAL_MASK}`] })
})

test('credential forms: the same list gives the same forms, and a list changed in place gives its new forms', () => {
  const secrets = ['first-secret-value']
  const once = credentialForms(secrets)
  assert.is(credentialForms(secrets), once, 'made once for an unchanged list')
  secrets[0] = 'second"secret"value'
  assert.equal(credentialForms(secrets), ['second"secret"value', 'second\\"secret\\"value'])
  secrets.push('third-secret-value')
  assert.equal(credentialForms(secrets), ['second"secret"value', 'second\\"secret\\"value', 'third-secret-value'])
  assert.equal(credentialForms(['short']), [], 'values under 8 characters are left alone')
})

test.run()
