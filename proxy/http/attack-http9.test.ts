// Ninth attack round on the HTTP gateway, from raw sockets: does the upstream read each forwarded request
// exactly as Warden judged it? The recording upstream (it answers every request and keeps what it received)
// stands behind the reverse listener and the forward proxy's intercepted tunnels.
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { hostNamesResource } from './handler.ts'
import { json, startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway
let agent: string

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'gcp', kind: 'gcp', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, api_host: 'storage.googleapis.com', credential: { kind: 'bearer', token_env: 'GCP_TOKEN' }, hosts: ['*.googleapis.com'] } },
    { name: 'aws', kind: 'aws', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'aws_sigv4', access_key_id_env: 'AWS_HELD_ID', secret_access_key_env: 'AWS_HELD_SECRET', region: 'us-east-1' }, hosts: ['*.amazonaws.com', '*.amazonaws.com.cn', '*.api.aws'] } },
  ], { env: { GCP_TOKEN: 'ya29.http9-held', AWS_HELD_ID: 'AKIDHTTP9HELD0000001', AWS_HELD_SECRET: 'http9-held-secret' } })
  g.route = (_req, res) => json(res, { ok: true })
  agent = await g.agentToken()
})
test.after(async () => g.close())

/** A CONNECT to `authority`, then TLS (server name `sni`) with the gateway's CA: the socket inside the tunnel. */
function tunnel(authority: string, sni: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = connect(g.proxy.address.port, '127.0.0.1', () => s.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\nProxy-Authorization: Bearer ${agent}\r\n\r\n`))
    s.once('error', reject)
    s.once('data', (d) => {
      if (!/^HTTP\/1\.1 200/.test(String(d))) return reject(new Error(`CONNECT refused: ${String(d).slice(0, 200)}`))
      const t = tlsConnect({ socket: s, servername: sni, ca: readFileSync(g.ca.cert) }, () => resolve(t))
      t.once('error', reject)
    })
  })
}

/** Everything the socket sends until it closes (the requests sent ask for Connection: close). */
function answer(t: TLSSocket): Promise<string> {
  return new Promise((resolve) => {
    let out = ''
    t.on('data', (d) => (out += d))
    t.on('error', () => undefined)
    t.on('close', () => resolve(out))
  })
}

async function inTunnel(authority: string, request: string): Promise<string> {
  const t = await tunnel(authority, authority.replace(/:\d+$/, '').replace(/\.+$/, ''))
  t.write(request)
  return answer(t)
}

test('a bucket host with trailing dots (BUCKET.storage.googleapis.com..) is still a bucket host: refused when upstream_http.url would replace it', async () => {
  // The normalizer drops every trailing dot and judges a read of judged-bucket/other-bucket/key; the bucket host
  // check dropped one, so the request reached the upstream at upstream_http.url as a read of other-bucket/key.
  for (const [authority, host] of [
    ['judged-bucket.storage.googleapis.com..:443', 'judged-bucket.storage.googleapis.com'],
    ['Judged-Bucket.Storage.GoogleAPIs.com...:443', 'judged-bucket.storage.googleapis.com'],
    ['judged.s3.amazonaws.com..:443', 'judged.s3.amazonaws.com'],
    ['judged.s3.us-east-1.amazonaws.com..', 'judged.s3.us-east-1.amazonaws.com'],
    // The suffixes the normalizer reads a bucket under besides amazonaws.com: China regions and dual-stack api.aws.
    ['judged.s3.cn-north-1.amazonaws.com.cn:443', 'judged.s3.cn-north-1.amazonaws.com.cn'],
    ['judged.s3.dualstack.us-east-1.api.aws:443', 'judged.s3.dualstack.us-east-1.api.aws'],
  ] as const) {
    const before = g.upstream.seen.length
    const out = await inTunnel(authority, `GET /other-bucket/key HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)
    assert.match(out, /^HTTP\/1\.1 400 /, `${authority}: ${out.slice(0, 300)}`)
    assert.match(out, 'names a resource in its host')
    assert.equal(g.upstream.seen.slice(before).map((s) => s.url), [], `${authority}: nothing reaches the upstream`)
  }
  assert.ok(hostNamesResource('gcp', 'b.storage.googleapis.com..:443'))
  assert.ok(hostNamesResource('aws', 'b.s3.amazonaws.com...'))
})

test('control: the API host with trailing dots is the API host; its path-style read is forwarded as sent', async () => {
  const before = g.upstream.seen.length
  const out = await inTunnel('storage.googleapis.com..:443', 'GET /storage/v1/b/photos/o HTTP/1.1\r\nHost: storage.googleapis.com\r\nConnection: close\r\n\r\n')
  assert.match(out, /^HTTP\/1\.1 200 /, out.slice(0, 300))
  assert.equal(g.upstream.seen.slice(before).map((s) => s.url), ['/storage/v1/b/photos/o'])
})

test('Google system parameters in the query that stand for headers ($httpMethod, $ct, a credential of the agent\'s own) are refused before the upstream', async () => {
  for (const [method, path, body] of [
    // Judged as a read of the object; Google's front end runs the DELETE that $httpMethod names.
    ['GET', '/storage/v1/b/photos/o/cat.jpg?%24httpMethod=DELETE'],
    ['POST', '/storage/v1/b/photos/o/cat.jpg?$httpMethod=PATCH', '{"acl":[{"entity":"allUsers","role":"READER"}]}'],
    // Parsed as text by the normalizer; read by Google as the multipart upload $ct names, metadata part and all.
    ['POST', '/upload/storage/v1/b/photos/o?uploadType=multipart&%24ct=multipart%2Frelated%3B%20boundary%3Db', '--b\r\ncontent-type: application/json\r\n\r\n{"name":"x","acl":[{"entity":"allUsers","role":"READER"}]}\r\n--b\r\n\r\nx\r\n--b--'],
    ['GET', '/storage/v1/b/photos/o?access_token=ya29.agent-own'],
    ['GET', '/storage/v1/b/photos/o?key=AIzaSyAgentOwnKey'],
  ] as const) {
    const before = g.upstream.seen.length
    const res = await fetch(`${g.reverse.url}/t/gcp${path}`, { method, body, headers: { authorization: `Bearer ${agent}`, 'content-type': 'text/plain' } })
    const text = await res.text()
    assert.is(res.status, 400, `${method} ${path}: ${res.status} ${text}`)
    assert.match(text, 'Google system parameter')
    assert.equal(g.upstream.seen.slice(before).map((s) => s.url), [], `${path}: nothing reaches the upstream`)
  }
})

test('control: the system parameters gcloud sends (alt, fields, prettyPrint, userProject) pass', async () => {
  const before = g.upstream.seen.length
  const res = await fetch(`${g.reverse.url}/t/gcp/storage/v1/b/photos/o?alt=json&fields=items%2Fname&prettyPrint=false&userProject=p1`, { headers: { authorization: `Bearer ${agent}` } })
  assert.is(res.status, 200, await res.text())
  assert.equal(g.upstream.seen.slice(before).map((s) => s.url), ['/storage/v1/b/photos/o?alt=json&fields=items%2Fname&prettyPrint=false&userProject=p1'])
})

test.run()
