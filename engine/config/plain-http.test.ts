import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ConfigError } from './errors.ts'
import { parseConfig } from './parse.ts'

const doc = (jwks_url: string, url: string, credential: Record<string, unknown> | null = { kind: 'bearer', token_env: 'T' }) => ({
  identity: { providers: [{ name: 'corp', issuer: 'https://sso.example.com', audience: 'warden', jwks_url }] },
  targets: [{ name: 'api', kind: 'http', environment: 'staging', upstream_http: { url, ...(credential ? { credential } : {}) } }],
})

function problems(d: unknown): string[] {
  try {
    parseConfig(d)
    return []
  } catch (err) {
    assert.instance(err, ConfigError)
    return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`)
  }
}

test('a JWKS or a credentialed upstream over plain HTTP off the machine is refused, naming the field and the fix', () => {
  assert.equal(problems(doc('http://sso.example.com/keys', 'http://api.internal:8080')), [
    "identity.providers[0].jwks_url: fetches provider corp's signing keys from sso.example.com over plain HTTP: anyone on the network path could substitute keys and mint tokens for any identity, approvers included; use the https:// URL of the JWKS endpoint",
    "targets[0].upstream_http.url: sends the gateway's bearer credential for target api to api.internal:8080 over plain HTTP, readable by anyone on the network path; use https:// (with ca_file for a private CA)",
  ])
  assert.match(problems(doc('https://sso.example.com/keys', 'http://10.0.0.5', { kind: 'basic', username: 'u', password_env: 'P' })).join('\n'), 'basic credential for target api to 10.0.0.5')
})

test('https, loopback, and a plain upstream without a credential are accepted', () => {
  assert.equal(problems(doc('https://sso.example.com/keys', 'https://api.internal')), [])
  assert.equal(problems(doc('http://127.0.0.1:9000/keys', 'http://localhost:8080')), [])
  assert.equal(problems(doc('http://[::1]:9000/keys', 'http://api.internal', null)), [])
})

test.run()
