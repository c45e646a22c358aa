// Attacks on how the gateway and moto read one S3 request, by an agent holding a valid token under the default
// policy: two subresources in one query (each picks an operation, and moto picks between them in its own
// order) and DeleteObjects spelled otherwise. `stage-aws` is a staging target, where an agent's changes pass.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startMoto, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { HELD_AWS_ENV, motoCurl, motoTarget } from './testing/moto-target.ts'

let moto: StoragePeer
let g: TestGateway
let token: string

test.before(async () => {
  moto = await startMoto()
  g = await startTestGateway(() => [
    motoTarget(moto, { name: 'stage-aws', environment: 'staging', api_host: 's3.amazonaws.com', hosts: [] }),
  ], { holdSeconds: 1, env: HELD_AWS_ENV })
  token = await g.agentToken()
  await s3('PUT', '/parse-b')
  await s3('PUT', '/parse-b/keep.txt', ['--data-binary', 'x'])
})

test.after(async () => {
  await g?.close()
  await moto?.stop()
})


/** An S3 call straight to moto (its own test key: moto checks no signature). */
const s3 = (method: string, path: string, args: string[] = []) => motoCurl(moto, 's3', method, path, args)

const agent = (path: string, init: RequestInit = {}) =>
  fetch(`${g.reverse.url}/t/stage-aws${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } })

const TAGGING = '<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>owner</Key><Value>mallory</Value></Tag></TagSet></Tagging>'

test('control: moto runs PUT ?cors&tagging as PutBucketTagging', async () => {
  await s3('PUT', '/parse-b?cors&tagging', ['-H', 'content-type: application/xml', '--data-binary', TAGGING])
  assert.match(await s3('GET', '/parse-b?tagging'), 'mallory')
  await s3('DELETE', '/parse-b?tagging')
})

test('two subresources that each pick an operation are refused before moto (judged PutBucketCors, run as PutBucketTagging)', async () => {
  for (const query of ['cors&tagging', 'tagging&cors', 'encryption&tagging', '%63ors&tagging']) {
    const res = await agent(`/parse-b?${query}`, { method: 'PUT', headers: { 'content-type': 'application/xml' }, body: TAGGING })
    const text = await res.text()
    assert.not.match(await s3('GET', '/parse-b?tagging'), 'mallory', `${query} ran (${res.status} ${text})`)
    assert.is(res.status, 400, text)
    assert.match(text, 'subresources')
  }
})

test('DeleteObjects in its spellings is DeleteObjects (a delete, held for an agent here); the objects stay', async () => {
  const body = '<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>keep.txt</Key></Object></Delete>'
  for (const path of ['/parse-b?delete', '/parse-b?delete=', '/parse-b/?delete', '/parse-b?%64elete']) {
    const res = await agent(path, { method: 'POST', headers: { 'content-type': 'application/xml' }, body })
    const text = await res.text()
    assert.is(res.status, 403, `${path}: ${text}`)
    assert.match(text, 'held for approval', path)
    const held = [...g.te.audit.events].reverse().find((e) => e.type === 'approval')!
    assert.match(JSON.stringify(held.reasons), 's3:DeleteObjects', path)
  }
  assert.match(await s3('GET', '/parse-b?list-type=2'), 'keep.txt')
})

test('a raw ; in an S3 path is refused: moto cuts it off as a parameter and writes another key than the one judged', async () => {
  await s3('PUT', '/parse-b/semi.txt', ['-H', 'content-type: text/plain', '--data-binary', 'original'])
  for (const path of ['/parse-b/semi.txt;x', '/parse-b/semi.txt;', '/parse-b/semi.txt;a=b']) {
    const res = await agent(path, { method: 'PUT', body: 'overwritten' })
    const text = await res.text()
    assert.is(await s3('GET', '/parse-b/semi.txt'), 'original', `${path} overwrote semi.txt (${res.status} ${text})`)
    assert.is(res.status, 400, `${path}: ${text}`)
    assert.match(text, '%3B', path)
  }
  // Percent-encoded, both read the key `semi.txt;x`.
  const res = await agent('/parse-b/semi.txt%3Bx', { method: 'PUT', body: 'encoded' })
  assert.is(res.status, 200, await res.text())
  assert.is(await s3('GET', '/parse-b/semi.txt%3Bx'), 'encoded')
  assert.is(await s3('GET', '/parse-b/semi.txt'), 'original')
})

test('control: moto makes an object public from the acl field of a urlencoded form POSTed to its bucket', async () => {
  await s3('POST', '/parse-b', ['-H', 'content-type: application/x-www-form-urlencoded', '--data-binary', 'key=control-public.txt&acl=public-read&file=x'])
  assert.match(await s3('GET', '/parse-b/control-public.txt?acl'), 'AllUsers')
})

test('a urlencoded form POSTed to a bucket (moto reads its acl field; S3 takes only multipart) is not judged a plain upload', async () => {
  const res = await agent('/parse-b', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'key=form-public.txt&acl=public-read&file=x' })
  const text = await res.text()
  assert.not.match(await s3('GET', '/parse-b?list-type=2'), 'form-public.txt', `the form upload ran (${res.status} ${text})`)
  assert.is(res.status, 403, text)
})

const PUBLIC_ACCESS_BLOCK = (on: boolean) => `<PublicAccessBlockConfiguration xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/">${['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'].map((n) => `<${n}>${on}</${n}>`).join('')}</PublicAccessBlockConfiguration>`
const accountBlock = () => s3('GET', '/v20180820/configuration/publicAccessBlock', ['-H', 'x-amz-account-id: 123456789012'])

test('control: moto runs PUT /v20180820/configuration/publicAccessBlock on its S3 endpoint as S3 Control\'s account setting', async () => {
  await s3('PUT', '/v20180820/configuration/publicAccessBlock', ['-H', 'x-amz-account-id: 123456789012', '-H', 'content-type: application/xml', '--data-binary', PUBLIC_ACCESS_BLOCK(true)])
  assert.match(await accountBlock(), '<BlockPublicAcls>true</BlockPublicAcls>')
})

test('an S3 Control path on the S3 endpoint (judged an upload to a bucket named v20180820) does not turn off the account\'s Block Public Access', async () => {
  const res = await agent('/v20180820/configuration/publicAccessBlock', { method: 'PUT', headers: { 'x-amz-account-id': '123456789012' }, body: PUBLIC_ACCESS_BLOCK(false) })
  const text = await res.text()
  assert.match(await accountBlock(), '<BlockPublicAcls>true</BlockPublicAcls>', `the account block was turned off (${res.status} ${text})`)
  assert.is(res.status, 403, text)
})

const recording = () => s3('GET', '/moto-api/recorder/download-recording')

test('control: moto stores a recording uploaded by PUT under /moto-api/ (its replay then runs every request in it)', async () => {
  await s3('PUT', '/moto-api/recorder/upload-recording', ['-H', 'content-type: application/json', '--data-binary', '{"method":"GET","url":"https://x/control"}'])
  assert.match(await recording(), 'https://x/control')
})

test('moto\'s own endpoints under /moto-api/ (judged an upload to a bucket of that name) are not reached through the gateway', async () => {
  const line = JSON.stringify({ method: 'POST', url: 'https://x/?Action=CreateUser&UserName=replayed&Version=2010-05-08', headers: {}, body: '' })
  for (const path of ['/moto-api/recorder/upload-recording', '/%6Doto-api/recorder/upload-recording']) {
    const res = await agent(path, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: line })
    const text = await res.text()
    assert.not.match(await recording(), 'replayed', `${path}: the recording was stored (${res.status} ${text})`)
    assert.is(res.status, 403, `${path}: ${text}`)
  }
})

test.run()
