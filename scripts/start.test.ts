// `npm start` as a user runs it: a child `warden up` behind scripts/start.mjs, stopped with SIGTERM.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../proxy/postgres/testing/cluster.ts'

const script = join(dirname(fileURLToPath(import.meta.url)), 'start.mjs')
const dir = mkdtempSync(join(tmpdir(), 'warden-start-'))

test('starts the gateway from another directory, forwards SIGTERM, and exits 0 after shutdown', async () => {
  const adminPort = await freePort()
  writeFileSync(join(dir, 'warden.yaml'), `state_dir: ./state
listeners:
  postgres: { port: ${await freePort()} }
  admin: { port: ${adminPort} }
identity:
  providers:
    - { name: dev, issuer: warden-dev, audience: warden, dev: true }
targets:
  - { name: app, kind: postgres, environment: staging, upstream: { host: 127.0.0.1, port: 1, database: app, user: warden } }
`)
  // $WARDEN_STATE_DIR reaches `warden up` through npm start, and wins over the file's state_dir.
  const child = spawn(process.execPath, [script, '--config', 'warden.yaml'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WARDEN_STATE_DIR: 'env-state' } })
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  for (let i = 0; i < 2400 && !out.includes('Warden gateway is up') && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 25))
  assert.match(out, 'Warden gateway is up', err)
  assert.match(out, '--config warden.yaml')
  assert.match(out, `State       ${join(dir, 'env-state')} ($WARDEN_STATE_DIR)`)
  assert.ok(existsSync(join(dir, 'env-state', 'mask.key')))
  assert.not.ok(existsSync(join(dir, 'state')))
  assert.is((await fetch(`http://127.0.0.1:${adminPort}/healthz`)).status, 200)
  child.kill('SIGTERM')
  assert.is(await exited, 0, err)
  assert.match(err, 'warden gateway stopped')
})

test.after(() => rmSync(dir, { recursive: true, force: true }))
test.run()
