import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ConfigError } from '../engine/config/errors.ts'
import { loadConfig } from './config-file.ts'

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
  assert.is(config.audit.checkpoints.file, '/var/log/warden/checkpoints.jsonl')
  assert.equal(config.identity.providers[0]!.audience, ['warden', 'api://warden'])
  assert.equal(config.policy.settings, { business_hours: { start: 9, end: 18 } })
})

test('absolute paths, a bundle and stdout audit are kept as given', async () => {
  const file = join(scratch, 'abs.yaml')
  await writeFile(file, `state_dir: /var/lib/warden
policy: { bundle: build/bundle.tar.gz }
audit: { destination: stdout }
identity: { providers: [{ name: dev, issuer: warden-dev, audience: warden, dev: true }] }
targets: [{ name: demo, kind: postgres, environment: production, embedded: true }]
`)
  const { config } = await loadConfig(file, '/')
  assert.is(config.state_dir, '/var/lib/warden')
  assert.is(config.audit.destination, 'stdout')
  assert.is(config.policy.bundle, join(scratch, 'build/bundle.tar.gz'))
  assert.is(config.policy.source, undefined)
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

test.run()
