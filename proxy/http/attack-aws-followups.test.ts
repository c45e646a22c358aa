// Follow-ups of an attacker's review of the AWS path, against moto through the forward proxy under the default
// policy: hosts Warden does not know the service of (a VPC endpoint read as service `vpce-…`), a signing region
// that names another service at a one-URL upstream, an object read a part at a time under masks, the agent's own
// presigned parameters forwarded beside the gateway's signature, and a gzip file read as an object under masks.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync, gunzipSync } from 'node:zlib'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fetch, ProxyAgent } from 'undici'
import { startMoto, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { HELD_AWS_ENV, motoCurl, motoTarget } from './testing/moto-target.ts'

const tmp = mkdtempSync(join(tmpdir(), 'warden-aws-followups-'))
let files = 0
/** A file for curl's --data-binary @FILE (binary bodies). */
function writeTmp(data: Buffer): string {
  const path = join(tmp, `f${files++}`)
  writeFileSync(path, data)
  return path
}

let moto: StoragePeer
let g: TestGateway
let token: string

test.before(async () => {
  moto = await startMoto()
  g = await startTestGateway((up) => [
    motoTarget(moto),
    // S3 as the scripted upstream answers it, by the reverse route.
    {
      name: 'scripted-s3', kind: 'aws', environment: 'production', labels: {},
      upstream_http: { url: up.url, ca_file: up.caFile, api_host: 's3.us-east-1.amazonaws.com', hosts: [], credential: { kind: 'aws_sigv4', access_key_id_env: 'HELD_AWS_ID', secret_access_key_env: 'HELD_AWS_SECRET' } },
    },
  ], { env: HELD_AWS_ENV, holdSeconds: 2 })
  token = await g.agentToken()
})

test.after(async () => {
  await g?.close()
  await moto?.stop()
  rmSync(tmp, { recursive: true, force: true })
})

const via = (url: string, init: Parameters<typeof fetch>[1] = {}) =>
  fetch(url, { ...init, dispatcher: new ProxyAgent({ uri: g.proxy.url, token: `Bearer ${token}`, requestTls: { ca: readFileSync(g.ca.cert, 'utf8') } }) })

const agentSig = (scope: string) => `AWS4-HMAC-SHA256 Credential=AKIDAGENTOWNKEY000001/20260101/${scope}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`

async function heldBy(res: Response | Awaited<ReturnType<typeof fetch>>): Promise<string[]> {
  const id = res.headers.get('x-warden-approval')
  const held = id ? await g.te.approvals.get(id) : undefined
  return held ? held.reasons.map((r) => r.rule ?? '') : []
}

test('a secret read through a VPC endpoint host (judged vpce-…:GetSecretValue, a read) is held as the secret read it is', async () => {
  await motoCurl(moto, 'secretsmanager', 'POST', '/', ['-H', 'x-amz-target: secretsmanager.CreateSecret', '-H', 'content-type: application/x-amz-json-1.1', '--data-binary', JSON.stringify({ Name: 'prod/vpce', SecretString: 'vpce-hunter2-value' })])
  const res = await via('https://vpce-0abc123-1def.secretsmanager.us-east-1.vpce.amazonaws.com/?Action=GetSecretValue', { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1' }, body: '{"SecretId":"prod/vpce"}' })
  const body = await res.text()
  assert.not.match(body, 'vpce-hunter2-value')
  assert.is(res.status, 403, body.slice(0, 300))
  assert.equal(await heldBy(res), ['warden.rules.cloud.secret'])
})

// moto builds SERVICE.REGION.amazonaws.com from the signature's scope and serves it by that host's patterns: signed
// for region `s3`, sts.s3.amazonaws.com is an S3 host, and a call judged sts:GetCallerIdentity ran as S3.
test('a signing region taken from the agent\'s scope cannot turn a judged STS read into an S3 call at a one-URL upstream', async () => {
  const res = await via('https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15', { headers: { authorization: agentSig('s3/sts'), 'x-amz-date': '20260101T000000Z' } })
  const body = await res.text()
  assert.not.match(body, 'ListAllMyBucketsResult', body.slice(0, 300))
  assert.is(res.status, 200, body.slice(0, 300))
  assert.match(body, 'GetCallerIdentityResponse')
})

// moto answers ?partNumber=N of a multipart object with the whole object (its TODO): the scripted upstream answers
// as S3 does, with the one part (206), the first 5 MiB ending in the first half of a key.
const KEY = 'AKIAIOSFODNN7EXAMPLE'
const PART_2 = `${KEY.slice(2)}\nregion=us-east-1\n`

test('an S3 GetObject of one part (?partNumber=N, cut where the uploader chose) is refused under masks; the half key is not sent', async () => {
  g.route = (req, res) => {
    const part = new URL(req.url, 'https://x').searchParams.get('partNumber')
    res.writeHead(part === null ? 200 : 206, { 'content-type': 'text/plain', etag: '"abc-2"' })
    res.end(part === '2' ? PART_2 : `aws_key=${KEY}\n`)
  }
  const control = await fetch(`${g.reverse.url}/t/scripted-s3/parts/creds.txt`, { headers: { authorization: `Bearer ${token}` } })
  const whole = await control.text()
  assert.is(control.status, 200, whole)
  assert.not.match(whole, KEY, 'control: the whole object is masked')
  const before = g.upstream.seen.length
  const res = await fetch(`${g.reverse.url}/t/scripted-s3/parts/creds.txt?partNumber=2`, { headers: { authorization: `Bearer ${token}` } })
  const body = await res.text()
  assert.not.match(body, KEY.slice(2))
  assert.is(res.status, 400, body.slice(0, 300))
  assert.match(body, 'partNumber')
  assert.is(g.upstream.seen.length, before, 'reached the upstream')
})

test('the agent\'s presigned parameters are refused, not forwarded beside the gateway\'s signature', async () => {
  g.route = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end('hello')
  }
  const v4 = 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDAGENTOWNKEY000001%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=abc&X-Amz-Security-Token=agent-session-token'
  const before = g.upstream.seen.length
  for (const query of [v4, 'AWSAccessKeyId=AKIDAGENTOWNKEY000001&Signature=abc&Expires=1', 'X-Amz-Security-Token=agent-session-token']) {
    const res = await fetch(`${g.reverse.url}/t/scripted-s3/presigned/a.txt?${query}`, { headers: { authorization: `Bearer ${token}` } })
    const body = await res.text()
    assert.is(res.status, 400, body.slice(0, 300))
    assert.match(body, 'the gateway signs')
  }
  assert.is(g.upstream.seen.length, before, 'reached the upstream')
})

// A gzip file is text to anyone who runs gunzip: withheld as binary before, whatever it held.
test('a gzip file read as an S3 object under content masks is masked as the text it holds and compressed again', async () => {
  const text = 'user=app\nDB_PASSWORD=gz-hunter2-secret\nstatus=ok\n'
  await motoCurl(moto, 's3', 'PUT', '/logs')
  for (const [key, type] of [['app.log.gz', 'application/gzip'], ['app2.log.gz', 'application/octet-stream'], ['app3.log', 'application/x-gzip'], ['app4.txt', 'text/plain']] as const) {
    await motoCurl(moto, 's3', 'PUT', `/logs/${key}`, ['-H', `content-type: ${type}`, '--data-binary', `@${writeTmp(gzipSync(text))}`])
    const res = await via(`https://s3.us-east-1.amazonaws.com/logs/${key}`)
    const body = Buffer.from(await res.arrayBuffer())
    assert.is(res.status, 200, `${key}: ${body.toString('utf8').slice(0, 300)}`)
    const inflated = gunzipSync(body).toString('utf8')
    assert.not.match(inflated, 'gz-hunter2-secret', key)
    assert.match(inflated, 'status=ok', key)
    assert.is(res.headers.get('content-length'), String(body.byteLength), key)
  }
})

// After a member, a NUL byte ends what gunzip reads: what follows it went out unmasked when the text was clean.
test('a gzip file with nothing to mask comes back byte for byte, unless it carries what gunzip skips; one holding binary (a tar) is withheld', async () => {
  const plain = gzipSync('status=ok\nregion=us-east-1\n', { level: 1 })
  await motoCurl(moto, 's3', 'PUT', '/logs/plain.gz', ['-H', 'content-type: application/gzip', '--data-binary', `@${writeTmp(plain)}`])
  const res = await via('https://s3.us-east-1.amazonaws.com/logs/plain.gz')
  const body = Buffer.from(await res.arrayBuffer())
  assert.is(res.status, 200)
  assert.ok(body.equals(plain), 'recompressed')
  const padded = Buffer.concat([plain, Buffer.from('\0DB_PASSWORD=gz-trailing-hunter2\n')])
  await motoCurl(moto, 's3', 'PUT', '/logs/padded.gz', ['-H', 'content-type: application/gzip', '--data-binary', `@${writeTmp(padded)}`])
  const trailing = Buffer.from(await (await via('https://s3.us-east-1.amazonaws.com/logs/padded.gz')).arrayBuffer())
  assert.not.match(trailing.toString('latin1'), 'gz-trailing-hunter2')
  assert.is(gunzipSync(trailing).toString('utf8'), 'status=ok\nregion=us-east-1\n')
  const tar = gzipSync(Buffer.concat([Buffer.from('DB_PASSWORD=tar-hunter2\n'), Buffer.alloc(512)]))
  await motoCurl(moto, 's3', 'PUT', '/logs/backup.tar.gz', ['-H', 'content-type: application/gzip', '--data-binary', `@${writeTmp(tar)}`])
  const held = await via('https://s3.us-east-1.amazonaws.com/logs/backup.tar.gz')
  const out = Buffer.from(await held.arrayBuffer())
  assert.is(held.status, 502, out.toString('utf8').slice(0, 300))
  assert.match(out.toString('utf8'), 'binary')
})

test.run()
