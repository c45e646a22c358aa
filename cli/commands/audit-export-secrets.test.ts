// End to end: real traffic through a real gateway (PostgreSQL on the private demo cluster, an HTTPS API through
// the reverse proxy), full of secrets: the agent's token, literals holding an email, a card number, a JWT and a
// password, a bound parameter, credential-looking query values and headers, the gateway's own upstream token,
// and result values the policy masks. Then `warden audit export`: every decision is an OPA decision-log entry
// with its decision_id, labels, bundle revision and masked/erased paths, and no secret is in any of them, by
// the strings themselves and by every secret detector the engine has.
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { pino } from 'pino'
import { Agent, fetch } from 'undici'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { defaultConfig } from '../../engine/config/defaults.ts'
import { signDevToken } from '../../engine/identity/dev-issuer.ts'
import { DETECTOR_NAMES, findSpans } from '../../engine/obligations/mask/detectors/index.ts'
import { startUpstream } from '../../proxy/http/testing/upstream.ts'
import { startGateway } from '../../proxy/server.ts'
import { loadOrCreateDevKey } from '../../proxy/server/dev-key.ts'
import { memoryIo } from '../io.ts'
import { main } from '../main.ts'

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const dir = mkdtempSync(join(tmpdir(), 'warden-export-secrets-'))
// When the tests run as root, the demo cluster's server runs as `postgres`, which must enter the state directory.
chmodSync(dir, 0o711)
const stateDir = join(dir, 'state')

const LITERAL_JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.dGhpc2lzbm90YXJlYWxzaWduYXR1cmU'
const SECRETS = {
  email: 'ada.lovelace@example.com',
  card: '4242 4242 4242 4242',
  jwt: LITERAL_JWT,
  password: 'Pa55-w0rd-never-stored',
  bound: 'grace.hopper@example.com',
  query: 'querysecret0123456789',
  header: 'headersecret0123456789',
  upstream: 'upstream-secret-0123456789',
}

test('an export of real traffic holds every decision with OPA decision-log fields, and not one secret', async () => {
  const upstream = await startUpstream((_req, res) => { res.setHeader('content-type', 'application/json'); res.end('{"items":[]}') })
  const config = defaultConfig(stateDir)
  for (const l of Object.values(config.listeners)) l.port = 0
  config.policy.source = join(packageRoot, 'policies')
  config.audit.destination = 'off'
  config.targets = [
    { name: 'demo', kind: 'postgres', environment: 'production', labels: {}, embedded: true },
    { name: 'api', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: upstream.url, ca_file: upstream.caFile, credential: { kind: 'bearer', token_env: 'EXPORT_TEST_UPSTREAM' }, hosts: [] } },
  ]
  // A gateway that cannot start (no OPA binary) must not leave the upstream holding the process open.
  const gateway = await startGateway(config, { log: pino({ level: 'silent' }), packageRoot, env: { WARDEN_DEMO_BACKEND: 'postgres', EXPORT_TEST_UPSTREAM: SECRETS.upstream } })
    .catch(async (err) => { await upstream.close(); throw err })
  const { privateJwk } = await loadOrCreateDevKey(stateDir)
  const token = await signDevToken(privateJwk, { issuer: 'warden-dev', audience: 'warden', sub: 'cursor', groups: ['agents'], ttlSeconds: 300 })
  try {
    const client = new pg.Client({ host: '127.0.0.1', port: gateway.postgres.address.port, database: 'demo', user: 'cursor', password: token })
    client.on('error', () => undefined)
    await client.connect()
    try {
      const rows = (await client.query('SELECT name, email, card_number FROM users ORDER BY id')).rows
      assert.not.match(JSON.stringify(rows), SECRETS.email, 'the policy masks emails in results')
      await client.query(`SELECT name FROM users WHERE email = '${SECRETS.email}' OR card_number = '${SECRETS.card}'`)
      await client.query(`SELECT '${SECRETS.jwt}' AS token`)
      await client.query({ text: 'SELECT name FROM users WHERE email = $1', values: [SECRETS.bound] })
      await client.query(`ALTER ROLE warden PASSWORD '${SECRETS.password}'`).catch(() => undefined)
    } finally {
      await client.end()
    }
    const dispatcher = new Agent({ connect: { ca: readFileSync(gateway.http!.ca.cert, 'utf8') } })
    const res = await fetch(`${gateway.http!.reverse.url}/t/api/v1/items?api_key=${SECRETS.query}&q=ok`, { headers: { authorization: `Bearer ${token}`, 'x-api-key': SECRETS.header }, dispatcher })
    assert.is(res.status, 200, await res.clone().text())
    await res.text()
  } finally {
    await gateway.close()
    await upstream.close()
  }

  const io = memoryIo({}, dir)
  assert.is(await main(['audit', 'export', '--format', 'jsonl', '--state-dir', stateDir], io), 0, io.stderr)
  const text = io.stdout
  const entries = text.trim().split('\n').map((l) => JSON.parse(l))
  const statements = entries.filter((e) => e.input.command.protocol === 'postgres')
  const requests = entries.filter((e) => e.input.command.protocol === 'http')
  assert.is(statements.length, 5, 'one entry per statement: each release folded into its outcome')
  assert.is(requests.length, 1)
  assert.not.ok(entries.some((e) => e.warden.type === 'release'), 'every released statement has its outcome')
  const gatewayId = readFileSync(join(stateDir, 'gateway-id'), 'utf8').trim()
  for (const e of entries) {
    assert.match(e.decision_id, /^([0-9a-f-]{36}|dec_[0-9a-f]{20})$/)
    assert.is(e.path, 'warden/decision')
    assert.ok(['allow', 'deny', 'approve'].includes(e.result.effect))
    assert.ok(Date.parse(e.timestamp) > 0)
    assert.equal([e.labels.app, e.labels.id, e.labels.version, e.labels.store], ['warden', gatewayId, '0.1.0', 'sqlite'])
    assert.match(e.bundles.warden.revision, /^sha256:[0-9a-f]{32}$/)
    assert.equal(e.masked, ['/input/command/raw'])
    assert.ok(e.erased.includes('/input/risk'))
    assert.is(e.input.identity.sub, 'cursor')
  }
  assert.is(new Set(entries.map((e) => e.decision_id)).size, entries.length)
  assert.is(requests[0].input.command.http.method, 'GET')
  assert.ok(statements.some((e) => e.result.effect === 'deny'), 'the ALTER ROLE is refused and recorded')

  for (const [what, secret] of Object.entries({ ...SECRETS, token })) assert.not.ok(text.includes(secret), `${what} is in the export`)
  // Every string of every entry, through every detector the masking engine has: nothing found (and they do
  // find these secrets when they are there).
  for (const secret of [SECRETS.email, SECRETS.card, SECRETS.jwt, `Bearer ${token}`]) assert.ok(findSpans(secret, DETECTOR_NAMES).length > 0, secret)
  const strings: string[] = []
  const walk = (v: unknown): void => {
    if (typeof v === 'string') strings.push(v)
    else if (v && typeof v === 'object') Object.values(v).forEach(walk)
  }
  entries.forEach(walk)
  const found = strings.flatMap((s) => findSpans(s, DETECTOR_NAMES).map((span) => `${span.detector}: ${s.slice(span.start, span.end)}`))
  assert.equal(found, [])
})

test.after(() => rmSync(dir, { recursive: true, force: true }))
test.run()
