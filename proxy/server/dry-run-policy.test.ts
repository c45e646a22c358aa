// Loading policy.dry_run with the real OPA compiler: a whole policy, or the enforced source with some rule
// packages taken from the dry-run source; a dry-run policy that does not compile is logged, not fatal.
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { defaultConfig } from '../../engine/config/defaults.ts'
import type { Config } from '../../engine/config/types.ts'
import { buildInput, targetOf } from '../../engine/input.ts'
import { loadSqlParsers, normalize } from '../../engine/normalize/index.ts'
import { packageRoot, testOpa } from '../postgres/testing/paths.ts'
import { loadDryRunPolicy, openDryRunPolicy, regoPackage } from './dry-run-policy.ts'

const work = await mkdtemp(join(tmpdir(), 'warden-dry-run-policy-'))
test.after(() => rm(work, { recursive: true, force: true }))

const denyOn = (pkg: string, word: string) => `package ${pkg}

deny contains msg if {
	contains(input.command.raw, "${word}")
	msg := "${pkg} denies ${word}"
}
`

// Enforced: the shipped combining library with two small rule packages of its own.
const enforced = join(work, 'enforced')
await cp(join(packageRoot, 'policies', 'warden'), join(enforced, 'warden'), { recursive: true })
await cp(join(packageRoot, 'policies', 'lib'), join(enforced, 'lib'), { recursive: true })
await mkdir(join(enforced, 'rules'), { recursive: true })
await writeFile(join(enforced, 'rules', 'alpha.rego'), denyOn('warden.rules.alpha', 'alpha'))
await writeFile(join(enforced, 'rules', 'beta.rego'), denyOn('warden.rules.beta', 'beta'))
// Next: alpha changed, gamma new, beta changed too but not rolled out.
const next = join(work, 'next')
await mkdir(join(next, 'deep'), { recursive: true })
await writeFile(join(next, 'alpha.rego'), denyOn('warden.rules.alpha', 'alpha2'))
await writeFile(join(next, 'gamma.rego'), `package warden.rules.gamma

deny contains msg if {
	some word in data.warden.rules.gamma.words.list
	contains(input.command.raw, word)
	msg := "gamma"
}
`)
// A subpackage of a rolled-out package comes along.
await writeFile(join(next, 'deep', 'words.rego'), 'package warden.rules.gamma.words\n\nlist := ["gamma"]\n')
await writeFile(join(next, 'beta.rego'), denyOn('warden.rules.beta', 'SELECT'))

function config(dryRun: Config['policy']['dry_run']): Config {
  const c = defaultConfig()
  c.state_dir = join(work, 'state')
  c.policy = { ...c.policy, source: enforced, dry_run: dryRun }
  return c
}

await loadSqlParsers()
const target = targetOf({ name: 'prod-db', kind: 'postgres', environment: 'production', labels: {}, upstream: { host: 'h', port: 1, database: 'd', user: 'u' } })
const input = (sql: string) => buildInput({
  identity: { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' },
  session: { id: 's', started_at: '2026-01-01T00:00:00Z', grants: [] },
  target,
  normalized: normalize({ kind: 'sql', text: sql }, target),
})

test('regoPackage reads the package a file declares', () => {
  assert.is(regoPackage('# comment\npackage warden.rules.sql\n\nimport rego.v1\n'), 'warden.rules.sql')
  assert.is(regoPackage('package data.warden.rules.x'), 'warden.rules.x')
  assert.is(regoPackage('# no package'), undefined)
})

test('with packages: the enforced source with those packages (and subpackages) from the dry-run source', async () => {
  const { decider, bundlePath } = await loadDryRunPolicy(config({ source: next, packages: ['warden.rules.alpha', 'warden.rules.gamma'] }), { opa: testOpa(), enforcedSource: enforced })
  assert.is(bundlePath, join(work, 'state', 'bundle', 'dry-run.tar.gz'))
  const effect = (sql: string) => decider.decide(input(sql))
  assert.is(effect('SELECT 1').effect, 'allow', 'the changed beta package was not rolled out')
  assert.is(effect("SELECT 'alpha'").effect, 'allow', 'the enforced alpha package was replaced')
  assert.is(effect("SELECT 'alpha2'").reasons[0]?.rule, 'warden.rules.alpha')
  assert.is(effect("SELECT 'beta'").reasons[0]?.rule, 'warden.rules.beta')
  assert.is(effect("SELECT 'gamma'").reasons[0]?.rule, 'warden.rules.gamma')
})

test('without packages: the dry-run source is the whole policy', async () => {
  const whole = join(work, 'whole')
  await cp(enforced, whole, { recursive: true })
  await writeFile(join(whole, 'rules', 'beta.rego'), denyOn('warden.rules.beta', 'SELECT'))
  const { decider } = await loadDryRunPolicy(config({ source: whole }), { opa: testOpa() })
  assert.is(decider.decide(input('SELECT 1')).effect, 'deny')
})

test('a package no dry-run file declares is refused by name', async () => {
  const err = await loadDryRunPolicy(config({ source: next, packages: ['warden.rules.alpha', 'warden.rules.delta'] }), { opa: testOpa(), enforcedSource: enforced }).catch((e: unknown) => e)
  assert.match((err as Error).message, /names warden\.rules\.delta, but no \.rego file in .*next declares it/)
})

test('a dry-run policy that does not compile is logged and becomes the error of every record; the gateway goes on', async () => {
  const broken = join(work, 'broken')
  await mkdir(broken, { recursive: true })
  await writeFile(join(broken, 'p.rego'), 'package warden\n\ndecision := {"effect": }\n')
  const lines: string[] = []
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) })
  const policy = await openDryRunPolicy(config({ source: broken }), { opa: testOpa(), log })
  assert.is(policy?.decider, undefined)
  assert.match(policy?.error ?? '', /^dry-run policy not loaded: compile policies in .*broken/)
  assert.ok(lines.some((l) => JSON.parse(l).level === 50 && /dry-run policy not loaded/.test(JSON.parse(l).msg)))
  assert.is(await openDryRunPolicy(config(undefined), { opa: testOpa(), log }), undefined)
})

test.run()
