// What a real `warden up` writes (stdout, stderr, the JSON-lines audit copy) must not carry the agents' tokens or
// the gateway's upstream secrets, on the paths where they are most at hand: a refused token on each listener, an
// upstream whose TLS fails, and a config that puts a secret where the name of its variable goes.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePort } from '../proxy/postgres/testing/cluster.ts'
import { startGatewayProcess, warden } from './testing/gateway-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'warden-secrets-out-'))
chmodSync(dir, 0o711)
const DB_PASSWORD = 'db-pw-3f9a1c77e2'
const UPSTREAM_TOKEN = 'upstream-tok-b81d2e6a40'

async function config(name: string, upstreamPort: number, extra = ''): Promise<{ file: string; ports: Record<string, number> }> {
  const ports = { postgres: await freePort(), admin: await freePort(), http: await freePort(), proxy: await freePort() }
  const file = join(dir, `${name}.yaml`)
  writeFileSync(file, `state_dir: ./state-${name}
listeners:
  postgres: { port: ${ports.postgres} }
  admin: { port: ${ports.admin} }
  http: { port: ${ports.http} }
  http_proxy: { port: ${ports.proxy} }
identity:
  providers:
    - { name: dev, issuer: warden-dev, audience: warden, dev: true, agent_groups: [agents] }
targets:
  - { name: app, kind: postgres, environment: staging, upstream: { host: 127.0.0.1, port: 1, database: app, user: warden, password_env: T_DB_PASSWORD } }
  - name: api
    kind: http
    environment: staging
    upstream_http: { url: "https://127.0.0.1:${upstreamPort}", credential: { kind: bearer, token_env: ${extra || 'T_UPSTREAM_TOKEN'} } }
`)
  return { file, ports }
}

test('refused tokens and a failed upstream TLS handshake leave no token or upstream secret in the output or the trail', async () => {
  // An upstream with a certificate nobody trusts: the gateway must refuse it, and say so without its credential.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' })
  let seen: string | undefined
  const upstream = createServer({ key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) }, (req, res) => {
    seen = req.headers.authorization
    res.end('{}')
  })
  const upstreamPort = await freePort()
  await new Promise<void>((resolve) => upstream.listen(upstreamPort, '127.0.0.1', resolve))
  const { file, ports } = await config('run', upstreamPort)
  const env = { T_DB_PASSWORD: DB_PASSWORD, T_UPSTREAM_TOKEN: UPSTREAM_TOKEN, WARDEN_LOG_LEVEL: 'debug' }
  const gateway = await startGatewayProcess(file, { cwd: dir, env })
  const minted = await warden(['token', '--as', 'cursor', '--group', 'agents', '--config', file], { cwd: dir })
  const token = minted.out.trim()
  const forged = `${token.slice(0, -6)}AAAAAA`
  try {
    const tls = { rejectUnauthorized: false }

    const curl = (args: string[]) => { try { return execFileSync('curl', ['-sk', '-o', '/dev/null', '-w', '%{http_code}', ...args], { encoding: 'utf8' }) } catch (err) { return String((err as { stdout?: string }).stdout) } }
    assert.is(curl(['-H', `Authorization: Bearer ${forged}`, `https://127.0.0.1:${ports.http}/t/api/get`]), '401')
    assert.is(curl(['-H', `Authorization: Bearer ${token}`, `https://127.0.0.1:${ports.http}/t/api/get`]), '502', 'an untrusted upstream certificate was accepted')
    assert.is(curl(['--proxy', `http://agent:${forged}@127.0.0.1:${ports.proxy}`, `https://127.0.0.1:${upstreamPort}/x`]), '000')
    const admin = await fetch(`http://127.0.0.1:${ports.admin}/v1/approvals`, { headers: { authorization: `Bearer ${forged}` } })
    assert.is(admin.status, 401)
    for (const password of [forged, token]) {
      const client = new pg.Client({ host: '127.0.0.1', port: ports.postgres, database: 'app', user: 'cursor', password, ssl: tls })
      const err = await client.connect().then(() => undefined, (e: Error) => e)
      await client.end().catch(() => undefined)
      assert.ok(err, 'a session opened with no reachable upstream')
    }
    assert.is(seen, undefined, 'the upstream credential reached a server whose certificate does not verify')
  } finally {
    assert.is(await gateway.stop(), 0)
    upstream.close()
  }
  const written = `${gateway.output()}\n${readFileSync(join(dir, 'state-run', 'audit.jsonl'), 'utf8')}`
  assert.match(written, '"status":502,"error":"http.upstream_failed"', 'the upstream failure was not recorded')
  // A JWT's signature is what makes it a credential: neither the valid one nor the forged one may appear.
  for (const [what, secret] of [['the agent token', token.slice(-40)], ['the refused token', forged.slice(-40)], ['the upstream token', UPSTREAM_TOKEN], ['the database password', DB_PASSWORD]]) {
    assert.not.ok(written.includes(secret!), `${what} was written out`)
  }
})

test('a secret written where its variable name goes is refused without being printed', async () => {
  const { file } = await config('misplaced', 1, '"${T_UPSTREAM_TOKEN}"')
  const r = await warden(['up', '--config', file], { cwd: dir, env: { T_UPSTREAM_TOKEN: UPSTREAM_TOKEN, T_DB_PASSWORD: DB_PASSWORD } })
  assert.is(r.code, 2)
  assert.match(r.err, 'targets[1].upstream_http.credential.token_env: token_env takes the name of the environment variable that holds the secret, not its value: write token_env: T_UPSTREAM_TOKEN')
  assert.not.ok(`${r.out}${r.err}`.includes(UPSTREAM_TOKEN), 'the secret was printed')
})

test.after(() => rmSync(dir, { recursive: true, force: true }))
test.run()
