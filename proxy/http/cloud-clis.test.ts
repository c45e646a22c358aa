// The real aws CLI and gcloud through the forward proxy (HTTPS_PROXY with the token as the proxy password, the
// CA bundle variables `warden ca` prints), and gcloud through the reverse route (CLOUDSDK_API_ENDPOINT_OVERRIDES_*,
// a target per API with its api_host), against a recording HTTPS upstream standing in for AWS and Google APIs:
// Compute Engine, Cloud SQL Admin and GKE reads allowed, a delete denied, a restart held.
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
    // Reverse mode: one target per API, judged as its real host.
    ...(['compute', 'sqladmin', 'container'] as const).map((api) => ({
      name: `gcp-${api}`, kind: 'gcp' as const, environment: 'production', labels: {},
      upstream_http: { url: up.url, ca_file: up.caFile, api_host: `${api}.googleapis.com`, credential: { kind: 'bearer' as const, token_env: 'HELD_GCP' }, hosts: [] },
    })),
  ], { tls: true, env: { HELD_ID: 'AKIDGATEWAYHELD', HELD_SECRET: 'held-secret', HELD_GCP: 'gcp-held-token' } })
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

const cli = (cmd: string, args: string[], via: NodeJS.ProcessEnv = env) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
  execFile(cmd, args, { env: via, timeout: 120_000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }))
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

// ---- gcloud: Compute Engine, Cloud SQL Admin and GKE, through HTTPS_PROXY and through endpoint overrides ----

/** What the stand-in Google APIs answer: a VM, a Cloud SQL instance, a GKE cluster, and finished operations. */
function googleApis(): void {
  g.route = (req, res) => {
    const reply = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (req.url.startsWith('/compute/v1/projects/p/zones/us-central1-a/instances')) {
      return reply({ kind: 'compute#instanceList', items: [{ kind: 'compute#instance', name: 'vm-1', zone: 'https://compute.googleapis.com/compute/v1/projects/p/zones/us-central1-a', status: 'RUNNING', machineType: 'https://compute.googleapis.com/compute/v1/projects/p/zones/us-central1-a/machineTypes/e2-small' }] })
    }
    if (req.url.startsWith('/sql/v1beta4/projects/p/instances/db-1/restart') || req.url.startsWith('/sql/v1beta4/projects/p/operations/')) {
      return reply({ kind: 'sql#operation', name: 'op-1', status: 'DONE', operationType: 'RESTART', targetId: 'db-1', targetProject: 'p', selfLink: 'https://sqladmin.googleapis.com/sql/v1beta4/projects/p/operations/op-1' })
    }
    if (req.url.startsWith('/sql/v1beta4/projects/p/instances')) {
      return reply({ kind: 'sql#instancesList', items: [{ kind: 'sql#instance', name: 'db-1', project: 'p', databaseVersion: 'POSTGRES_15', region: 'us-central1', state: 'RUNNABLE', settings: { tier: 'db-f1-micro' } }] })
    }
    if (req.url.startsWith('/v1/projects/p/locations/us-central1-a/clusters')) {
      return reply({ clusters: [{ name: 'gke-prod', location: 'us-central1-a', status: 'RUNNING', currentMasterVersion: '1.30.5-gke.1', currentNodeCount: 3, endpoint: '10.0.0.2' }] })
    }
    reply({})
  }
}

const googleModes: Array<[string, () => NodeJS.ProcessEnv]> = [
  ['HTTPS_PROXY', () => env],
  ['endpoint overrides', () => {
    const direct: NodeJS.ProcessEnv = { ...env }
    delete direct.HTTPS_PROXY
    delete direct.https_proxy
    return {
      ...direct,
      CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE: `${g.reverse.url}/t/gcp-compute/compute/v1/`,
      CLOUDSDK_API_ENDPOINT_OVERRIDES_SQL: `${g.reverse.url}/t/gcp-sqladmin/`,
      CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER: `${g.reverse.url}/t/gcp-container/`,
    }
  }],
]

const tokenArgs = () => ['--access-token-file', join(dir, 'token')]

for (const [mode, via] of googleModes) {
  test(`gcloud (${mode}): compute instances, sql instances and container clusters list are allowed with the gateway token`, async () => {
    googleApis()
    const before = g.upstream.seen.length
    const vms = await cli('gcloud', ['compute', 'instances', 'list', '--zones', 'us-central1-a', '--format', 'value(name)', ...tokenArgs()], via())
    assert.is(vms.code, 0, vms.stderr)
    assert.is(vms.stdout.trim(), 'vm-1')
    const dbs = await cli('gcloud', ['sql', 'instances', 'list', '--format', 'value(name)', ...tokenArgs()], via())
    assert.is(dbs.code, 0, dbs.stderr)
    assert.is(dbs.stdout.trim(), 'db-1')
    const clusters = await cli('gcloud', ['container', 'clusters', 'list', '--zone', 'us-central1-a', '--format', 'value(name)', ...tokenArgs()], via())
    assert.is(clusters.code, 0, clusters.stderr)
    assert.is(clusters.stdout.trim(), 'gke-prod')
    const seen = g.upstream.seen.slice(before)
    assert.equal(seen.map((s) => `${s.method} ${s.url.split('?')[0]}`), [
      'GET /compute/v1/projects/p/zones/us-central1-a/instances',
      'GET /sql/v1beta4/projects/p/instances',
      'GET /v1/projects/p/locations/us-central1-a/clusters',
    ])
    assert.ok(seen.every((s) => s.headers.authorization === 'Bearer gcp-held-token'))
    const judged = g.te.judged.slice(-3)
    assert.equal(judged.map((j) => [j.effect, new URL(j.text.split(' ')[1]!).hostname]), [
      ['allow', 'compute.googleapis.com'], ['allow', 'sqladmin.googleapis.com'], ['allow', 'container.googleapis.com'],
    ])
  })

  test(`gcloud (${mode}): compute instances delete is denied with the reason; nothing reaches the API`, async () => {
    googleApis()
    const before = g.upstream.seen.length
    const out = await cli('gcloud', ['compute', 'instances', 'delete', 'vm-1', '--zone', 'us-central1-a', ...tokenArgs()], via())
    assert.ok(out.code !== 0)
    assert.match(out.stderr, 'warden: denied: gcp compute.instances.delete on projects/p/zones/us-central1-a/instances/vm-1 deletes cloud resources')
    assert.is(g.upstream.seen.length, before)
  })

  test(`gcloud (${mode}): sql instances restart is held; a reviewer approves and it reaches the API`, async () => {
    googleApis()
    const before = g.upstream.seen.length
    const child = cli('gcloud', ['sql', 'instances', 'restart', 'db-1', ...tokenArgs()], via())
    let id: string | undefined
    for (let i = 0; i < 200 && !id; i++) {
      id = (await g.te.approvals.list({ status: 'pending' })).find((a) => a.command.summary.includes('/instances/db-1/restart'))?.id
      if (!id) await new Promise((r) => setTimeout(r, 50))
    }
    assert.ok(id, 'the restart was held')
    assert.not.ok(g.upstream.seen.slice(before).some((s) => s.method === 'POST'), 'nothing was posted before approval')
    await g.te.approvals.approve(id!, g.te.identity('alice', ['dba'], 'human'))
    const out = await child
    assert.is(out.code, 0, out.stderr)
    assert.ok(g.upstream.seen.slice(before).some((s) => s.method === 'POST' && s.url.startsWith('/sql/v1beta4/projects/p/instances/db-1/restart')))
  })
}

test.run()
