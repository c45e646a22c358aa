// The forward proxy end to end: undici's ProxyAgent and curl send HTTPS_PROXY-style CONNECTs to the gateway,
// which intercepts TLS with its CA, judges each request (GCP and AWS normalizers on the real API host names),
// re-signs AWS requests with the held key, and forwards to a real HTTPS upstream that records what it gets.
import { Sha256 } from '@aws-crypto/sha256-js'
import { SignatureV4 } from '@smithy/signature-v4'
import { execFile } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { connect as tlsConnect } from 'node:tls'
import { connect } from 'node:net'
import { promisify } from 'node:util'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fetch, ProxyAgent } from 'undici'
import type { Seen } from './testing/upstream.ts'
import { json, startTestGateway, type TestGateway } from './testing/gateway.ts'
import { hostNamesResource } from './handler.ts'

const run = promisify(execFile)
let g: TestGateway
let token: string
let tokenFile: string
const AWS = { accessKeyId: 'AKIDGATEWAYHELD00001', secretAccessKey: 'gateway-held-secret-key' }

test.before(async () => {
  g = await startTestGateway((up) => {
    tokenFile = `${up.caFile}.gcp-token`
    writeFileSync(tokenFile, 'gcp-access-token-1\n')
    return [
      { name: 'gcp', kind: 'gcp', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_file: tokenFile }, hosts: ['*.googleapis.com'] } },
      { name: 'aws', kind: 'aws', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'aws_sigv4', access_key_id_env: 'AWS_HELD_ID', secret_access_key_env: 'AWS_HELD_SECRET', region: 'us-east-1' }, hosts: ['*.amazonaws.com'] } },
    ]
  }, { passthrough: (up) => [new URL(up.url).host], env: { AWS_HELD_ID: AWS.accessKeyId, AWS_HELD_SECRET: AWS.secretAccessKey } })
  token = await g.agentToken()
})
test.after(async () => g.close())

const agent = (credential: string | undefined = `Bearer ${token}`) =>
  new ProxyAgent({ uri: g.proxy.url, ...(credential ? { token: credential } : {}), requestTls: { ca: readFileSync(g.ca.cert, 'utf8') } })

const via = (url: string, init: Parameters<typeof fetch>[1] = {}, credential?: string) => fetch(url, { ...init, dispatcher: agent(credential) })

// The agent's own SigV4 Authorization: the scope names region and service; the signature is garbage on purpose.
const agentSig = (service: string) => `AWS4-HMAC-SHA256 Credential=AKIDAGENTOWNKEY000001/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`

/** Recomputes the SigV4 signature of what reached the upstream, with the gateway's held key. */
async function verifySigV4(seen: Seen, service: string): Promise<void> {
  const auth = String(seen.headers.authorization)
  assert.match(auth, `Credential=${AWS.accessKeyId}/`)
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(';')
  const headers: Record<string, string> = {}
  for (const h of signedHeaders) headers[h] = String(seen.headers[h])
  const url = new URL(`https://${seen.headers.host}${seen.url}`)
  const query: Record<string, string> = {}
  for (const [k, v] of url.searchParams) query[k] = v
  const amzDate = String(seen.headers['x-amz-date'])
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`)
  const signer = new SignatureV4({ credentials: AWS, region: 'us-east-1', service, sha256: Sha256, uriEscapePath: service !== 's3' })
  const again = await signer.sign({ method: seen.method, protocol: 'https:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query, headers, body: seen.body }, { signingDate })
  assert.is(auth, again.headers.authorization, 'the upstream request carries a valid signature by the held key')
}

test('gcp: a storage read is allowed; the upstream sees the gateway token from its file, re-read when it changes', async () => {
  g.route = (_req, res) => json(res, { kind: 'storage#buckets', items: [{ name: 'b1' }] })
  const res = await via('https://storage.googleapis.com/storage/v1/b?project=p', { headers: { authorization: `Bearer ${token}` } })
  assert.is(res.status, 200)
  assert.is(((await res.json()) as { items: Array<{ name: string }> }).items[0]!.name, 'b1')
  let seen = g.upstream.seen.at(-1)!
  assert.is(seen.url, '/storage/v1/b?project=p')
  assert.is(seen.headers.authorization, 'Bearer gcp-access-token-1')
  writeFileSync(tokenFile, 'gcp-access-token-2-rotated\n')
  assert.is((await via('https://storage.googleapis.com/storage/v1/b?project=p')).status, 200)
  seen = g.upstream.seen.at(-1)!
  assert.is(seen.headers.authorization, 'Bearer gcp-access-token-2-rotated')
  for (const s of g.upstream.seen) assert.not.match(JSON.stringify(s.headers), token.slice(0, 40))
})

test('gcp: setIamPolicy is denied with the JSON reasons; nothing reaches the upstream', async () => {
  const before = g.upstream.seen.length
  const res = await via('https://cloudresourcemanager.googleapis.com/v1/projects/p:setIamPolicy', { method: 'POST', body: JSON.stringify({ policy: { bindings: [] } }), headers: { 'content-type': 'application/json' } })
  assert.is(res.status, 403)
  // Google's error shape (what gcloud prints), with the reasons and decision id beside it.
  const body = (await res.json()) as { error: { code: number; status: string; message: string; details: Array<{ reason: string }> }; reasons: unknown[]; decision_id: string }
  assert.is(body.error.code, 403)
  assert.is(body.error.status, 'PERMISSION_DENIED')
  assert.match(body.error.message, /^warden: denied: .*setIamPolicy/)
  assert.is(body.error.details[0]!.reason, 'http.denied')
  assert.ok(body.reasons.length > 0)
  assert.ok(body.decision_id.startsWith('dec_'))
  assert.is(g.upstream.seen.length, before)
})

test('gcp: a function deploy is held, approved, then forwarded', async () => {
  g.route = (_req, res) => json(res, { name: 'operations/1' })
  const pending = via('https://cloudfunctions.googleapis.com/v1/projects/p/locations/us-central1/functions', { method: 'POST', body: JSON.stringify({ name: 'f' }), headers: { 'content-type': 'application/json' } })
  const id = await g.heldId()
  assert.ok(id, 'held')
  await g.approve(id!)
  const res = await pending
  assert.is(res.status, 200)
  assert.is(res.headers.get('x-warden-approval'), id)
  assert.is(g.upstream.seen.at(-1)!.url, '/v1/projects/p/locations/us-central1/functions')
})

test('aws: s3 ListBuckets is allowed and re-signed with the held key; the agent signature never reaches the upstream', async () => {
  g.route = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml' })
    res.end('<ListAllMyBucketsResult><Buckets><Bucket><Name>b1</Name></Bucket></Buckets></ListAllMyBucketsResult>')
  }
  const res = await via('https://s3.amazonaws.com/', { headers: { authorization: agentSig('s3'), 'x-amz-date': '20260101T000000Z', 'x-amz-security-token': 'agent-session-token' } })
  assert.is(res.status, 200)
  assert.match(await res.text(), '<Name>b1</Name>')
  const seen = g.upstream.seen.at(-1)!
  assert.not.match(String(seen.headers.authorization), 'AKIDAGENTOWNKEY')
  assert.is(seen.headers['x-amz-security-token'], undefined)
  await verifySigV4(seen, 's3')
})

test('aws: a bucket named in the host (virtual-hosted style) is refused when upstream_http.url would replace that host', async () => {
  const before = g.upstream.seen.length
  const res = await via('https://photos.s3.amazonaws.com/', { method: 'PUT', headers: { authorization: agentSig('s3'), 'x-amz-date': '20260101T000000Z' } })
  assert.is(res.status, 400)
  assert.match(await res.text(), 'path-style addressing')
  assert.is(g.upstream.seen.length, before)
  assert.ok(hostNamesResource('aws', 'photos.s3.us-west-2.amazonaws.com:443'))
  for (const host of ['prod.photos.s3.amazonaws.com', 'photos.s3.amazonaws.com.', 'photos.s3.amazonaws.com.:443', 'my.bucket.s3-accelerate.amazonaws.com', 'bucket.vpce-0abc-xyz.s3.us-east-1.vpce.amazonaws.com', 'mrap.accesspoint.s3-global.amazonaws.com']) {
    assert.ok(hostNamesResource('aws', host), host)
  }
  assert.not.ok(hostNamesResource('aws', 's3.amazonaws.com'))
  assert.not.ok(hostNamesResource('gcp', 'photos.s3.amazonaws.com'))
})

test('aws: iam CreateUser is denied in the query API XML format', async () => {
  const before = g.upstream.seen.length
  const res = await via('https://iam.amazonaws.com/', { method: 'POST', body: 'Action=CreateUser&UserName=mallory&Version=2010-05-08', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', authorization: agentSig('iam') } })
  assert.is(res.status, 403)
  const xml = await res.text()
  assert.match(xml, /<ErrorResponse><Error><Type>Sender<\/Type><Code>AccessDenied<\/Code><Message>warden: denied: /)
  assert.is(g.upstream.seen.length, before)
})

test('aws: a JSON-protocol call (X-Amz-Target) is denied with an AccessDeniedException', async () => {
  const res = await via('https://dynamodb.us-east-1.amazonaws.com/', { method: 'POST', body: JSON.stringify({ TableName: 't' }), headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.DeleteTable', authorization: agentSig('dynamodb') } })
  assert.is(res.status, 403)
  const body = (await res.json()) as { __type: string; message: string }
  assert.is(body.__type, 'AccessDeniedException')
  assert.match(body.message, 'warden: denied')
})

test('aws: a POST that is allowed is re-signed over its body (sts GetCallerIdentity)', async () => {
  g.route = (_req, res) => { res.writeHead(200, { 'content-type': 'text/xml' }); res.end('<GetCallerIdentityResponse/>') }
  const res = await via('https://sts.amazonaws.com/', { method: 'POST', body: 'Action=GetCallerIdentity&Version=2011-06-15', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: agentSig('sts') } })
  assert.is(res.status, 200)
  const seen = g.upstream.seen.at(-1)!
  assert.is(seen.body.toString(), 'Action=GetCallerIdentity&Version=2011-06-15')
  await verifySigV4(seen, 'sts')
})

test('proxy token failures: missing ⇒ 407, invalid ⇒ 407 with the reason', async () => {
  const out = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_connect}', '--proxy', g.proxy.url, '--cacert', g.ca.cert, 'https://storage.googleapis.com/storage/v1/b']).catch((e) => e)
  assert.match(String(out.stdout), '407', String(out.stderr ?? out))
  const bad = await run('curl', ['-sS', '-v', '--proxy', g.proxy.url, '--proxy-user', 'agent:not-a-jwt', '--cacert', g.ca.cert, 'https://storage.googleapis.com/']).catch((e) => e)
  assert.match(String(bad.stderr), '407', 'invalid token')
  const expired = await g.te.token('cursor', ['agents'], { ttlSeconds: 60, now: Math.floor(Date.now() / 1000) - 3600 })
  const res = await via('https://storage.googleapis.com/storage/v1/b', {}, `Bearer ${expired}`).catch((e: Error) => e)
  assert.ok(res instanceof Error, 'undici reports the refused CONNECT')
  const event = [...g.te.audit.events].reverse().find((e) => e.method === 'CONNECT')!
  assert.is(event.status, 407)
  assert.is(event.error, 'http.token_invalid')
})

test('curl with the token as the proxy password (HTTPS_PROXY=http://agent:TOKEN@…) is served', async () => {
  g.route = (_req, res) => json(res, { items: [] })
  const proxy = g.proxy.url.replace('http://', `http://agent:${token}@`)
  const out = await run('curl', ['-sS', '--cacert', g.ca.cert, 'https://storage.googleapis.com/storage/v1/b?project=p'], { env: { ...process.env, HTTPS_PROXY: proxy, https_proxy: proxy, NO_PROXY: '', no_proxy: '' } })
  assert.equal(JSON.parse(out.stdout), { items: [] })
})

test('a host with no target is refused with a 403 JSON body at CONNECT', async () => {
  const out = await connectRaw(`CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\nProxy-Authorization: Bearer ${token}\r\n\r\n`)
  assert.match(out, /^HTTP\/1\.1 403/)
  assert.match(out, '"error":"http.unknown_host"')
  assert.match(out, 'evil.example:443')
  const event = [...g.te.audit.events].reverse().find((e) => e.method === 'CONNECT')!
  assert.is(event.status, 403)
})

test('a passthrough host is tunnelled uninspected (after authentication) and audited', async () => {
  g.route = (_req, res) => json(res, { direct: true })
  const before = g.upstream.seen.length
  // The upstream's own certificate arrives through the tunnel: curl trusts it with the upstream's CA, not the gateway's.
  const out = await run('curl', ['-sS', '--proxy', g.proxy.url, '--proxy-header', `Proxy-Authorization: Bearer ${token}`, '--cacert', g.upstream.caFile, `${g.upstream.url}/anything`])
  assert.equal(JSON.parse(out.stdout), { direct: true })
  assert.is(g.upstream.seen.length, before + 1)
  assert.is(g.upstream.seen.at(-1)!.headers.authorization, undefined)
  const event = [...g.te.audit.events].reverse().find((e) => e.method === 'CONNECT')!
  assert.is(event.passthrough, true)
  assert.is((event.identity as { sub: string }).sub, 'cursor')
  const unauth = await connectRaw(`CONNECT ${new URL(g.upstream.url).host} HTTP/1.1\r\n\r\n`)
  assert.match(unauth, /^HTTP\/1\.1 407/)
})

test('Host inside the tunnel must match the CONNECT authority', async () => {
  const res = await new Promise<string>((resolve, reject) => {
    const raw = connect(g.proxy.address.port, '127.0.0.1', () => raw.write(`CONNECT storage.googleapis.com:443 HTTP/1.1\r\nProxy-Authorization: Bearer ${token}\r\n\r\n`))
    raw.once('data', () => {
      const tls = tlsConnect({ socket: raw, servername: 'storage.googleapis.com', ca: readFileSync(g.ca.cert) }, () => {
        tls.write('GET /storage/v1/b HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n')
      })
      let out = ''
      tls.on('data', (d) => (out += d))
      tls.on('end', () => resolve(out))
      tls.on('error', reject)
    })
  })
  assert.match(res, /^HTTP\/1\.1 400/)
  assert.match(res, 'differs from the tunnel')
})

test('leaf certificates are cached per host; a new host is signed with the one leaf key, not a key generation', async () => {
  const { createLeafIssuer } = await import('./ca.ts')
  const leaves = await createLeafIssuer(g.ca)
  const a = leaves.context('new-host-1.googleapis.com')
  assert.is(leaves.context('NEW-host-1.googleapis.com.'), a, 'cached')
  assert.is.not(leaves.context('new-host-2.googleapis.com'), a)
  const one = leaves.pem(['new-host-3.googleapis.com'])
  const two = leaves.pem(['new-host-4.googleapis.com'])
  assert.is(one.key, two.key, 'one key for every leaf')
  const publicKey = (pem: string) => new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'pem' })
  assert.is(publicKey(one.cert), publicKey(two.cert))
  assert.is.not(one.cert, two.cert)
})

function connectRaw(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(g.proxy.address.port, '127.0.0.1', () => s.write(request))
    let out = ''
    s.on('data', (d) => (out += d))
    s.on('end', () => resolve(out))
    s.on('error', reject)
    setTimeout(() => { s.destroy(); resolve(out) }, 3000)
  })
}

test.run()
