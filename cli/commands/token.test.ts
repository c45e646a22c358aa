import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeJwt } from 'jose'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { IdentityError } from '../../engine/identity/errors.ts'
import { createVerifier } from '../../engine/identity/verifier.ts'
import { loadConfig } from '../config-file.ts'
import { loadOrCreateDevKey } from '../../proxy/server/dev-key.ts'
import { memoryIo } from '../io.ts'
import { parseTtl, runToken } from './token.ts'

const scratch = await mkdtemp(join(tmpdir(), 'warden-token-'))
test.after(() => rm(scratch, { recursive: true, force: true }))

const noDev = join(scratch, 'no-dev.yaml')
await writeFile(noDev, `identity:
  providers: [{ name: corp, issuer: https://sso.example.com, audience: warden, jwks_url: https://sso.example.com/jwks }]
targets: [{ name: demo, kind: postgres, environment: production, embedded: true }]
`)
const noKindClaim = join(scratch, 'no-kind-claim.yaml')
await writeFile(noKindClaim, `identity:
  providers: [{ name: dev, issuer: local-dev, audience: [warden, api], dev: true, groups_claim: roles }]
targets: [{ name: demo, kind: postgres, environment: production, embedded: true }]
`)

async function token(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = memoryIo({}, scratch)
  const code = await runToken(args, io)
  return { code, stdout: io.stdout, stderr: io.stderr }
}

async function verifierFor(configPath: string | undefined) {
  const { config } = await loadConfig(configPath, scratch)
  return createVerifier(config.identity, { devPublicJwk: (await loadOrCreateDevKey(join(scratch, '.warden'))).publicJwk })
}

test('the token round-trips through the verifier of the same config', async () => {
  const out = await token(['--as', 'cursor', '--group', 'agents', '--group', 'eng,oncall', '--email', 'c@example.com'])
  assert.is(out.code, 0, out.stderr)
  assert.ok(out.stdout.endsWith('\n'))
  assert.is(out.stdout.trim().split('\n').length, 1)
  const identity = await (await verifierFor(undefined)).verify(out.stdout.trim())
  assert.equal(identity, { sub: 'cursor', issuer: 'warden-dev', groups: ['agents', 'eng', 'oncall'], kind: 'agent', email: 'c@example.com' })
})

test('--kind human overrides the agent group through the provider kind_claim', async () => {
  const out = await token(['--as', 'alice', '--group', 'agents', '--kind', 'human'])
  assert.is((await (await verifierFor(undefined)).verify(out.stdout.trim())).kind, 'human')
})

test('a config file dev provider: its issuer, audience and groups claim are used', async () => {
  const out = await token(['--as', 'bob', '--group', 'dba', '--config', noKindClaim])
  assert.is(out.code, 0, out.stderr)
  const claims = decodeJwt(out.stdout.trim())
  assert.is(claims.iss, 'local-dev')
  assert.equal(claims.aud, ['warden', 'api'])
  assert.equal(claims.roles, ['dba'])
  assert.is((await (await verifierFor(noKindClaim)).verify(out.stdout.trim())).sub, 'bob')
})

test('--kind with a dev provider that has no kind_claim is refused', async () => {
  const out = await token(['--as', 'bob', '--kind', 'agent', '--config', noKindClaim])
  assert.is(out.code, 2)
  assert.match(out.stderr, 'has no kind_claim')
})

test('a config without a dev provider refuses to issue, and rejects dev tokens', async () => {
  const out = await token(['--as', 'cursor', '--config', noDev])
  assert.is(out.code, 2)
  assert.match(out.stderr, 'this config does not trust the development issuer; add a provider with dev: true or use your IdP')
  assert.is(out.stdout, '')
  const devToken = (await token(['--as', 'cursor'])).stdout.trim()
  const err = await (await verifierFor(noDev)).verify(devToken).catch((e: unknown) => e)
  assert.instance(err, IdentityError)
  assert.is((err as IdentityError).code, 'token.unknown_issuer')
})

test('--ttl sets exp - iat; default 1h', async () => {
  const lifetime = async (args: string[]) => {
    const claims = decodeJwt((await token(['--as', 'x', ...args])).stdout.trim())
    return claims.exp! - claims.iat!
  }
  assert.is(await lifetime([]), 3600)
  assert.is(await lifetime(['--ttl', '15m']), 900)
})

test('parseTtl reads s/m/h/d up to 24h and refuses anything else', () => {
  assert.is(parseTtl('30s'), 30)
  assert.is(parseTtl('15m'), 900)
  assert.is(parseTtl('1h'), 3600)
  assert.is(parseTtl('1d'), 86400)
  assert.is(parseTtl('24h'), 86400)
  for (const bad of ['25h', '2d', '0s', '10', '1w', '-1h', '1.5h', '', 'abc']) {
    assert.throws(() => parseTtl(bad), (e: unknown) => (e as { code?: string }).code === 'usage.ttl', bad)
  }
})

test('bad arguments exit 2 with the usage; --help exits 0', async () => {
  for (const args of [['--as', 'x', '--bogus'], [], ['--as', 'x', '--ttl', '48h'], ['--as', 'x', '--kind', 'robot'], ['--as', 'x', 'extra']]) {
    const out = await token(args)
    assert.is(out.code, 2, args.join(' '))
    assert.is(out.stdout, '')
    assert.ok(out.stderr.length > 0)
  }
  assert.match((await token(['--as', 'x', '--bogus'])).stderr, 'usage: warden token')
  const help = await token(['--help'])
  assert.is(help.code, 0)
  assert.match(help.stdout, 'usage: warden token --as SUBJECT')
})

test('a bad config file exits 2 naming the problem', async () => {
  const out = await token(['--as', 'x', '--config', join(scratch, 'missing.yaml')])
  assert.is(out.code, 2)
  assert.match(out.stderr, 'no such file')
})

test.run()
