// testdata/configs/production.yaml, the example without the development issuer: it validates against the config
// schema, and `warden up` refuses it only for what a deployment must supply (the environment it names), then
// starts once that is there.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseDocument } from 'yaml'
import { parseConfig } from '../../engine/config/parse.ts'
import { validator } from '../../engine/schema/validate.ts'
import { resolveTls } from '../../proxy/server/tls.ts'
import { memoryIo } from '../io.ts'
import { runUp } from './up.ts'
import { freePort } from '../../proxy/postgres/testing/cluster.ts'

const example = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'testdata', 'configs', 'production.yaml')
const dir = mkdtempSync(join(tmpdir(), 'warden-prod-'))
const REFERENCED = ['WARDEN_OIDC_ISSUER', 'WARDEN_OIDC_JWKS_URL', 'WARDEN_CHECKPOINT_WEBHOOK_URL', 'WARDEN_PROD_DB_HOST']

const deployment = (webhook = 'https://siem.example.com/warden'): Record<string, string> => ({
  WARDEN_OIDC_ISSUER: 'https://sso.example.com/oauth2/default',
  WARDEN_OIDC_JWKS_URL: 'https://sso.example.com/oauth2/default/v1/keys',
  WARDEN_CHECKPOINT_WEBHOOK_URL: webhook,
  WARDEN_PROD_DB_HOST: '127.0.0.1',
})

/** The example as a test may run it: every listener on 127.0.0.1 at a free port, its files under `dir`. */
async function runnableCopy(): Promise<string> {
  const doc = parseDocument(readFileSync(example, 'utf8'))
  const tls = await resolveTls(undefined, join(dir, 'pki'))
  doc.setIn(['listeners', 'postgres', 'host'], '127.0.0.1')
  doc.setIn(['listeners', 'postgres', 'port'], await freePort())
  doc.setIn(['listeners', 'postgres', 'tls', 'cert'], tls.certPath)
  doc.setIn(['listeners', 'postgres', 'tls', 'key'], join(dir, 'pki', 'tls', 'key.pem'))
  doc.setIn(['listeners', 'admin', 'port'], await freePort())
  doc.setIn(['audit', 'checkpoints', 'file'], join(dir, 'checkpoints.jsonl'))
  const file = join(dir, 'production-local.yaml')
  writeFileSync(file, doc.toString())
  return file
}

test('the example validates against the config schema once its references are filled, and trusts no dev issuer', () => {
  const doc = parseDocument(readFileSync(example, 'utf8'))
  let text = JSON.stringify(doc.toJS())
  for (const [name, value] of Object.entries(deployment())) text = text.replaceAll(`\${${name}}`, value)
  assert.not.match(text, '${', 'a reference the test does not know')
  const filled = JSON.parse(text) as unknown
  assert.equal(validator('config').issues(structuredClone(filled)), [])
  const config = parseConfig(filled)
  assert.ok(config.identity.providers.every((p) => p.dev !== true && p.jwks_url?.startsWith('https://')))
  assert.is(config.audit.on_failure, 'fail')
  assert.is(config.audit.store, 'sqlite')
  assert.ok(config.audit.checkpoints.file && config.audit.checkpoints.webhook)
  assert.ok(config.roles.auditor.length > 0)
})

test('warden up refuses it while the environment it names is missing: each variable, nothing started', async () => {
  const state = join(dir, 'unstarted')
  const io = memoryIo({}, dir)
  assert.is(await runUp(['--config', example, '--state-dir', state], io), 2)
  assert.is(io.stdout, '')
  const problems = io.stderr.trim().split('\n').slice(1)
  assert.is(problems.length, REFERENCED.length, io.stderr)
  for (const name of REFERENCED) assert.match(io.stderr, `refers to the environment variable ${name}, which is not set; export ${name}`)
  assert.not.ok(existsSync(state), 'the state directory was created by a refused start')
})

test('with the references filled, the one thing left is the webhook secret, named', async () => {
  const io = memoryIo(deployment(), dir)
  assert.is(await runUp(['--config', await runnableCopy(), '--state-dir', join(dir, 'no-secret')], io), 1)
  assert.match(io.stderr, 'audit.checkpoints.webhook.secret_env names WARDEN_CHECKPOINT_WEBHOOK_SECRET, which is not set')
  assert.is(io.stdout, '')
})

test('with everything supplied it starts: no dev-issuer warning, IdP tokens, a trail that fails closed', async () => {
  const receiver = createHttpServer((req, res) => { req.resume(); res.end('ok') })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const { port } = receiver.address() as { port: number }
  const env = { ...deployment(`http://127.0.0.1:${port}/checkpoints`), WARDEN_CHECKPOINT_WEBHOOK_SECRET: 'not-a-real-secret' }
  const io = memoryIo(env, dir)
  try {
    const running = runUp(['--config', await runnableCopy(), '--state-dir', join(dir, 'state')], io)
    for (let i = 0; i < 2400 && !io.stdout.includes('Warden gateway is up') && !io.stderr.includes('could not start'); i++) await new Promise((r) => setTimeout(r, 25))
    assert.match(io.stdout, 'Warden gateway is up', io.stderr)
    assert.not.match(io.stdout + io.stderr, 'development token issuer')
    assert.match(io.stdout, 'Tokens come from your identity provider')
    assert.match(io.stdout, 'fails closed')
    assert.match(io.stdout, `State       ${join(dir, 'state')} (--state-dir)`)
    process.emit('SIGTERM')
    assert.is(await running, 0)
  } finally {
    await new Promise<void>((resolve) => receiver.close(() => resolve()))
  }
})

test.after(() => rmSync(dir, { recursive: true, force: true }))
test.run()
