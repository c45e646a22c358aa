// Tenth HTTP round, conditional writes: S3's ETag of a plain upload is the MD5 of the object, and a write carrying
// If-Match answers 200 or 412 by whether a guess's MD5 is the stored object's. With the guess itself as the body a
// right guess changes nothing, so an agent checked guesses at an object whose text the detectors mask (a .env file
// in staging, where writes pass), as Kubernetes dry runs and apply conflicts were checked. Against moto, as an agent
// under the default policy.
import { createHash } from 'node:crypto'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fetch } from 'undici'
import { startMoto, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { HELD_AWS_ENV, motoCurl, motoTarget } from './testing/moto-target.ts'

const SECRET_TEXT = 'DATABASE_URL=postgres://app:Zq8-staging-pw@db.internal/app\n'
const WRONG_TEXT = 'DATABASE_URL=postgres://app:Zq9-staging-pw@db.internal/app\n'
const md5 = (text: string) => `"${createHash('md5').update(text).digest('hex')}"`
let moto: StoragePeer
let g: TestGateway
let token = ''

test.before(async () => {
  moto = await startMoto()
  g = await startTestGateway(() => [motoTarget(moto, { name: 'stage-s3', environment: 'staging', api_host: 's3.amazonaws.com', hosts: [] })], { env: HELD_AWS_ENV, holdSeconds: 0.5 })
  token = await g.agentToken()
  await motoCurl(moto, 's3', 'PUT', '/config')
  await motoCurl(moto, 's3', 'PUT', '/config/app.env', ['-H', 'content-type: text/plain', '--data-binary', SECRET_TEXT])
})

test.after(async () => {
  await g?.close()
  await moto?.stop()
})

const put = (path: string, body: string, headers: Record<string, string>) =>
  fetch(`${g.reverse.url}/t/stage-s3${path}`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain', ...headers }, body })

test('control: the agent reads the object with its password masked, and moto answers a conditional write 412 or 200 by the guess', async () => {
  const res = await fetch(`${g.reverse.url}/t/stage-s3/config/app.env`, { headers: { authorization: `Bearer ${token}` } })
  const body = await res.text()
  assert.is(res.status, 200, body)
  assert.not.match(body, 'Zq8-staging-pw')
  assert.match(await motoCurl(moto, 's3', 'PUT', '/config/app.env', ['-H', 'content-type: text/plain', '-H', `if-match: ${md5(WRONG_TEXT)}`, '--data-binary', WRONG_TEXT, '-w', '%{http_code}']), /412$/)
  assert.match(await motoCurl(moto, 's3', 'PUT', '/config/app.env', ['-H', 'content-type: text/plain', '-H', `if-match: ${md5(SECRET_TEXT)}`, '--data-binary', SECRET_TEXT, '-w', '%{http_code}', '-o', '/dev/null']), /200$/)
})

test('a write conditional on the stored object\'s ETag (If-Match, If-None-Match with an ETag) is held, right guess or wrong', async () => {
  for (const [text, headers] of [
    [SECRET_TEXT, { 'if-match': md5(SECRET_TEXT) }], [WRONG_TEXT, { 'if-match': md5(WRONG_TEXT) }],
    [SECRET_TEXT, { 'if-none-match': md5(SECRET_TEXT) }],
    [SECRET_TEXT, { 'If-Match': md5(SECRET_TEXT).slice(1, -1) }],
  ] as Array<[string, Record<string, string>]>) {
    const res = await put('/config/app.env', text, headers)
    const body = await res.text()
    assert.is(res.status, 403, `${JSON.stringify(headers)}: ${body.slice(0, 300)}`)
    assert.ok(res.headers.get('x-warden-approval'), 'held for a reviewer')
  }
  const del = await fetch(`${g.reverse.url}/t/stage-s3/config/app.env`, { method: 'DELETE', headers: { authorization: `Bearer ${token}`, 'if-match': md5(SECRET_TEXT) } })
  assert.is(del.status, 403, await del.text())
  assert.match(await motoCurl(moto, 's3', 'GET', '/config/app.env'), 'Zq8-staging-pw', 'the object is as it was')
})

test('control: a plain upload and one that must not overwrite (If-None-Match: *) still pass in staging', async () => {
  const plain = await put('/config/new.txt', 'hello\n', {})
  assert.is(plain.status, 200, await plain.text())
  const fresh = await put('/config/fresh.txt', 'hello\n', { 'if-none-match': '*' })
  assert.is(fresh.status, 200, await fresh.text())
  const again = await put('/config/fresh.txt', 'hello\n', { 'if-none-match': '*' })
  assert.is(again.status, 412, await again.text())
})

test.run()
