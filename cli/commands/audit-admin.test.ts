// `warden audit … --admin URL`: the same readers through a running gateway's admin API, as an auditor. The
// output is the output of reading the store directly; refusals and an unreachable gateway say which they are.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Identity } from '../../engine/types.ts'
import { fakeAdminEngine } from '../../proxy/admin/fake-engine.ts'
import { createAdminHandler } from '../../proxy/admin/handler.ts'
import { type AdminServer, serveAdmin } from '../../proxy/admin/node-server.ts'
import { SAMPLE_JWT, sampleTrailConfig, writeSampleTrail } from '../../proxy/admin/testing/sample-trail.ts'
import { openTrailReader } from '../../proxy/server/audit-reader.ts'
import { memoryIo } from '../io.ts'
import { main } from '../main.ts'

const dir = mkdtempSync(join(tmpdir(), 'warden-audit-admin-'))
const stateDir = join(dir, 'state')
const config = sampleTrailConfig(stateDir)
await writeSampleTrail(config)
// The same trail as a config file says it, for reading it directly.
const configFile = join(dir, 'warden.yaml')
writeFileSync(configFile, `state_dir: ./state
identity: { providers: [{ name: dev, issuer: warden-dev, audience: warden, dev: true }] }
targets: [{ name: demo, kind: postgres, environment: production, embedded: true }]
audit: { destination: "off", checkpoints: { file: ./state/exported-checkpoints.jsonl } }
`)

const dana: Identity = { sub: 'dana', issuer: 'https://idp.example', groups: ['security'], kind: 'human' }
let server: AdminServer

test.before(async () => {
  const { engine } = await fakeAdminEngine()
  const base = engine.authenticate
  engine.authenticate = async (token: string) => (token === 'dana' ? dana : base(token))
  const handle = createAdminHandler({ engine, approverGroups: ['dba'], roles: { auditor: ['security'], admin: [] }, openAuditReader: () => openTrailReader(config, {}) })
  server = await serveAdmin(handle, { host: '127.0.0.1', port: 0 })
})

test.after(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

async function warden(args: string[], env: Record<string, string> = {}) {
  const io = memoryIo(env, dir)
  const code = await main(['audit', ...args], io)
  return { code, out: io.stdout, err: io.stderr }
}

const local = (...args: string[]) => warden([...args, '--config', configFile])
const remote = (...args: string[]) => warden([...args, '--admin', server.url, '--token', 'dana'])

test('verify, sessions, show and export print the same through the admin API as from the store', async () => {
  for (const args of [['verify'], ['verify', '--json'], ['sessions'], ['sessions', '--identity', 'bob', '--json'], ['sessions', '--since', '2100-01-01T00:00:00Z'], ['show', 'sess-a'], ['show', 'sess-b', '--json'], ['export', '--format', 'jsonl']]) {
    const [mine, theirs] = [await local(...args), await remote(...args)]
    assert.is(theirs.code, 0, `${args.join(' ')}: ${theirs.err}`)
    assert.is(theirs.out, mine.out, args.join(' '))
    assert.ok(theirs.out.length > 10, args.join(' '))
  }
  const exported = (await remote('export')).out
  assert.is(exported.trim().split('\n').length, 4)
  assert.not.match(exported, SAMPLE_JWT)
})

test('the token can come from $WARDEN_TOKEN; an unknown session is exit 1', async () => {
  const r = await warden(['show', 'nope', '--admin', server.url], { WARDEN_TOKEN: 'dana' })
  assert.is(r.code, 1)
  assert.match(r.err, 'no session "nope"')
})

test('not an auditor: exit 1 with the refusal; no gateway: exit 2 saying so', async () => {
  const refused = await warden(['sessions', '--admin', server.url, '--token', 'alice'])
  assert.is(refused.code, 1)
  assert.match(refused.err, 'warden audit sessions: refused (HTTP 403 auth.forbidden): reading the audit trail takes the auditor role')
  const gone = await warden(['verify', '--admin', 'http://127.0.0.1:1', '--token', 'dana'])
  assert.is(gone.code, 2)
  assert.match(gone.err, 'cannot reach the admin API at http://127.0.0.1:1')
})

test('flags that only make sense one way are usage errors', async () => {
  const keys = await warden(['verify', '--admin', server.url, '--token', 'dana', '--public-key', 'k.pem'])
  assert.is(keys.code, 2)
  assert.match(keys.err, '--public-key read the store itself')
  const stray = await warden(['verify', '--token', 'dana', '--state-dir', stateDir])
  assert.is(stray.code, 2)
  assert.match(stray.err, '--token only apply with --admin URL')
})

test.run()
