// Fifth attack round on response formats the masker reads as plain text (AWS XML), by an agent holding a valid
// token under the default policy (content detectors on every answer), against moto over HTTPS: encodings the
// agent asks the upstream for, which its client decodes and the detectors never see decoded.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fetch, ProxyAgent } from 'undici'
import { peerBinaries, startMoto, type StoragePeer } from './testing/peers.ts'
import { awsCli } from './testing/aws-cli.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { HELD_AWS_ENV, motoCurl, motoTarget } from './testing/moto-target.ts'

const tools = peerBinaries(['aws'])
const dir = mkdtempSync(join(tmpdir(), 'warden-format5-'))
let moto: StoragePeer
let g: TestGateway
let token: string

const EMAIL = 'alice.payroll@example.com'
const URL_SECRET = 'pgpw-7Hq2Zx9'
const CONN = `postgres://orders:${URL_SECRET}@db.internal:5432/orders`


/** An S3 call straight to moto (its own test key: moto checks no signature). */
const motoS3 = (method: string, path: string, args: string[] = []) => motoCurl(moto, 's3', method, path, args)

test.before(async () => {
  moto = await startMoto()
  g = await startTestGateway(() => [
    motoTarget(moto),
  ], { env: HELD_AWS_ENV })
  token = await g.agentToken()
  await motoS3('PUT', '/people')
  await motoS3('PUT', `/people/users/${EMAIL}/avatar.txt`, ['--data-binary', 'x'])
  await motoS3('PUT', `/people/dumps/${encodeURIComponent(CONN)}.sql`, ['--data-binary', 'x'])
  await motoS3('PUT', '/people/readme%20first.txt', ['--data-binary', 'x'])
})

test.after(async () => {
  await g?.close()
  await moto?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const via = (url: string, init: Parameters<typeof fetch>[1] = {}) =>
  fetch(url, { ...init, dispatcher: new ProxyAgent({ uri: g.proxy.url, token: `Bearer ${token}`, requestTls: { ca: readFileSync(g.ca.cert, 'utf8') } }) })

test('control: a plain listing of the bucket has the email and the password in its keys masked', async () => {
  const res = await via('https://s3.amazonaws.com/people?list-type=2')
  const body = await res.text()
  assert.is(res.status, 200, body.slice(0, 300))
  assert.match(body, 'avatar.txt')
  assert.not.match(body, EMAIL, body)
  assert.not.match(body, URL_SECRET, body)
})

test('encoding-type=url (what the aws CLI always asks for): keys come back percent-encoded, and decoded they are still masked', async () => {
  for (const query of ['list-type=2&encoding-type=url', 'encoding-type=url', 'versions&encoding-type=url']) {
    const res = await via(`https://s3.amazonaws.com/people?${query}`)
    const body = await res.text()
    const decoded = decodeURIComponent(body.replace(/\+/g, ' '))
    assert.match(decoded, 'readme first.txt', `${query}: ${res.status} ${body.slice(0, 300)}`)
    assert.not.match(decoded, EMAIL, `${query}: ${body}`)
    assert.not.match(decoded, URL_SECRET, `${query}: ${body}`)
  }
})

const aws = (...args: string[]) => awsCli(tools.aws!, g, token, dir)(...args)

test('aws s3 ls --recursive (the real CLI decodes the keys it asked to have encoded) prints no email and no password', async () => {
  const out = await aws('s3', 'ls', '--recursive', 's3://people')
  assert.is(out.code, 0, out.stderr)
  assert.match(out.stdout, 'readme first.txt')
  assert.not.match(out.stdout, EMAIL, out.stdout)
  assert.not.match(out.stdout, URL_SECRET, out.stdout)
})

test.run()
