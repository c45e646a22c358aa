import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultConfig } from '../../engine/config/defaults.ts'
import { checkTrustedFiles, checkTrustedPath, TrustedFileError } from './trusted-files.ts'
import { loadPolicy } from './policy.ts'

const root = mkdtempSync(join(tmpdir(), 'warden-policy-files-'))

function source(name: string): string {
  const dir = join(root, name)
  mkdirSync(join(dir, 'rules'), { recursive: true })
  writeFileSync(join(dir, 'rules', 'mine.rego'), 'package warden.rules.mine\n')
  return dir
}

const refusal = (path: string, field = 'policy.source'): string => {
  try {
    checkTrustedPath(path, field, 'the policy')
  } catch (err) {
    assert.instance(err, TrustedFileError)
    assert.is((err as TrustedFileError).code, 'config.writable_by_others')
    return (err as Error).message
  }
  throw assert.unreachable('a policy others can write was accepted')
}

test('a world-writable rule file, directory or bundle is refused, naming it and the chmod', () => {
  const file = source('file')
  chmodSync(join(file, 'rules', 'mine.rego'), 0o666)
  assert.match(refusal(file), `any local user could change the policy in policy.source ${file}: ${join(file, 'rules', 'mine.rego')} is world-writable`)
  assert.match(refusal(file), `chmod -R o-w ${file}`)
  const dir = source('dir')
  chmodSync(join(dir, 'rules'), 0o777)
  assert.match(refusal(dir), `${join(dir, 'rules')} is world-writable`)
  const bundle = join(root, 'bundle.tar.gz')
  writeFileSync(bundle, '')
  chmodSync(bundle, 0o646)
  assert.match(refusal(bundle, 'policy.bundle'), `policy.bundle ${bundle}: ${bundle} is world-writable`)
})

test('under a world-writable directory without the sticky bit, anyone could swap the policy: refused; with it, fine', () => {
  const shared = join(root, 'shared')
  mkdirSync(shared)
  chmodSync(shared, 0o777)
  const inside = join(shared, 'policies')
  mkdirSync(inside)
  writeFileSync(join(inside, 'p.rego'), 'package x\n')
  assert.match(refusal(inside), `${shared} lets anyone replace what is in it`)
  chmodSync(shared, 0o1777)
  checkTrustedPath(inside, 'policy.source', 'the policy')
})

test('the gateway checks before it compiles: loadPolicy refuses such a source', async () => {
  const src = source('gateway')
  chmodSync(join(src, 'rules', 'mine.rego'), 0o666)
  const config = { ...defaultConfig(join(root, 'state')), policy: { ...defaultConfig().policy, source: src } }
  const err = await loadPolicy(config, { opa: '/nonexistent/opa', packageRoot: root }).then(() => undefined, (e: Error) => e)
  assert.instance(err, TrustedFileError)
})

test('the shipped policies and an ordinary private source pass', () => {
  checkTrustedPath(new URL('../../policies', import.meta.url).pathname, 'policy.source', 'the policy')
  checkTrustedPath(source('ok'), 'policy.source', 'the policy')
})

test('a world-writable JWKS file or upstream CA file is refused, naming the field', () => {
  const jwks = join(root, 'jwks.json')
  const ca = join(root, 'ca.pem')
  writeFileSync(jwks, '{"keys":[]}')
  writeFileSync(ca, '')
  const config = {
    ...defaultConfig(join(root, 'state')),
    identity: { clock_skew_seconds: 30, providers: [{ name: 'corp', issuer: 'https://sso', audience: 'warden', jwks_file: jwks, groups_claim: 'groups', agent_groups: [] }] },
    targets: [{ name: 'k8s', kind: 'kubernetes' as const, environment: 'production', labels: {}, upstream_http: { url: 'https://k8s:6443', ca_file: ca, hosts: [] } }],
  }
  checkTrustedFiles(config)
  chmodSync(jwks, 0o666)
  assert.throws(() => checkTrustedFiles(config), (err: TrustedFileError) => err.message.includes(`the keys that make tokens of provider corp genuine in identity.providers[0].jwks_file ${jwks}`))
  chmodSync(jwks, 0o644)
  chmodSync(ca, 0o666)
  assert.throws(() => checkTrustedFiles(config), (err: TrustedFileError) => err.message.includes(`target k8s's credential in targets[0].upstream_http.ca_file ${ca}`))
})

test.after(() => rmSync(root, { recursive: true, force: true }))
test.run()
