import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { TargetConfig } from '../../engine/config/types.ts'
import { planUpstreams, UpstreamConfigError } from './upstreams.ts'

const target = (name: string, extra: Partial<TargetConfig>): TargetConfig => ({ name, kind: 'postgres', environment: 'production', labels: {}, ...extra })
const demo = target('demo', { embedded: true })
const real = target('real', { upstream: { host: 'db.internal', port: 5432, database: 'app', user: 'warden', password_env: 'REAL_PW', ssl: 'require' } })
const missing = target('missing', { upstream: { host: 'db2', port: 5432, database: 'app', user: 'warden', password_env: 'NOT_SET_PW' } })
const inline = target('inline', { upstream: { host: 'db3', port: 5433, database: 'x', user: 'u', password: 'literal' } })
const nowhere = target('nowhere', {})
const k8s: TargetConfig = { name: 'cluster', kind: 'kubernetes', environment: 'production', labels: {} }

const plan = planUpstreams([demo, real, missing, inline, nowhere, k8s], { REAL_PW: 's3cret' }, new Map([['demo', { host: '127.0.0.1', port: 40001, database: 'postgres', user: 'postgres' }]]))

test('an embedded target points at its demo database without TLS', () => {
  assert.equal(plan.resolve(demo), { host: '127.0.0.1', port: 40001, database: 'postgres', user: 'postgres', ssl: 'disable' })
  assert.match(plan.describe('demo'), 'embedded demo')
})

test('an embedded target on a Unix socket carries its password and describes what serves it', () => {
  const socket = planUpstreams([demo], {}, new Map([['demo', { host: '/state/demo-pg/server/socket', port: 5432, database: 'demo', user: 'warden', password: 'pw', label: 'PostgreSQL 15 private cluster at /state/demo-pg' }]]))
  assert.equal(socket.resolve(demo), { host: '/state/demo-pg/server/socket', port: 5432, database: 'demo', user: 'warden', password: 'pw', ssl: 'disable' })
  assert.is(socket.describe('demo'), 'embedded demo database (PostgreSQL 15 private cluster at /state/demo-pg)')
})

test('password_env is read from the environment at start; an inline password is used as is', () => {
  assert.equal(plan.resolve(real), { host: 'db.internal', port: 5432, database: 'app', user: 'warden', password: 's3cret', ssl: 'require' })
  assert.is(plan.resolve(inline).password, 'literal')
})

test('an empty password variable is refused like an unset one, saying it is empty', () => {
  const empty = planUpstreams([real], { REAL_PW: '' }, new Map())
  assert.match(empty.warnings.join('\n'), 'environment variable REAL_PW (its upstream password) was set but empty when the gateway started')
  assert.match(empty.describe('real'), '$REAL_PW EMPTY')
  assert.throws(() => empty.resolve(real), (err: UpstreamConfigError) => err.code === 'upstream.password_env')
})

test('a missing password variable or upstream is a warning, and each connection to it a clear error', () => {
  assert.is(plan.warnings.length, 2)
  assert.match(plan.warnings.join('\n'), 'NOT_SET_PW')
  assert.match(plan.warnings.join('\n'), 'nowhere has no upstream')
  assert.match(plan.describe('missing'), 'NOT SET')
  for (const [t, code] of [[missing, 'upstream.password_env'], [nowhere, 'upstream.missing'], [k8s, 'upstream.unknown']] as const) {
    try {
      plan.resolve(t)
      assert.unreachable(t.name)
    } catch (err) {
      assert.instance(err, UpstreamConfigError)
      assert.is((err as UpstreamConfigError).code, code)
    }
  }
})

test('ssl_root_cert is read at start; an unreadable one makes the target unusable with a clear error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-ca-'))
  try {
    const ca = join(dir, 'ca.pem')
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
    const up = { host: 'db.internal', port: 5432, database: 'app', user: 'warden', password: 'pw', ssl: 'verify-full' as const }
    const good = target('good', { upstream: { ...up, ssl_root_cert: ca } })
    const bad = target('bad', { upstream: { ...up, ssl_root_cert: join(dir, 'missing.pem') } })
    const p = planUpstreams([good, bad], {}, new Map())
    assert.equal(p.resolve(good), { host: 'db.internal', port: 5432, database: 'app', user: 'warden', password: 'pw', ssl: 'verify-full', sslRootCert: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' })
    assert.throws(() => p.resolve(bad), (err: UpstreamConfigError) => err.code === 'upstream.ssl_root_cert' && err.message.includes('missing.pem') && err.message.includes('PEM'))
    assert.match(p.warnings.join('\n'), 'missing.pem')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
