import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { memoryIo } from '../io.ts'
import { runUp } from './up.ts'
import { freePort } from '../../proxy/postgres/testing/cluster.ts'

const dir = mkdtempSync(join(tmpdir(), 'warden-up-'))
// When the tests run as root, the demo cluster's server runs as `postgres`, which must enter the state directory.
chmodSync(dir, 0o711)

/** A config trusting the dev issuer, with one staging target (never connected to) and these listeners. */
function stagingConfig(name: string, listeners: string): string {
  const file = join(dir, `${name}.yaml`)
  writeFileSync(file, `state_dir: ./state-${name}
listeners:
${listeners}
identity:
  providers:
    - { name: dev, issuer: warden-dev, audience: warden, dev: true }
targets:
  - { name: app, kind: postgres, environment: staging, upstream: { host: 127.0.0.1, port: 1, database: app, user: warden } }
`)
  return file
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1200 && !check(); i++) await new Promise((r) => setTimeout(r, 25))
  assert.ok(check(), `timed out waiting for ${what}`)
}

test('runs the gateway from a config file until SIGTERM, prints the summary, then exits 0', async () => {
  const [pgPort, adminPort] = [await freePort(), await freePort()]
  const file = join(dir, 'warden.yaml')
  writeFileSync(file, `state_dir: ./state
listeners:
  postgres: { port: ${pgPort} }
  admin: { port: ${adminPort} }
identity:
  providers:
    - { name: dev, issuer: warden-dev, audience: warden, dev: true, agent_groups: [agents] }
targets:
  - name: app
    kind: postgres
    environment: production
    upstream: { host: 127.0.0.1, port: 1, database: app, user: warden, password_env: WARDEN_UP_TEST_PASSWORD }
`)
  const io = memoryIo({}, dir)
  const running = runUp(['--config', file], io)
  await until(() => io.stdout.includes('Warden gateway is up') || io.stderr.includes('could not start'), 'the start-up summary')
  assert.match(io.stdout, `127.0.0.1:${pgPort}`, io.stderr)
  assert.match(io.stdout, `http://127.0.0.1:${adminPort}`)
  // The dev issuer is trusted: said in the summary and in the log, every start.
  assert.match(io.stdout, 'WARNING: identity.providers[0] (dev) trusts the development token issuer')
  assert.match(io.stderr, 'trusts the development token issuer')
  const health = await fetch(`http://127.0.0.1:${adminPort}/healthz`)
  assert.is(health.status, 200)
  // Ctrl-C through `npm start` arrives twice (terminal and forwarded); both mean one shutdown.
  process.emit('SIGTERM')
  process.emit('SIGINT')
  assert.is(await running, 0)
  assert.match(io.stderr, 'already shutting down')
  assert.match(io.stderr, 'warden gateway stopped')
  assert.is(process.listenerCount('SIGTERM'), 0)
  const refused = await fetch(`http://127.0.0.1:${adminPort}/healthz`).then(() => false, () => true)
  assert.ok(refused, 'admin API still answering after shutdown')
})

test('an embedded demo target runs on the private PostgreSQL cluster, which SIGINT stops with the gateway', async () => {
  const file = join(dir, 'demo.yaml')
  writeFileSync(file, `state_dir: ./state-demo
listeners:
  postgres: { port: ${await freePort()} }
  admin: { port: ${await freePort()} }
identity:
  providers:
    - { name: dev, issuer: warden-dev, audience: warden, dev: true, agent_groups: [agents] }
targets:
  - { name: demo, kind: postgres, environment: production, embedded: true }
`)
  const pidFile = join(dir, 'state-demo', 'demo-pg', 'server', 'data', 'postmaster.pid')
  const io = memoryIo({ WARDEN_DEMO_BACKEND: 'postgres' }, dir)
  const running = runUp(['--config', file], io)
  await until(() => io.stdout.includes('Warden gateway is up') || io.stderr.includes('could not start'), 'the start-up summary')
  assert.match(io.stdout, `Demo DB     PostgreSQL`, io.stderr)
  assert.match(io.stdout, join(dir, 'state-demo', 'demo-pg'))
  assert.match(io.stderr, 'demo database: created a PostgreSQL')
  assert.ok(existsSync(pidFile), 'demo server not running')
  process.emit('SIGINT')
  assert.is(await running, 0)
  assert.not.ok(existsSync(pidFile), 'demo server still running after the gateway stopped')
})

test('an invalid config prints the problems and exits 2 without starting anything', async () => {
  const file = join(dir, 'bad.yaml')
  writeFileSync(file, 'identity: {}\ntargets: []\nlisteners: { admin: { port: 99999 } }\n')
  const io = memoryIo({}, dir)
  assert.is(await runUp(['--config', file], io), 2)
  assert.match(io.stderr, 'listeners.admin.port')
  assert.is(io.stdout, '')
})

test('the dev issuer on a listener off loopback: exit 2 naming the listener and the key, before anything starts', async () => {
  const file = stagingConfig('exposed', `  postgres: { host: 0.0.0.0, port: ${await freePort()} }`)
  const io = memoryIo({}, dir)
  assert.is(await runUp(['--config', file], io), 2)
  assert.match(io.stderr, 'refusing to start: identity.providers[0] (dev) trusts the development token issuer')
  assert.match(io.stderr, 'PostgreSQL listener on 0.0.0.0:')
  assert.match(io.stderr, 'Bind listeners.postgres.host to 127.0.0.1')
  assert.is(io.stdout, '')
  assert.not.ok(existsSync(join(dir, 'state-exposed')), 'state created by a refused start')
})

test('a missing config file and unknown flags exit 2; --help exits 0', async () => {
  const missing = memoryIo({}, dir)
  assert.is(await runUp(['--config', join(dir, 'nope.yaml')], missing), 2)
  assert.match(missing.stderr, 'no such file')
  const flag = memoryIo({}, dir)
  assert.is(await runUp(['--port', '1'], flag), 2)
  const help = memoryIo({}, dir)
  assert.is(await runUp(['--help'], help), 0)
  assert.match(help.stdout, 'usage: warden up')
})

test('a start failure (port in use) exits 1 with the reason', async () => {
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  const { port } = blocker.address() as { port: number }
  const file = stagingConfig('busy', `  postgres: { port: ${port} }\n  admin: { port: ${await freePort()} }`)
  const io = memoryIo({}, dir)
  try {
    assert.is(await runUp(['--config', file], io), 1, io.stderr)
    assert.match(io.stderr, 'could not start the gateway')
    assert.match(io.stderr, 'listeners.postgres')
    assert.is(process.listenerCount('SIGINT'), 0)
  } finally {
    await new Promise<void>((resolve) => blocker.close(() => resolve()))
  }
})

test.after(() => rmSync(dir, { recursive: true, force: true }))
test.run()
