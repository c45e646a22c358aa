// `warden up` (a real process) with a production PostgreSQL target reached over the network without verifying
// its server: refused before any listener opens, naming the target and the fix.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../proxy/postgres/testing/cluster.ts'
import { warden } from './testing/gateway-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'warden-upstream-tls-'))

test('a production target on another host with ssl: require stops the start, nothing listening', async () => {
  const admin = await freePort()
  const file = join(dir, 'warden.yaml')
  writeFileSync(file, `state_dir: ./state
listeners:
  postgres: { port: ${await freePort()} }
  admin: { port: ${admin} }
identity:
  providers:
    - { name: dev, issuer: warden-dev, audience: warden, dev: true }
targets:
  - { name: prod-db, kind: postgres, environment: production, upstream: { host: db.internal.example, database: app, user: warden, password_env: PW, ssl: require } }
`)
  const r = await warden(['up', '--config', file], { cwd: dir, env: { PW: 'x' } })
  assert.is(r.code, 2, r.out)
  assert.match(r.err, 'could not start the gateway: refusing to start: target prod-db (targets[0], environment production) reaches db.internal.example:5432 with ssl: require')
  assert.match(r.err, 'Set ssl: verify-full and ssl_root_cert')
  assert.not.match(r.out, 'Warden gateway is up')
  assert.is(await fetch(`http://127.0.0.1:${admin}/healthz`).then((res) => res.status, () => 'refused'), 'refused')
})

test.after(() => rmSync(dir, { recursive: true, force: true }))
test.run()
