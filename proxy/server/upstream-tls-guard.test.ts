import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { parseConfig } from '../../engine/config/parse.ts'
import type { Config } from '../../engine/config/types.ts'
import { checkUpstreamTls, DEFAULT_PRODUCTION_ENVIRONMENTS, UpstreamTlsError } from './upstream-tls-guard.ts'

const config = (environment: string, upstream: Record<string, unknown>, settings: Record<string, unknown> = {}): Config => parseConfig({
  identity: { providers: [{ name: 'dev', issuer: 'warden-dev', audience: 'warden', dev: true }] },
  policy: { settings },
  targets: [{ name: 'db', kind: 'postgres', environment, upstream: { database: 'app', user: 'warden', ...upstream } }],
})

const refusal = (c: Config): string => {
  try {
    checkUpstreamTls(c)
  } catch (err) {
    assert.instance(err, UpstreamTlsError)
    assert.is((err as UpstreamTlsError).code, 'config.upstream_unverified')
    return (err as Error).message
  }
  throw assert.unreachable('a production server that is not verified was accepted')
}

test('a production server over the network must be verified: no ssl, prefer and require are refused, naming the fix', () => {
  assert.match(refusal(config('production', { host: 'db.internal' })), 'target db (targets[0], environment production) reaches db.internal:5432 without TLS (ssl is not set, which is disable)')
  for (const ssl of ['disable', 'prefer', 'require']) assert.match(refusal(config('Prod', { host: '10.0.0.5', ssl })), `with ssl: ${ssl}, which does not check the server's certificate`)
  assert.match(refusal(config('production', { host: 'db.internal', ssl: 'require' })), 'Set ssl: verify-full and ssl_root_cert')
  // The policies' notion of production: a configured list replaces the default one.
  assert.match(refusal(config('live', { host: 'db.internal' }, { production_environments: ['live'] })), 'environment live')
})

test('verified, loopback, Unix-socket and non-production servers start', () => {
  for (const ssl of ['verify-ca', 'verify-full']) checkUpstreamTls(config('production', { host: 'db.internal', ssl }))
  for (const host of ['127.0.0.1', 'localhost', '::1', '/var/run/postgresql']) checkUpstreamTls(config('production', { host }))
  checkUpstreamTls(config('staging', { host: 'db.internal', ssl: 'require' }))
  checkUpstreamTls(config('production', { host: 'db.internal' }, { production_environments: ['live'] }))
})

test('the default production environments are the policies\' own', () => {
  const defaults = JSON.parse(readFileSync(new URL('../../policies/warden/catalog/defaults/data.json', import.meta.url), 'utf8')) as { production_environments: string[] }
  assert.equal(DEFAULT_PRODUCTION_ENVIRONMENTS, defaults.production_environments)
})

test.run()
