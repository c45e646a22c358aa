// The real `gcloud logging read` through the forward proxy (HTTPS_PROXY, the gateway CA), against a recording
// upstream answering entries:list as Cloud Logging does. An agent's filter on fields that carry no secret passes
// and its entries come back masked; a filter that guesses at what the masks hide, without naming anything, is held
// with the term named (it answered "there are entries" or not: a prefix oracle on the masked value); a human's is
// not affected.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { json, startTestGateway, type TestGateway } from './testing/gateway.ts'

const dir = mkdtempSync(join(tmpdir(), 'warden-gcloud-logging-'))
let g: TestGateway
let env: NodeJS.ProcessEnv

const ENTRIES = {
  entries: [
    { logName: 'projects/p/logs/app', resource: { type: 'k8s_container', labels: { project_id: 'p' } }, timestamp: '2026-11-30T10:00:00Z', insertId: 'a1', severity: 'ERROR', textPayload: 'login user=bob password=hunter2xyz failed' },
    { logName: 'projects/p/logs/app', resource: { type: 'k8s_container', labels: { project_id: 'p' } }, timestamp: '2026-11-30T10:00:01Z', insertId: 'a2', severity: 'ERROR', jsonPayload: { msg: 'call', api_key: 'sk_live_Q7vZ3xTb9LmP2sRn4Jd' } },
  ],
}

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'gcp', kind: 'gcp', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'HELD_GCP' }, hosts: ['*.googleapis.com'] } },
  ], { tls: true, env: { HELD_GCP: 'gcp-held-token' }, holdSeconds: 0.3 })
  writeFileSync(join(dir, 'agent'), await g.agentToken())
  writeFileSync(join(dir, 'human'), await g.te.token('bob', ['eng'], { kind: 'human' }))
  env = {
    ...process.env, HOME: dir, NO_PROXY: '', no_proxy: '', REQUESTS_CA_BUNDLE: g.ca.bundle, SSL_CERT_FILE: g.ca.bundle,
    CLOUDSDK_CONFIG: join(dir, 'gcloud'), CLOUDSDK_CORE_DISABLE_PROMPTS: '1', CLOUDSDK_CORE_PROJECT: 'p',
  }
})
test.after(async () => {
  await g.close()
  rmSync(dir, { recursive: true, force: true })
})

/** gcloud logging read FILTER as `who`: the proxy password and the access token are that caller's token. */
async function read(who: 'agent' | 'human', filter: string) {
  const token = who === 'agent' ? await g.agentToken() : await g.te.token('bob', ['eng'], { kind: 'human' })
  const proxy = g.proxy.url.replace('http://', `http://${who}:${token}@`)
  const before = g.upstream.seen.length
  const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('gcloud', ['logging', 'read', filter, '--format', 'json', '--limit', '5', '--access-token-file', join(dir, who)],
      { env: { ...env, HTTPS_PROXY: proxy, https_proxy: proxy }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }))
  })
  return { ...out, forwarded: g.upstream.seen.slice(before).filter((s) => s.url.includes('entries:list')) }
}

test('an agent reads entries filtered on fields that carry no secret: allowed, the secrets masked', async () => {
  g.route = (_req, res) => json(res, ENTRIES)
  const out = await read('agent', 'severity>=ERROR AND resource.type="k8s_container" AND resource.labels.project_id="p"')
  assert.is(out.code, 0, out.stderr)
  assert.is(out.forwarded.length, 1)
  const entries = JSON.parse(out.stdout) as Array<{ insertId: string; textPayload?: string }>
  assert.equal(entries.map((e) => e.insertId), ['a1', 'a2'])
  assert.match(entries[0]!.textPayload!, /^login user=bob password=/)
  assert.not.match(out.stdout, 'hunter2xyz')
  assert.not.match(out.stdout, 'sk_live_Q7vZ')
})

test('an agent\'s guesses that name nothing are held, the term named, and never reach Cloud Logging', async () => {
  g.route = (_req, res) => json(res, ENTRIES)
  for (const [filter, named] of [
    ['"sk_live_Q7"', 'free text "sk_live_Q7"'],
    ['jsonPayload.api_key=~"^sk_live_Q"', 'jsonPayload.api_key=~"^sk_live_Q"'],
    ["textPayload:'hunter2'", 'a single-quoted string is not read'],
    ['textPayload\u00a0:"hunter2"', 'U+00A0'],
  ]) {
    const out = await read('agent', filter!)
    assert.ok(out.code !== 0, `${filter}: ${out.stdout}`)
    assert.match(out.stderr, 'held for approval', filter)
    const id = /held for approval (apr_\w+)/.exec(out.stderr)?.[1]
    const held = (await g.te.approvals.list({})).find((a) => a.id === id)
    assert.ok(held?.reasons.some((r) => r.rule === 'warden.rules.cloud.log_filter' && r.message.includes(named!)), `${filter}: ${JSON.stringify(held?.reasons)}`)
    assert.is(out.forwarded.length, 0, `${filter}: forwarded`)
  }
})

test('a human\'s free-text search is not affected', async () => {
  g.route = (_req, res) => json(res, ENTRIES)
  const out = await read('human', '"sk_live_Q7"')
  assert.is(out.code, 0, out.stderr)
  assert.is(out.forwarded.length, 1)
})

test.run()
