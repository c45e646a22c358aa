// Attacks on what comes back: routes around the response masker by an agent with a valid token under the default
// policy (content detectors on every answer). Stored data the upstream returns in headers rather than the body
// (S3 object metadata at moto), session cookies and redirects an upstream hands out for the gateway's credential,
// and bodies the masker might misread (codings, BOM, error statuses, trailers, informational answers).
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fetch, ProxyAgent } from 'undici'
import { startMoto, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { HELD_AWS_ENV, motoCurl, motoSignature, motoTarget } from './testing/moto-target.ts'

const tokenDir = mkdtempSync(join(tmpdir(), 'warden-rotating-'))
const tokenFile = join(tokenDir, 'token')
writeFileSync(tokenFile, 'rotating-token-first-0001')

let moto: StoragePeer
let g: TestGateway
let token: string

// Values the content detectors know (aws_access_key, url_credential) and that must never come back in clear.
const KEY_ID = 'AKIAQWERTYUIOPASDFGH'
const URL_SECRET = 'pgpw-7Hq2Zx9'
const CONN = `postgres://orders:${URL_SECRET}@db.internal:5432/orders`

test.before(async () => {
  moto = await startMoto()
  g = await startTestGateway((up) => [
    motoTarget(moto),
    { name: 'rotating', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'header', header: 'X-Api-Key', token_file: tokenFile }, hosts: [] } },
    { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'WEB_TOKEN' }, hosts: [] } },
  ], { env: { ...HELD_AWS_ENV, WEB_TOKEN: 'web-gateway-token-0001' } })
  token = await g.agentToken()
  await motoS3('PUT', '/ops')
  await motoS3('PUT', '/ops/runbook.txt', ['-H', `x-amz-meta-aws-key: ${KEY_ID}`, '-H', `x-amz-meta-db: ${CONN}`, '-H', 'content-type: text/plain', '--data-binary', 'restart the orders service'])
})

test.after(async () => {
  await g?.close()
  await moto?.stop()
  rmSync(tokenDir, { recursive: true, force: true })
})

const via = (url: string, init: Parameters<typeof fetch>[1] = {}) =>
  fetch(url, { ...init, dispatcher: new ProxyAgent({ uri: g.proxy.url, token: `Bearer ${token}`, requestTls: { ca: readFileSync(g.ca.cert, 'utf8') } }) })

const reverse = (path: string, init: Parameters<typeof fetch>[1] = {}) =>
  fetch(`${g.reverse.url}/t/web${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } })

const motoSig = motoSignature('s3')

/** An S3 call straight to moto (its own test key: moto checks no signature). */
const motoS3 = (method: string, path: string, args: string[] = []) => motoCurl(moto, 's3', method, path, args)

const headerText = (h: { entries(): Iterable<[string, string]> } | Record<string, unknown>) => JSON.stringify(typeof h.entries === 'function' ? [...(h as { entries(): Iterable<[string, string]> }).entries()] : h)

test('control: moto returns the object metadata as x-amz-meta-* headers, in clear', async () => {
  const head = await new Promise<string>((resolve, reject) => execFile('curl', ['-sS', '-I', '--cacert', moto.caFile, '-H', `authorization: ${motoSig}`, `${moto.url}/ops/runbook.txt`], (err, out) => err ? reject(err) : resolve(out)))
  assert.match(head, KEY_ID)
  assert.match(head, URL_SECRET)
})

test('S3 object metadata carrying an access key and a connection string comes back masked in the headers of GET and HEAD', async () => {
  for (const method of ['GET', 'HEAD']) {
    const res = await via('https://s3.amazonaws.com/ops/runbook.txt', { method })
    const body = await res.text()
    assert.is(res.status, 200, `${method}: ${body.slice(0, 300)}`)
    const headers = headerText(res.headers)
    assert.not.match(headers, KEY_ID, `${method}: ${headers}`)
    assert.not.match(headers, URL_SECRET, `${method}: ${headers}`)
    assert.ok(res.headers.get('x-amz-meta-aws-key'), `${method}: the header itself is kept (masked): ${headers}`)
    if (method === 'GET') assert.is(body, 'restart the orders service')
  }
})

test('a stored JSON document keyed by email and by access key (S3 at moto) comes back with its keys masked, not only its values', async () => {
  const doc = { 'alice@example.com': { plan: 'pro' }, [KEY_ID]: { owner: 'ci' }, note: `use ${KEY_ID}` }
  await motoS3('PUT', '/ops/customers.json', ['-H', 'content-type: application/json', '--data-binary', JSON.stringify(doc)])
  const res = await via('https://s3.amazonaws.com/ops/customers.json')
  const body = await res.text()
  assert.is(res.status, 200, body)
  assert.not.match(body, KEY_ID, body)
  assert.not.match(body, 'alice@example.com', body)
  assert.is(Object.keys(JSON.parse(body)).length, 3, body)
})

test('a masked object gives no digest of what was masked: no ETag on GET or HEAD, and If-None-Match is no oracle (moto answers 304 to the right MD5)', async () => {
  const text = 'ssn: 536-22-1234\n'
  const md5 = `"${createHash('md5').update(text).digest('hex')}"`
  await motoS3('PUT', '/ops/ssn.txt', ['-H', 'content-type: text/plain', '-H', `x-amz-checksum-sha256: ${createHash('sha256').update(text).digest('base64')}`, '--data-binary', text])
  assert.match(await motoS3('HEAD', '/ops/ssn.txt', ['-I']), md5.slice(1, -1), 'control: moto gives the MD5 as the ETag')
  for (const method of ['GET', 'HEAD']) {
    const res = await via('https://s3.amazonaws.com/ops/ssn.txt', { method, headers: { 'x-amz-checksum-mode': 'ENABLED' } })
    const body = await res.text()
    assert.is(res.status, 200, body)
    if (method === 'GET') assert.not.match(body, '536-22-1234')
    const headers = headerText(res.headers)
    assert.not.match(headers, md5.slice(1, -1), `${method}: ${headers}`)
    assert.not.match(headers, /x-amz-checksum-|content-md5|"etag"/i, `${method}: ${headers}`)
    const guessed = await via('https://s3.amazonaws.com/ops/ssn.txt', { method, headers: { 'if-none-match': md5 } })
    await guessed.arrayBuffer()
    assert.is(guessed.status, 200, `${method} with the right MD5 in If-None-Match: ${guessed.status}`)
  }
})

test('an AWS secret key stored under its name in JSON or XML (S3 at moto) comes back masked, as it would in an ini file', async () => {
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
  await motoS3('PUT', '/ops/creds.json', ['-H', 'content-type: application/json', '--data-binary', JSON.stringify({ ci: { aws_access_key_id: KEY_ID, aws_secret_access_key: secret }, Credentials: { SecretAccessKey: secret } })])
  await motoS3('PUT', '/ops/creds.xml', ['-H', 'content-type: application/xml', '--data-binary', `<Credentials><AccessKeyId>${KEY_ID}</AccessKeyId><SecretAccessKey>${secret}</SecretAccessKey></Credentials>`])
  for (const key of ['creds.json', 'creds.xml']) {
    const res = await via(`https://s3.amazonaws.com/ops/${key}`)
    const body = await res.text()
    assert.is(res.status, 200, body)
    assert.not.match(body, secret, `${key}: ${body}`)
    assert.not.match(body, KEY_ID, `${key}: ${body}`)
  }
})

test('a private key served as newline-delimited JSON is not masked line by line, which passed its body (moto keeps the stored type; S3 relabels with response-content-type)', async () => {
  const body = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKjMzEfYyjiWA4R4'
  const pem = `-----BEGIN PRIVATE KEY-----\n${body}\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n`
  for (const type of ['application/x-ndjson', 'application/jsonl', 'application/json;stream=watch', 'text/plain']) {
    await motoS3('PUT', '/ops/deploy.pem', ['-H', `content-type: ${type}`, '--data-binary', pem])
    // Withheld (502) or cut mid-stream (the gateway stops a stream it cannot mask): either way, not passed.
    const text = await via('https://s3.amazonaws.com/ops/deploy.pem').then((res) => res.text()).catch((err: Error) => `(cut: ${err.message})`)
    assert.not.match(text, body, `${type}: ${text}`)
  }
})

test('a redirect whose Location carries a password, and a body-less 304, are masked in their headers', async () => {
  g.route = (req, res) => {
    if (req.url.startsWith('/moved')) {
      res.writeHead(302, { location: `https://svc:${URL_SECRET}@files.internal/report`, 'x-origin': KEY_ID })
      return void res.end()
    }
    res.writeHead(304, { 'x-amz-meta-aws-key': KEY_ID, etag: '"abc"' })
    res.end()
  }
  for (const path of ['/moved', '/cached']) {
    const res = await reverse(path, { redirect: 'manual' })
    await res.arrayBuffer()
    const headers = headerText(res.headers)
    assert.not.match(headers, URL_SECRET, `${path}: ${headers}`)
    assert.not.match(headers, KEY_ID, `${path}: ${headers}`)
  }
})

test('a session cookie the upstream sets for the gateway credential never reaches the agent', async () => {
  g.route = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['session=web-session-for-gateway-0001; HttpOnly; Path=/', 'csrf=abc'], 'set-cookie2': 'legacy=web-session-legacy-0001' } as Record<string, string | string[]>)
    res.end('{"ok":true}')
  }
  const res = await reverse('/login-check')
  assert.is(res.status, 200)
  assert.equal(await res.json(), { ok: true })
  assert.is(res.headers.get('set-cookie'), null)
  assert.is(res.headers.get('set-cookie2'), null)
})

test('error answers (4xx, 5xx) carrying a secret are masked like any other', async () => {
  for (const [status, type] of [[500, 'application/json'], [403, 'text/html'], [404, 'application/xml']] as const) {
    g.route = (_req, res) => {
      res.writeHead(status, { 'content-type': type })
      res.end(type === 'application/json' ? JSON.stringify({ error: `cannot connect with ${CONN}`, key: KEY_ID }) : `<p>debug: ${CONN} ${KEY_ID}</p>`)
    }
    const res = await reverse('/fails')
    const body = await res.text()
    assert.is(res.status, status)
    assert.not.match(body, URL_SECRET, `${status}: ${body}`)
    assert.not.match(body, KEY_ID, `${status}: ${body}`)
  }
})

test('codings the masker cannot read (zstd, compress, unknown), stacked and oddly spelled ones are decoded or withheld, never passed raw', async () => {
  const doc = Buffer.from(JSON.stringify({ note: `use ${KEY_ID}` }))
  const cases: Array<[string, Buffer]> = [
    ['zstd', doc], ['compress', doc], ['x-made-up', doc], ['gzip, gzip', gzipSync(gzipSync(doc))], ['GZIP', gzipSync(doc)],
    [' br ', brotliCompressSync(doc)], ['identity', doc], ['gzip, identity', gzipSync(doc)], ['identity, gzip', gzipSync(doc)],
  ]
  for (const [coding, bytes] of cases) {
    g.route = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': coding })
      res.end(bytes)
    }
    const res = await reverse('/doc')
    const raw = Buffer.from(await res.arrayBuffer())
    assert.not.ok(raw.includes(KEY_ID), `${coding}: passed in clear (${res.status})`)
    assert.ok(res.status === 200 || res.status === 502, `${coding}: ${res.status}`)
    if (res.status === 200) assert.match(raw.toString(), 'note', coding)
  }
})

test('JSON with a BOM, duplicate keys or huge numbers is masked or withheld, never passed as is', async () => {
  const bodies = [
    `\uFEFF{"note":"use ${KEY_ID}"}`,
    `{"note":"ok","note":"use ${KEY_ID}"}`,
    `{"note":"use ${KEY_ID}","n":123456789012345678901234567890}`,
    `\uFEFF\uFEFF  {"note":"use ${KEY_ID}"}`,
  ]
  for (const text of bodies) {
    g.route = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
      res.end(text)
    }
    const res = await reverse('/doc')
    const body = await res.text()
    assert.not.match(body, KEY_ID, `${JSON.stringify(text)}: ${res.status} ${body}`)
  }
})

/** A raw GET through the reverse route, keeping what fetch hides: informational answers and trailers. */
function rawGet(path: string): Promise<{ status: number; info: Array<Record<string, unknown>>; headers: Record<string, unknown>; trailers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const info: Array<Record<string, unknown>> = []
    const req = http.request(`${g.reverse.url}/t/web${path}`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode!, info, headers: res.headers, trailers: res.trailers, body }))
    })
    req.on('information', (i) => info.push(i.headers))
    req.on('error', reject)
    req.end()
  })
}

test('trailers and 1xx informational headers from the upstream do not carry a secret past the masker', async () => {
  g.route = (_req, res) => {
    res.writeEarlyHints({ link: '</x.css>; rel=preload', 'x-debug': KEY_ID })
    res.writeHead(200, { 'content-type': 'application/json', trailer: 'x-checksum, x-debug' })
    res.write('{"ok":')
    res.addTrailers({ 'x-checksum': 'abc', 'x-debug': `${KEY_ID} ${CONN}` })
    res.end('true}')
  }
  const out = await rawGet('/trail')
  assert.is(out.status, 200)
  assert.equal(JSON.parse(out.body), { ok: true })
  const all = headerText({ ...out.headers, info: out.info, trailers: out.trailers })
  assert.not.match(all, KEY_ID, all)
  assert.not.match(all, URL_SECRET, all)
})

test('an answer that echoes the credential is hidden even when the token rotated (and was sent anew) while it was on its way', async () => {
  let release!: () => void
  const later = new Promise<void>((resolve) => (release = resolve))
  g.route = (req, res) => {
    const answer = () => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-echo': String(req.headers['x-api-key']) })
      res.end(JSON.stringify({ youSent: req.headers['x-api-key'] }))
    }
    if (req.url === '/slow') void later.then(answer)
    else answer()
  }
  const ask = (path: string) => fetch(`${g.reverse.url}/t/rotating${path}`, { headers: { authorization: `Bearer ${token}` } })
  const slow = ask('/slow')
  while (!g.upstream.seen.some((s) => s.url === '/slow')) await new Promise((r) => setTimeout(r, 10))
  writeFileSync(tokenFile, 'rotating-token-second-0002-longer')
  const fast = await ask('/fast')
  assert.not.match(await fast.text(), 'rotating-token-second')
  release()
  const res = await slow
  const all = `${await res.text()} ${headerText(res.headers)}`
  assert.not.match(all, 'rotating-token-first', all)
})

test.run()
