import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { defaultConfig } from '../../engine/config/defaults.ts'
import { commandFlags, shellQuote, startupSummary } from './summary.ts'

const facts = {
  postgres: { host: '127.0.0.1', port: 6432 },
  adminUrl: 'http://127.0.0.1:8181',
  tls: 'self-signed, .warden/tls/cert.pem',
  policy: 'policies (compiled)',
  describe: (name: string) => (name === 'demo' ? 'embedded demo database (127.0.0.1:4000)' : `upstream of ${name}`),
  warnings: ['target prod-db: environment variable WARDEN_PROD_DB_PASSWORD was not set'],
}

test('lists listeners, every target, warnings, and the token, psql and approval commands', () => {
  const text = startupSummary(defaultConfig(), facts)
  assert.match(text, 'PostgreSQL  127.0.0.1:6432')
  assert.match(text, 'Admin API   http://127.0.0.1:8181')
  assert.match(text, /demo\s+postgres · production · embedded demo database/)
  assert.match(text, /prod-k8s\s+kubernetes · production/)
  assert.match(text, 'WARNING: target prod-db')
  assert.match(text, 'npx warden token --as cursor --group agents\n')
  assert.match(text, 'PGPASSWORD="$(npx warden token --as cursor --group agents)" psql "host=127.0.0.1 port=6432 dbname=demo user=cursor"')
  assert.match(text, 'npx warden approvals approve <id> --as alice --group dba')
  assert.match(text, 'npx warden grants list --as alice --group dba')
})

test('says which backend serves the demo targets, and prints nothing about it without one', () => {
  const demo = 'PostgreSQL 15.8 private cluster at .warden/demo-pg (Unix socket only)'
  assert.match(startupSummary(defaultConfig(), { ...facts, demo }), `  Demo DB     ${demo}\n`)
  assert.not.match(startupSummary(defaultConfig(), facts), 'Demo DB')
})

test('a config file and a --state-dir are repeated (quoted when needed) in every suggested command', () => {
  const text = startupSummary(defaultConfig(), { ...facts, commandFlags: commandFlags({ configArg: 'my configs/warden.yaml', stateDirArg: '/srv/warden state' }) })
  const flags = "--config 'my configs/warden.yaml' --state-dir '/srv/warden state'"
  assert.match(text, `npx warden token --as cursor --group agents ${flags}`)
  assert.match(text, `approvals list --as alice --group dba ${flags}`)
  assert.match(text, `approvals approve <id> --as alice --group dba ${flags}`)
  assert.is(commandFlags({}), '')
  assert.is(shellQuote('conf/warden.yaml'), 'conf/warden.yaml')
  assert.is(shellQuote("it's"), `'it'\\''s'`)
})

test('without the dev issuer, points at the identity provider instead of minting tokens', () => {
  const config = defaultConfig()
  config.identity.providers = [{ name: 'okta', issuer: 'https://idp', audience: 'warden', jwks_url: 'https://idp/keys', groups_claim: 'groups', agent_groups: [] }]
  const text = startupSummary(config, { ...facts, warnings: [] })
  assert.not.match(text, 'warden token')
  assert.match(text, 'identity provider')
  assert.match(text, 'PGPASSWORD="<your OIDC token>"')
  assert.not.match(text, 'WARNING')
})

test.run()
