// The real aws CLI and gcloud through the forward proxy (HTTPS_PROXY with the token as the proxy password, the
// CA bundle variables `warden ca` prints), against a recording HTTPS upstream standing in for AWS and Google APIs.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'

const dir = mkdtempSync(join(tmpdir(), 'warden-clis-'))
let g: TestGateway
let env: NodeJS.ProcessEnv

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'aws', kind: 'aws', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'aws_sigv4', access_key_id_env: 'HELD_ID', secret_access_key_env: 'HELD_SECRET' }, hosts: ['*.amazonaws.com'] } },
    { name: 'gcp', kind: 'gcp', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'HELD_GCP' }, hosts: ['*.googleapis.com'] } },
  ], { env: { HELD_ID: 'AKIDGATEWAYHELD', HELD_SECRET: 'held-secret', HELD_GCP: 'gcp-held-token' } })
  const token = await g.agentToken()
  writeFileSync(join(dir, 'token'), token)
  const proxy = g.proxy.url.replace('http://', `http://agent:${token}@`)
  env = {
    ...process.env, HOME: dir, HTTPS_PROXY: proxy, https_proxy: proxy, NO_PROXY: '', no_proxy: '',
    AWS_CA_BUNDLE: g.ca.bundle, REQUESTS_CA_BUNDLE: g.ca.bundle, CURL_CA_BUNDLE: g.ca.bundle, SSL_CERT_FILE: g.ca.bundle,
    AWS_ACCESS_KEY_ID: 'AKIDAGENTOWN', AWS_SECRET_ACCESS_KEY: 'agent-own', AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true',
    CLOUDSDK_CONFIG: join(dir, 'gcloud'), CLOUDSDK_CORE_DISABLE_PROMPTS: '1', CLOUDSDK_CORE_PROJECT: 'p',
  }
})
test.after(async () => {
  await g.close()
  rmSync(dir, { recursive: true, force: true })
})

const cli = (cmd: string, args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
  execFile(cmd, args, { env, timeout: 120_000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }))
})

test('aws s3 ls is allowed and reaches the upstream signed with the held key', async () => {
  g.route = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml' })
    res.end('<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>o</ID></Owner><Buckets><Bucket><Name>bucket-one</Name><CreationDate>2024-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>')
  }
  const out = await cli('aws', ['s3', 'ls'])
  assert.is(out.code, 0, out.stderr)
  assert.match(out.stdout, 'bucket-one')
  const seen = g.upstream.seen.at(-1)!
  assert.match(String(seen.headers.authorization), 'Credential=AKIDGATEWAYHELD/')
  assert.not.match(JSON.stringify(seen.headers), 'AKIDAGENTOWN')
})

test('aws iam create-user is denied, and the CLI prints the reason', async () => {
  const before = g.upstream.seen.length
  const out = await cli('aws', ['iam', 'create-user', '--user-name', 'mallory'])
  assert.ok(out.code !== 0)
  assert.match(out.stderr, /\(AccessDenied\) when calling the CreateUser operation: warden: denied: /)
  assert.is(g.upstream.seen.length, before)
})

test('gcloud storage ls is allowed; the upstream sees the gateway token, not the access-token file', async () => {
  g.route = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ kind: 'storage#buckets', items: [{ kind: 'storage#bucket', name: 'gcs-one', id: 'gcs-one' }] }))
  }
  const out = await cli('gcloud', ['storage', 'ls', '--access-token-file', join(dir, 'token')])
  assert.is(out.code, 0, out.stderr)
  assert.match(out.stdout, 'gs://gcs-one/')
  const seen = g.upstream.seen.at(-1)!
  assert.match(seen.url, /^\/storage\/v1\/b\?/)
  assert.is(seen.headers.authorization, 'Bearer gcp-held-token')
})

test('gcloud projects set-iam-policy is denied before it reaches the upstream', async () => {
  const policy = join(dir, 'policy.json')
  writeFileSync(policy, JSON.stringify({ bindings: [{ role: 'roles/owner', members: ['user:mallory@example.com'] }], etag: 'BwE=' }))
  const before = g.upstream.seen.length
  const out = await cli('gcloud', ['projects', 'set-iam-policy', 'p', policy, '--access-token-file', join(dir, 'token')])
  assert.ok(out.code !== 0)
  assert.match(out.stderr, 'warden: denied')
  assert.not.ok(g.upstream.seen.slice(before).some((s) => s.url.includes('setIamPolicy')))
})

test.run()
