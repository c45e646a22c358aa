import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { defaultConfig } from '../../engine/config/defaults.ts'
import { parseConfig } from '../../engine/config/parse.ts'
import type { Config } from '../../engine/config/types.ts'
import { checkPlaintextListeners, PlaintextListenerError } from './plaintext-guard.ts'

// An IdP-trusting gateway (the dev issuer guard refuses any non-loopback listener on its own) with an HTTP target.
const withProxy = (http_proxy: Record<string, unknown>, kind = 'kubernetes', admin: Record<string, unknown> = {}): Config => parseConfig({
  listeners: { postgres: { host: '0.0.0.0' }, http: { host: '0.0.0.0' }, http_proxy, admin },
  identity: { providers: [{ name: 'corp', issuer: 'https://sso.example.com', audience: 'warden', jwks_url: 'https://sso.example.com/keys' }] },
  targets: [{ name: 't', kind, environment: 'staging', ...(kind === 'postgres' ? { upstream: { host: '127.0.0.1', database: 'd', user: 'u' } } : { upstream_http: { url: 'https://k8s.example:6443' } }) }],
})

test('a forward proxy bound off loopback is refused: tokens would cross the network in clear', () => {
  for (const host of ['0.0.0.0', '::', '10.0.0.5', 'gateway.internal']) {
    assert.throws(() => checkPlaintextListeners(withProxy({ host })), (err: PlaintextListenerError) =>
      err.code === 'config.plaintext_exposed' && err.message.includes(`the HTTPS forward proxy on ${host}:8479 speaks plain HTTP`) && err.message.includes('listeners.http_proxy.allow_plaintext: true'))
  }
})

test('an admin API bound off loopback is refused too, naming both listeners when both are exposed', () => {
  assert.throws(() => checkPlaintextListeners(withProxy({}, 'kubernetes', { host: '0.0.0.0' })), (err: PlaintextListenerError) =>
    err.message.includes("the admin API on 0.0.0.0:8181 speaks plain HTTP, so every reviewer's and auditor's token would cross") && err.message.includes('listeners.admin.allow_plaintext: true'))
  assert.throws(() => checkPlaintextListeners(withProxy({ host: '::' }, 'postgres', { host: '10.0.0.5' })), (err: PlaintextListenerError) => err.message.includes('admin API on 10.0.0.5:8181'))
  assert.throws(() => checkPlaintextListeners(withProxy({ host: '::' }, 'kubernetes', { host: '10.0.0.5' })), (err: PlaintextListenerError) => err.message.includes('forward proxy on :::8479') && err.message.includes('admin API on 10.0.0.5'))
  checkPlaintextListeners(withProxy({}, 'kubernetes', { host: '0.0.0.0', allow_plaintext: true }))
})

test('loopback, an explicit allow_plaintext, or no HTTP target (no forward proxy) start', () => {
  checkPlaintextListeners(defaultConfig())
  checkPlaintextListeners(withProxy({ host: '127.0.0.1' }))
  checkPlaintextListeners(withProxy({ host: '0.0.0.0', allow_plaintext: true }))
  checkPlaintextListeners(withProxy({ host: '0.0.0.0' }, 'postgres'))
})

test.run()
