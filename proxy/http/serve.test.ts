// `warden up` wiring: a config with an HTTP target starts the reverse listener and the HTTPS proxy (with a CA
// in the state directory) beside the PostgreSQL and admin listeners, and its summary says where they are.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import { Agent, fetch } from 'undici'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { defaultConfig } from '../../engine/config/defaults.ts'
import { signDevToken } from '../../engine/identity/index.ts'
import { loadOrCreateDevKey } from '../server/dev-key.ts'
import { startGateway } from '../server.ts'
import { startUpstream } from './testing/upstream.ts'

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const dir = mkdtempSync(join(tmpdir(), 'warden-serve-'))
test.after(() => rmSync(dir, { recursive: true, force: true }))

test('a gateway with HTTP targets serves them on /t/<target>/ and says so in its summary', async () => {
  const upstream = await startUpstream((req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ path: req.url, auth: req.headers.authorization })) })
  const config = defaultConfig()
  config.state_dir = join(dir, 'state')
  config.audit.destination = join(dir, 'audit.jsonl')
  config.policy.source = join(packageRoot, 'policies')
  for (const l of Object.values(config.listeners)) l.port = 0
  config.targets = [
    { name: 'prod-k8s', kind: 'kubernetes', environment: 'production', labels: {}, production_namespaces: ['prod'], upstream_http: { url: upstream.url, ca_file: upstream.caFile, credential: { kind: 'bearer', token_env: 'SERVE_TEST_K8S' }, hosts: [] } },
  ]
  const gateway = await startGateway(config, { log: pino({ level: 'silent' }), packageRoot, env: { SERVE_TEST_K8S: 'sa' } })
  try {
    assert.ok(gateway.http, 'the HTTP gateway runs')
    assert.match(gateway.summary, `HTTP        ${gateway.http!.reverse.url}/t/<target>/`)
    assert.match(gateway.summary, `HTTPS proxy ${gateway.http!.proxy.url}`)
    assert.match(gateway.summary, `prod-k8s  kubernetes · production · ${gateway.http!.reverse.url}/t/prod-k8s/ → ${upstream.url}`)
    const { privateJwk } = await loadOrCreateDevKey(config.state_dir)
    const token = await signDevToken(privateJwk, { issuer: 'warden-dev', audience: 'warden', sub: 'cursor', groups: ['agents'], ttlSeconds: 300 })
    assert.match(gateway.http!.reverse.url, /^https:\/\/127\.0\.0\.1:/)
    // TLS by default, with a certificate from the same CA as the HTTPS proxy.
    const dispatcher = new Agent({ connect: { ca: readFileSync(gateway.http!.ca.cert, 'utf8') } })
    const res = await fetch(`${gateway.http!.reverse.url}/t/prod-k8s/api/v1/namespaces/prod/pods`, { headers: { authorization: `Bearer ${token}` }, dispatcher })
    assert.is(res.status, 200)
    assert.equal(await res.json(), { path: '/api/v1/namespaces/prod/pods', auth: 'Bearer sa' })
  } finally {
    await gateway.close()
    await upstream.close()
  }
})

test.run()
