// Request bodies end to end (reverse route, real engine and default policy, recording HTTPS upstream): bodies the
// policy reads are bounded per target (413 naming the setting); object uploads stream at any size, judged without
// their body, forwarded byte for byte, and aborted before completion when they do not match what they declared.
import { createHash } from 'node:crypto'
import { connect as tlsConnect } from 'node:tls'
import { readFileSync } from 'node:fs'
import { crc32 } from 'node:zlib'
import { Agent, fetch as undiciFetch } from 'undici'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway
let token: string
let trusting: Agent
const MiB = 1024 * 1024

test.before(async () => {
  const s3 = (name: string, environment: string) => ({
    name, kind: 'aws' as const, environment, labels: {},
    upstream_http: { url: '', api_host: 's3.amazonaws.com', credential: { kind: 'aws_sigv4' as const, access_key_id_env: 'HELD_ID', secret_access_key_env: 'HELD_SECRET', region: 'us-east-1', service: 's3' }, hosts: [] },
  })
  g = await startTestGateway((up) => [
    { ...s3('s3-stage', 'staging'), upstream_http: { ...s3('', '').upstream_http, url: up.url, ca_file: up.caFile } },
    { ...s3('s3-prod', 'production'), upstream_http: { ...s3('', '').upstream_http, url: up.url, ca_file: up.caFile } },
    { name: 'gcs-stage', kind: 'gcp', environment: 'staging', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, api_host: 'storage.googleapis.com', credential: { kind: 'bearer', token_env: 'HELD_GCP' }, hosts: [] } },
    { name: 'api', kind: 'http', environment: 'staging', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, hosts: [], max_body_bytes: 4 * MiB } },
    { name: 'api-small', kind: 'http', environment: 'staging', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, hosts: [] } },
  ], { tls: true, holdSeconds: 20, env: { HELD_ID: 'AKIDGATEWAYHELD', HELD_SECRET: 'held-secret', HELD_GCP: 'gcp-held-token' } })
  token = await g.agentToken()
  trusting = new Agent({ connect: { ca: readFileSync(g.ca.cert) } })
  g.route = (_req, res) => {
    res.writeHead(200, { etag: '"stored"', 'content-length': '0' })
    res.end()
  }
})
test.after(async () => {
  await trusting.close()
  await g.close()
})

const ca = () => readFileSync(g.ca.cert)
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
const send = (path: string, init: { method: string; body: string | Buffer | ReadableStream<Uint8Array>; headers?: Record<string, string> }) =>
  undiciFetch(`${g.reverse.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers }, duplex: 'half', dispatcher: trusting })
interface ErrorBody { error: string; message: string }
const errorOf = async (res: { json(): Promise<unknown> }) => (await res.json()) as ErrorBody
const lastRequest = () => [...g.te.audit.events].reverse().find((e) => e.type === 'request')!

/** An aws-chunked body (unsigned, with a CRC32 trailer), as the aws CLI sends PutObject. */
function awsChunked(data: Buffer, chunk = 256 * 1024, crc = crc32(data)): Buffer {
  const parts: Buffer[] = []
  for (let at = 0; at < data.length; at += chunk) {
    const piece = data.subarray(at, at + chunk)
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'))
  }
  const sum = Buffer.alloc(4)
  sum.writeUInt32BE(crc >>> 0)
  parts.push(Buffer.from(`0\r\nx-amz-checksum-crc32:${sum.toString('base64')}\r\n\r\n`))
  return Buffer.concat(parts)
}
const chunkedHeaders = (decoded: number) => ({
  'content-type': 'application/octet-stream', 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(decoded),
  'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'x-amz-trailer': 'x-amz-checksum-crc32', 'x-amz-sdk-checksum-algorithm': 'CRC32',
})
/** A body sent chunked (no Content-Length), in pieces. */
function chunkedStream(data: Buffer): ReadableStream<Uint8Array> {
  let at = 0
  return new ReadableStream({
    pull(c) {
      if (at >= data.length) return c.close()
      c.enqueue(data.subarray(at, at + 64 * 1024))
      at += 64 * 1024
    },
  })
}

test('a body the policy reads is bounded per target: 413 names the limit and the setting; nothing is forwarded', async () => {
  const before = g.upstream.seen.length
  const big = JSON.stringify({ pad: 'x'.repeat(2 * MiB) })
  const res = await send('/t/api-small/items', { method: 'POST', body: big, headers: { 'content-type': 'application/json' } })
  assert.is(res.status, 413)
  const body = await errorOf(res)
  assert.is(body.error, 'http.body_too_large')
  assert.match(body.message, `exceeds ${MiB} bytes, the most the gateway reads to judge a request to target api-small`)
  assert.match(body.message, 'targets[api-small].upstream_http.max_body_bytes')
  assert.is(g.upstream.seen.length, before)
})

test('a target with a larger max_body_bytes reads, judges and forwards that body whole', async () => {
  const big = JSON.stringify({ pad: 'y'.repeat(2 * MiB) })
  const res = await send('/t/api/items', { method: 'POST', body: big, headers: { 'content-type': 'application/json' } })
  assert.is(res.status, 200, await res.clone().text())
  assert.is(g.upstream.seen.at(-1)!.body.toString(), big)
})

test('an S3 PutObject streams: judged without its body, forwarded byte for byte, signed with its declared SHA-256', async () => {
  const data = Buffer.alloc(3 * MiB)
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff
  const res = await send('/t/s3-stage/bucket/big.bin', {
    method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream', 'x-amz-content-sha256': sha256(data) },
  })
  assert.is(res.status, 200, await res.clone().text())
  const seen = g.upstream.seen.at(-1)!
  assert.is(seen.url, '/bucket/big.bin')
  assert.is(sha256(seen.body), sha256(data))
  assert.is(seen.headers['content-length'], String(data.length))
  assert.is(seen.headers['x-amz-content-sha256'], sha256(data))
  assert.match(String(seen.headers.authorization), /Credential=AKIDGATEWAYHELD\/\d+\/us-east-1\/s3\/aws4_request/)
  const event = lastRequest()
  assert.is(event.bytes_in, data.length)
  assert.is((event.cloud as { method: string }).method, 's3:PutObject')
  assert.equal(g.te.judged.at(-1)!.effect, 'allow')
})

test('an upload whose bytes do not match its declared SHA-256 is aborted: the upstream never gets a whole request', async () => {
  const before = g.upstream.seen.length
  const data = Buffer.alloc(2 * MiB, 1)
  const res = await send('/t/s3-stage/bucket/bad.bin', {
    method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream', 'x-amz-content-sha256': sha256(Buffer.alloc(2 * MiB, 2)) },
  })
  assert.is(res.status, 400)
  const body = await errorOf(res)
  assert.is(body.error, 'http.body_unreadable')
  assert.match(body.message, 'does not match the x-amz-content-sha256 it declared')
  assert.is(g.upstream.seen.length, before)
})

test('an aws-chunked upload (the aws CLI form) is forwarded with its framing unchanged; a wrong checksum is aborted', async () => {
  const data = Buffer.alloc(MiB + 12345, 9)
  const encoded = awsChunked(data)
  const res = await send('/t/s3-stage/bucket/chunked.bin', { method: 'PUT', body: chunkedStream(encoded), headers: chunkedHeaders(data.length) })
  assert.is(res.status, 200, await res.clone().text())
  const seen = g.upstream.seen.at(-1)!
  assert.ok(seen.body.equals(encoded), 'the upstream got the aws-chunked bytes the client sent')
  assert.is(seen.headers['content-encoding'], 'aws-chunked')
  assert.is(seen.headers['x-amz-decoded-content-length'], String(data.length))
  assert.is(seen.headers['x-amz-content-sha256'], 'STREAMING-UNSIGNED-PAYLOAD-TRAILER')
  assert.match(String(seen.headers.authorization), /SignedHeaders=[^,]*content-encoding;[^,]*x-amz-decoded-content-length;[^,]*x-amz-trailer/)

  const before = g.upstream.seen.length
  const tampered = await send('/t/s3-stage/bucket/tampered.bin', { method: 'PUT', body: chunkedStream(awsChunked(data, 256 * 1024, crc32(data) + 1)), headers: chunkedHeaders(data.length) })
  assert.is(tampered.status, 400)
  assert.match((await errorOf(tampered)).message, 'does not match its x-amz-checksum-crc32 trailer')
  const short = await send('/t/s3-stage/bucket/short.bin', { method: 'PUT', body: chunkedStream(awsChunked(data)), headers: chunkedHeaders(data.length + 1) })
  assert.is(short.status, 400)
  assert.match((await errorOf(short)).message, `x-amz-decoded-content-length declared ${data.length + 1}`)
  assert.is(g.upstream.seen.length, before)
})

test('an upload signed chunk by chunk cannot be re-signed: 400 saying how to send it', async () => {
  const before = g.upstream.seen.length
  const res = await send('/t/s3-stage/bucket/signed.bin', {
    method: 'PUT', body: 'a;chunk-signature=00\r\n0123456789\r\n0;chunk-signature=00\r\n\r\n',
    headers: { ...chunkedHeaders(10), 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' },
  })
  assert.is(res.status, 400)
  assert.match((await errorOf(res)).message, "carries the agent's signature in every chunk")
  assert.is(g.upstream.seen.length, before)
})

test('a streaming payload hash without aws-chunked framing is refused: S3 would decode what the gateway checked as plain bytes', async () => {
  const before = g.upstream.seen.length
  const data = Buffer.alloc(2 * MiB, 4)
  const headers: Record<string, string> = { ...chunkedHeaders(data.length) }
  delete headers['content-encoding']
  const res = await send('/t/s3-stage/bucket/unframed.bin', { method: 'PUT', body: awsChunked(data), headers })
  assert.is(res.status, 400)
  assert.match((await errorOf(res)).message, 'send Content-Encoding: aws-chunked with it')
  assert.is(g.upstream.seen.length, before)
})

test('a Cloud Storage media upload streams; a multipart upload (JSON metadata inside) is read whole, so bounded', async () => {
  const data = Buffer.alloc(2 * MiB, 5)
  const res = await send('/t/gcs-stage/upload/storage/v1/b/bk/o?uploadType=media&name=big.bin', { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' } })
  assert.is(res.status, 200, await res.clone().text())
  const seen = g.upstream.seen.at(-1)!
  assert.ok(seen.body.equals(data))
  assert.is(seen.headers.authorization, 'Bearer gcp-held-token')
  assert.match(String(lastRequest().url), 'uploadType=media')
  const multipart = await send('/t/gcs-stage/upload/storage/v1/b/bk/o?uploadType=multipart', { method: 'POST', body: data, headers: { 'content-type': 'multipart/related; boundary=x' } })
  assert.is(multipart.status, 413)
})

test('only a plain object upload streams: a PUT or POST that also names another operation in its query is read whole', async () => {
  const data = Buffer.alloc(2 * MiB, 3)
  const headers = { 'content-type': 'application/octet-stream', 'x-amz-content-sha256': sha256(data) }
  const before = g.upstream.seen.length
  // S3 picks the operation from the query's subresources: an ACL (or a rename) is not an UploadPart or PutObject
  // however many upload parameters ride along, and its body is what the policy must read.
  for (const query of ['acl&partNumber=1&uploadId=u1', 'tagging&partNumber=1&uploadId=u1', 'renameObject', 'partNumber=1&uploadId=u1&retention']) {
    const res = await send(`/t/s3-stage/bucket/obj.bin?${query}`, { method: 'PUT', body: data, headers })
    assert.is(res.status, 413, `?${query} streamed unread: ${await res.clone().text()}`)
  }
  // Cloud Storage: only the JSON API's media upload path streams, not an XML API object that happens to sit in
  // a bucket named "upload" (?uploads starts an XML multipart upload, ?uploadId completes one from its body).
  for (const path of ['/upload/obj.bin?uploadType=media&uploadId=u1', '/upload/storage/v1/b/bk/o/obj.bin?uploadType=media']) {
    const res = await send(`/t/gcs-stage${path}`, { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' } })
    assert.is(res.status, 413, `${path} streamed unread: ${await res.clone().text()}`)
  }
  assert.is(g.upstream.seen.length, before)
  // What the SDKs add to a plain upload still streams (JavaScript SDK v3: ?x-id=PutObject, ?x-id=UploadPart).
  for (const query of ['x-id=PutObject', 'partNumber=2&uploadId=u1&x-id=UploadPart']) {
    const res = await send(`/t/s3-stage/bucket/obj.bin?${query}`, { method: 'PUT', body: data, headers })
    assert.is(res.status, 200, `?${query}: ${await res.clone().text()}`)
  }
})

test('a PUT that is not an object upload (PutObjectTagging) is read whole and judged with its body', async () => {
  const xml = '<Tagging><TagSet><Tag><Key>team</Key><Value>data</Value></Tag></TagSet></Tagging>'
  const res = await send('/t/s3-stage/bucket/big.bin?tagging', { method: 'PUT', body: xml, headers: { 'content-type': 'application/xml' } })
  assert.is(res.status, 200, await res.clone().text())
  const seen = g.upstream.seen.at(-1)!
  assert.is(seen.body.toString(), xml)
  assert.is(seen.headers['x-amz-content-sha256'], sha256(Buffer.from(xml)))
  assert.is((lastRequest().cloud as { method: string }).method, 's3:PutObjectTagging')
})

test('a held upload with Expect: 100-continue gets no 100 while held: a rejected one never sends its bytes', async () => {
  const before = g.upstream.seen.length
  const { port } = new URL(g.reverse.url)
  const socket = tlsConnect({ host: '127.0.0.1', port: Number(port), ca: ca(), servername: 'localhost' })
  let received = ''
  socket.setEncoding('utf8')
  socket.on('data', (c: string) => (received += c))
  await new Promise((resolve) => socket.once('secureConnect', resolve))
  socket.write(['PUT /t/s3-prod/bucket/held.bin HTTP/1.1', 'host: 127.0.0.1', `authorization: Bearer ${token}`, 'content-type: application/octet-stream',
    `content-length: ${5 * MiB}`, 'x-amz-content-sha256: UNSIGNED-PAYLOAD', 'expect: 100-continue', 'user-agent: test-raw', '', ''].join('\r\n'))
  try {
    let id: string | undefined
    for (let i = 0; i < 100 && !id; i++) {
      id = (await g.te.approvals.list({ status: 'pending' })).find((a) => a.command.summary.includes('held.bin'))?.id
      if (!id) await new Promise((r) => setTimeout(r, 50))
    }
    assert.ok(id, 'the upload was held')
    await new Promise((r) => setTimeout(r, 200))
    assert.not.match(received, '100 Continue')
    await g.te.approvals.reject(id!, g.te.identity('alice', ['dba'], 'human'))
    for (let i = 0; i < 100 && !received.includes('\r\n\r\n'); i++) await new Promise((r) => setTimeout(r, 50))
    assert.match(received, /^HTTP\/1\.1 403 /)
    assert.not.match(received, '100 Continue')
    assert.is(g.upstream.seen.length, before)
  } finally {
    socket.destroy()
  }
})

test.run()
