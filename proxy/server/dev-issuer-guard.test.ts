import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { defaultConfig } from '../../engine/config/defaults.ts'
import type { Config } from '../../engine/config/types.ts'
import { isLoopbackHost } from '../../engine/config/loopback.ts'
import { checkDevIssuer, DevIssuerExposedError, openListeners } from './dev-issuer-guard.ts'

const refusal = (config: Config): DevIssuerExposedError => {
  try {
    checkDevIssuer(config)
  } catch (err) {
    assert.instance(err, DevIssuerExposedError)
    return err as DevIssuerExposedError
  }
  throw assert.unreachable('started with the dev issuer exposed')
}

const postgresOnly = (): Config => ({ ...defaultConfig(), targets: defaultConfig().targets.filter((t) => t.kind === 'postgres') })

test('loopback: 127.0.0.0/8, ::1 and its IPv4-mapped forms, localhost; nothing else', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST']) assert.ok(isLoopbackHost(host), host)
  for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.10', '::ffff:10.0.0.1', 'fe80::1', 'db.internal', 'localhost.example.com', '']) assert.not.ok(isLoopbackHost(host), host)
})

test('a config without the dev issuer: no warning, whatever it binds', () => {
  const config = defaultConfig()
  config.identity.providers = [{ name: 'corp', issuer: 'https://sso.example.com', audience: 'warden', jwks_url: 'https://sso.example.com/keys', groups_claim: 'groups', agent_groups: ['agents'] }]
  config.listeners.postgres.host = '0.0.0.0'
  assert.is(checkDevIssuer(config), undefined)
})

test('the dev issuer on loopback listeners: a warning that names the provider', () => {
  const warning = checkDevIssuer(defaultConfig())!
  assert.match(warning, 'identity.providers[0] (dev) trusts the development token issuer')
  assert.match(warning, 'For a laptop only')
})

test('the dev issuer with any listener off loopback: refused, naming each listener and the key to change', () => {
  const config = defaultConfig()
  config.listeners.postgres.host = '0.0.0.0'
  config.listeners.http_proxy.host = '10.0.0.5'
  const err = refusal(config)
  assert.is(err.code, 'config.dev_issuer_exposed')
  assert.match(err.message, 'PostgreSQL listener on 0.0.0.0:6432 (listeners.postgres.host)')
  assert.match(err.message, 'HTTPS forward proxy on 10.0.0.5:8479 (listeners.http_proxy.host)')
  assert.not.match(err.message, 'listeners.admin')
  assert.match(err.message, 'Bind listeners.postgres.host, listeners.http_proxy.host to 127.0.0.1, or remove `dev: true` from identity.providers[0] (dev)')
  for (const key of ['admin', 'http'] as const) {
    const one = defaultConfig()
    one.listeners[key].host = '::'
    assert.match(refusal(one).message, `(listeners.${key}.host)`)
  }
})

test('HTTP listeners count only when an HTTP-kind target makes the gateway open them', () => {
  const config = postgresOnly()
  assert.equal(openListeners(config).map((l) => l.key), ['listeners.postgres', 'listeners.admin'])
  config.listeners.http.host = '0.0.0.0'
  assert.ok(checkDevIssuer(config))
  assert.equal(openListeners(defaultConfig()).map((l) => l.key), ['listeners.postgres', 'listeners.admin', 'listeners.http', 'listeners.http_proxy'])
})

test.run()
