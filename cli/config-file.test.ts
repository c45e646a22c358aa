import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ConfigError } from '../engine/config/errors.ts'
import { loadConfig, stateDirOverride } from './config-file.ts'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const configs = join(root, 'testdata', 'configs')
const scratch = await mkdtemp(join(tmpdir(), 'warden-config-'))
test.after(() => rm(scratch, { recursive: true, force: true }))

async function failure(path: string): Promise<ConfigError> {
  const err = await loadConfig(path, root).catch((e: unknown) => e)
  assert.instance(err, ConfigError)
  return err as ConfigError
}

test('no path: the embedded defaults, state and audit under cwd, policies from the package', async () => {
  const { config, source, baseDir } = await loadConfig(undefined, scratch)
  assert.is(source, 'embedded defaults')
  assert.is(baseDir, scratch)
  assert.is(config.state_dir, join(scratch, '.warden'))
  assert.is(config.audit.destination, join(scratch, '.warden', 'audit.jsonl'))
  assert.is(config.policy.source, join(root, 'policies'))
})

test('minimal.yaml: defaults applied, paths resolved against the file directory, default policies', async () => {
  const { config, source, baseDir } = await loadConfig('testdata/configs/minimal.yaml', root)
  assert.is(source, join(configs, 'minimal.yaml'))
  assert.is(baseDir, configs)
  assert.is(config.state_dir, join(configs, '.warden'))
  assert.is(config.audit.destination, join(configs, '.warden', 'audit.jsonl'))
  assert.is(config.policy.source, join(root, 'policies'))
  assert.is(config.listeners.postgres.port, 6432)
  assert.is(config.targets[0]!.upstream!.port, 5432)
})

test('full.yaml: every relative path resolved against the file directory', async () => {
  const { config } = await loadConfig(join(configs, 'full.yaml'), '/')
  assert.is(config.state_dir, join(configs, 'state'))
  assert.equal(config.listeners.postgres.tls, { cert: join(configs, 'tls/server.crt'), key: join(configs, 'tls/server.key') })
  assert.is(config.identity.providers[1]!.jwks_file, join(configs, 'keys/keycloak-jwks.json'))
  assert.is(config.policy.source, join(root, 'policies'))
  assert.is(config.audit.destination, join(configs, 'audit/warden.jsonl'))
  assert.is(config.audit.sqlite.path, join(configs, 'audit/trail.db'))
  assert.is(config.approvals.sqlite.path, join(configs, 'approvals/approvals.db'))
  assert.is(config.approvals.webhook?.secret_file, join(configs, 'secrets/approvals-webhook.key'))
  assert.is(config.audit.checkpoints.file, '/var/log/warden/checkpoints.jsonl')
  assert.equal(config.audit.checkpoints.trusted_keys, [join(configs, 'keys/gw2-signing-key.pub.pem')])
  assert.equal(config.roles, { auditor: ['security-audit'], admin: ['warden-admins'] })
  assert.equal(config.identity.providers[0]!.audience, ['warden', 'api://warden'])
  assert.equal(config.policy.settings, { business_hours: { start: 9, end: 18 } })
})

test('absolute paths, a bundle and stdout audit are kept as given', async () => {
  const file = join(scratch, 'abs.yaml')
  await writeFile(file, `state_dir: /var/lib/warden
policy: { bundle: build/bundle.tar.gz, dry_run: { bundle: build/next.tar.gz } }
audit: { destination: stdout }
identity: { providers: [{ name: dev, issuer: warden-dev, audience: warden, dev: true }] }
targets: [{ name: demo, kind: postgres, environment: production, embedded: true }]
`)
  const { config } = await loadConfig(file, '/')
  assert.is(config.state_dir, '/var/lib/warden')
  assert.is(config.audit.destination, 'stdout')
  assert.is(config.policy.bundle, join(scratch, 'build/bundle.tar.gz'))
  assert.is(config.policy.source, undefined)
  assert.equal(config.policy.dry_run, { bundle: join(scratch, 'build/next.tar.gz') })
})

test('policy.dry_run.source is resolved against the file directory too', async () => {
  const file = join(scratch, 'dry-run.yaml')
  await writeFile(file, `policy: { source: policies, dry_run: { source: next/policies, packages: [warden.rules.sql_bulk] } }
identity: { providers: [{ name: dev, issuer: warden-dev, audience: warden, dev: true }] }
targets: [{ name: demo, kind: postgres, environment: production, embedded: true }]
`)
  const { config } = await loadConfig(file, '/')
  assert.equal(config.policy.dry_run, { source: join(scratch, 'next/policies'), packages: ['warden.rules.sql_bulk'] })
})

test('schema problems name the file, the line:col, the field and the fix', async () => {
  const err = await failure('testdata/configs/bad-schema.yaml')
  assert.is(err.code, 'config.invalid')
  assert.match(err.message, `config file ${join(configs, 'bad-schema.yaml')} is invalid (4 problems)`)
  assert.equal(err.issues.map((i) => `${i.location}: ${i.path}`), [
    'testdata/configs/bad-schema.yaml:2:1: lsiteners',
    'testdata/configs/bad-schema.yaml:13:5: targets[0].kind',
    'testdata/configs/bad-schema.yaml:15:5: targets[0].upstream.database',
    'testdata/configs/bad-schema.yaml:17:7: targets[0].upstream.port',
  ])
  assert.match(err.message, 'unknown field "lsiteners" (did you mean "listeners"?)')
  assert.match(err.message, 'targets[0].upstream.port: must be integer, got "abc"')
})

test('semantic problems are located and explained too', async () => {
  const err = await failure(join(configs, 'bad-semantic.yaml'))
  assert.is(err.code, 'config.invalid')
  assert.is(err.issues.length, 5)
  assert.match(err.message, 'bad-semantic.yaml:4:7: identity.providers[0]: needs exactly one key source')
  assert.match(err.message, 'bad-semantic.yaml:13:5: targets[1].name: duplicate target name "app"')
})

test('YAML syntax errors give file:line:col', async () => {
  const err = await failure('testdata/configs/bad-syntax.yaml')
  assert.is(err.code, 'config.syntax')
  assert.match(err.message, `${join(configs, 'bad-syntax.yaml')}:4:1: invalid YAML in config file`)
})

test('duplicate keys are a syntax error', async () => {
  const file = join(scratch, 'dup.yaml')
  await writeFile(file, 'state_dir: a\nstate_dir: b\n')
  assert.is((await failure(file)).code, 'config.syntax')
})

test('a missing file says so and how to fix it; an empty file is not a mapping', async () => {
  const missing = await failure('testdata/configs/nope.yaml')
  assert.is(missing.code, 'config.unreadable')
  assert.match(missing.message, 'no such file; check the --config path')
  const empty = join(scratch, 'empty.yaml')
  await writeFile(empty, '# nothing\n')
  const err = await failure(empty)
  assert.is(err.code, 'config.invalid')
  assert.match(err.message, 'must be a mapping of settings')
})

test('the state directory: --state-dir, else $WARDEN_STATE_DIR, else the file, else the default', async () => {
  const file = join(configs, 'full.yaml')
  const env = { WARDEN_STATE_DIR: 'from-env' }
  const flag = await loadConfig(file, scratch, { env, stateDir: 'from-flag' })
  assert.is(flag.config.state_dir, join(scratch, 'from-flag'))
  assert.is(flag.stateDirFrom, 'flag')
  const fromEnv = await loadConfig(file, scratch, { env })
  assert.is(fromEnv.config.state_dir, join(scratch, 'from-env'))
  assert.is(fromEnv.stateDirFrom, 'env')
  const fromFile = await loadConfig(file, scratch, { env: { WARDEN_STATE_DIR: '' } })
  assert.is(fromFile.config.state_dir, join(configs, 'state'))
  assert.is(fromFile.stateDirFrom, 'config')
  const fallback = await loadConfig('testdata/configs/minimal.yaml', root, {})
  assert.is(fallback.config.state_dir, join(configs, '.warden'))
  assert.is(fallback.stateDirFrom, 'default')
  assert.equal(stateDirOverride({ env: {} }, '/x'), undefined)
  assert.equal(stateDirOverride({ stateDir: '/abs', env }, '/x'), { dir: '/abs', from: 'flag' })
})

test('what derives from the state directory follows an override; explicit paths stay where the file put them', async () => {
  const moved = await loadConfig('testdata/configs/minimal.yaml', root, { stateDir: '/srv/warden' })
  assert.is(moved.config.audit.destination, '/srv/warden/audit.jsonl')
  const explicit = await loadConfig(join(configs, 'full.yaml'), '/', { stateDir: '/srv/warden' })
  assert.is(explicit.config.audit.destination, join(configs, 'audit/warden.jsonl'))
  const embedded = await loadConfig(undefined, scratch, { env: { WARDEN_STATE_DIR: '/srv/w' } })
  assert.is(embedded.config.state_dir, '/srv/w')
  assert.is(embedded.stateDirFrom, 'env')
  assert.is(embedded.config.audit.destination, '/srv/w/audit.jsonl')
  const k8s = embedded.config.targets.find((t) => t.name === 'prod-k8s')!
  assert.is(k8s.upstream_http!.ca_file, '/srv/w/upstreams/prod-k8s-ca.pem')
})

test('${NAME} in a string value reads the environment; $${ is a literal ${', async () => {
  const file = join(scratch, 'env.yaml')
  await writeFile(file, `identity:
  providers:
    - { name: corp, issuer: "\${ISSUER}", audience: warden, jwks_url: "https://\${IDP_HOST}/keys" }
policy: { settings: { template: "$\${not_a_ref}" } }
targets: [{ name: demo, kind: postgres, environment: production, embedded: true }]
`)
  const { config } = await loadConfig(file, '/', { env: { ISSUER: 'https://sso.example.com', IDP_HOST: 'sso.example.com' } })
  assert.is(config.identity.providers[0]!.issuer, 'https://sso.example.com')
  assert.is(config.identity.providers[0]!.jwks_url, 'https://sso.example.com/keys')
  assert.equal(config.policy.settings, { template: '${not_a_ref}' })
})

test('an unset or malformed reference is a config.env error naming each variable, its field and line', async () => {
  const file = join(scratch, 'unset.yaml')
  await writeFile(file, `identity:
  providers:
    - name: corp
      issuer: \${ISSUER}
      audience: \${AUDIENCE}
      jwks_url: "https://\${IDP_HOST}/keys"
targets:
  - { name: demo, kind: postgres, environment: "\${1bad}", embedded: true }
`)
  const err = await loadConfig(file, '/', { env: { AUDIENCE: 'warden' } }).catch((e: unknown) => e) as ConfigError
  assert.instance(err, ConfigError)
  assert.is(err.code, 'config.env')
  assert.equal(err.issues.map((i) => `${i.location} ${i.path}`), [
    `${file}:4:15 identity.providers[0].issuer`,
    `${file}:6:17 identity.providers[0].jwks_url`,
    `${file}:8:48 targets[0].environment`,
  ])
  assert.match(err.message, 'refers to environment variables it cannot use (3)')
  assert.match(err.message, '${ISSUER} refers to the environment variable ISSUER, which is not set; export ISSUER before starting')
  assert.match(err.message, 'IDP_HOST, which is not set')
  assert.match(err.message, '${1bad} is not an environment reference')
})

test.run()
