// Every command that keeps or reads state finds the same directory for the same --state-dir / $WARDEN_STATE_DIR:
// a token minted by `warden token` is accepted by the gateway `warden up` runs, `warden approvals --as` mints
// with the same key, `warden ca` and `warden audit` read that directory, and the config's state_dir is unused.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { memoryIo } from './io.ts'
import { main } from './main.ts'
import { freePort } from '../proxy/postgres/testing/cluster.ts'

const dir = mkdtempSync(join(tmpdir(), 'warden-state-dir-'))
const configFile = join(dir, 'warden.yaml')

async function writeConfig(): Promise<number> {
  const adminPort = await freePort()
  writeFileSync(configFile, `state_dir: ./config-state
listeners:
  postgres: { port: ${await freePort()} }
  admin: { port: ${adminPort} }
identity:
  providers:
    - { name: dev, issuer: warden-dev, audience: warden, dev: true, agent_groups: [agents] }
targets:
  - { name: app, kind: postgres, environment: staging, upstream: { host: 127.0.0.1, port: 1, database: app, user: warden } }
`)
  return adminPort
}

async function warden(env: Record<string, string>, ...args: string[]) {
  const io = memoryIo(env, dir)
  const code = await main([...args, '--config', configFile], io)
  return { code, out: io.stdout, err: io.stderr }
}

/** Runs the whole tour with `place` choosing the directory: as an environment variable or as a flag. */
async function tour(state: string, place: (state: string) => { env: Record<string, string>; flags: string[] }) {
  const adminPort = await writeConfig()
  const { env, flags } = place(state)
  const token = await warden(env, 'token', '--as', 'alice', '--group', 'dba', ...flags)
  assert.is(token.code, 0, token.err)
  assert.ok(existsSync(join(state, 'dev-issuer', 'key.json')), 'warden token did not use the state directory')

  const io = memoryIo(env, dir)
  const running = main(['up', '--config', configFile, ...flags], io)
  for (let i = 0; i < 2400 && !io.stdout.includes('Warden gateway is up') && !io.stderr.includes('could not start'); i++) await new Promise((r) => setTimeout(r, 25))
  try {
    assert.match(io.stdout, 'Warden gateway is up', io.stderr)
    assert.ok(existsSync(join(state, 'mask.key')) && existsSync(join(state, 'audit', 'trail.db')), 'warden up did not use the state directory')
    // The gateway trusts the key `warden token` wrote: one directory, one dev issuer.
    const res = await fetch(`http://127.0.0.1:${adminPort}/v1/approvals`, { headers: { authorization: `Bearer ${token.out.trim()}` } })
    assert.is(res.status, 200)
    const approvals = await warden(env, 'approvals', 'list', '--as', 'alice', '--group', 'dba', ...flags)
    assert.is(approvals.code, 0, approvals.err)
    assert.match(approvals.out, 'no approval requests')
  } finally {
    process.emit('SIGTERM')
    assert.is(await running, 0)
  }
  const ca = await warden(env, 'ca', '--path', ...flags)
  assert.is(ca.code, 0, ca.err)
  assert.is(ca.out.trim(), join(state, 'ca', 'ca.pem'))
  const verify = await warden(env, 'audit', 'verify', ...flags)
  assert.is(verify.code, 0, verify.err)
  assert.match(verify.out, 'ok: ')
  assert.not.ok(existsSync(join(dir, 'config-state')), "the config's state_dir was used")
}

test('$WARDEN_STATE_DIR: token, up, approvals, ca and audit all use it', async () => {
  await tour(join(dir, 'env-state'), (state) => ({ env: { WARDEN_STATE_DIR: state }, flags: [] }))
})

test('--state-dir on each command, over a $WARDEN_STATE_DIR pointing elsewhere', async () => {
  const elsewhere = join(dir, 'ignored-env-state')
  await tour(join(dir, 'flag-state'), (state) => ({ env: { WARDEN_STATE_DIR: elsewhere }, flags: ['--state-dir', state] }))
  assert.not.ok(existsSync(elsewhere), '$WARDEN_STATE_DIR won over --state-dir')
})

test.after(() => rmSync(dir, { recursive: true, force: true }))
test.run()
