// Attacks on the gateway's AWS path by an agent with a valid token under the default policy, against moto (one
// endpoint for every service, as LocalStack or any single-URL upstream): the request moto runs must be the one
// judged, whatever the agent's own (discarded) SigV4 scope names.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fetch, FormData, ProxyAgent, request } from 'undici'
import { startMoto, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { HELD_AWS_ENV, motoCurl, motoTarget } from './testing/moto-target.ts'

let moto: StoragePeer
let g: TestGateway
let token: string

test.before(async () => {
  moto = await startMoto()
  g = await startTestGateway(() => [
    motoTarget(moto),
    // Staging, where an agent's changes pass: Secrets Manager by the reverse route.
    motoTarget(moto, { name: 'stage-secrets', environment: 'staging', api_host: 'secretsmanager.us-east-1.amazonaws.com', hosts: [] }),
  ], { env: HELD_AWS_ENV })
  token = await g.agentToken()
})

test.after(async () => {
  await g?.close()
  await moto?.stop()
})

const via = (url: string, init: Parameters<typeof fetch>[1] = {}) =>
  fetch(url, { ...init, dispatcher: new ProxyAgent({ uri: g.proxy.url, token: `Bearer ${token}`, requestTls: { ca: readFileSync(g.ca.cert, 'utf8') } }) })

const agentSig = (service: string) => `AWS4-HMAC-SHA256 Credential=AKIDAGENTOWNKEY000001/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`

/** IAM users at moto, asked directly with moto's own test key (curl: node does not trust moto's CA). */
function motoUsers(): Promise<string> {
  return new Promise((resolve, reject) => execFile('curl', ['-sS', '--cacert', moto.caFile, '-H', `authorization: ${agentSig('iam')}`, `${moto.url}/?Action=ListUsers&Version=2010-05-08`], (err, out) => err ? reject(err) : resolve(out)))
}

test('an S3 read to s3.amazonaws.com whose own SigV4 scope names iam does not run as an IAM call', async () => {
  const res = await via('https://s3.amazonaws.com/?Action=CreateUser&UserName=mallory&Version=2010-05-08', { headers: { authorization: agentSig('iam'), 'x-amz-date': '20260101T000000Z' } })
  const body = await res.text()
  assert.not.match(await motoUsers(), 'mallory', `moto created the user (gateway answered ${res.status}: ${body.slice(0, 300)})`)
})

/** A request straight to moto (its own test key: moto checks no signature). */
function motoDirect(method: string, path: string, service: string, json?: string): Promise<string> {
  const body = json === undefined ? [] : ['-H', 'content-type: application/json', '--data-binary', json]
  return new Promise((resolve, reject) => execFile('curl', ['-sS', '-X', method, '--cacert', moto.caFile, '-H', `authorization: ${agentSig(service)}`, ...body, `${moto.url}${path}`], (err, out) => err ? reject(err) : resolve(out)))
}

test('a presigned-style X-Amz-Credential naming iam (judged iam:ListUsers, a read) does not run as an S3 DeleteBucket', async () => {
  await motoDirect('PUT', '/keep-me', 's3')
  const credential = encodeURIComponent('AKIDAGENTOWNKEY000001/20260101/us-east-1/iam/aws4_request')
  const res = await via(`https://example-upstream.amazonaws.com/keep-me?Action=ListUsers&Version=2010-05-08&X-Amz-Credential=${credential}`, { method: 'DELETE' })
  const body = await res.text()
  assert.match(await motoDirect('GET', '/', 's3'), 'keep-me', `the bucket is gone (gateway answered ${res.status}: ${body.slice(0, 300)})`)
})

test('a made-up service host (judged foo:ListUsers, a read) does not run as an S3 DeleteBucket at a one-URL upstream', async () => {
  await motoDirect('PUT', '/keep-me-too', 's3')
  const res = await via('https://foo.amazonaws.com/keep-me-too?Action=ListUsers&Version=2010-05-08', { method: 'DELETE' })
  const body = await res.text()
  assert.match(await motoDirect('GET', '/', 's3'), 'keep-me-too', `the bucket is gone (gateway answered ${res.status}: ${body.slice(0, 300)})`)
})

// moto (werkzeug) reads a form on any method, a multipart body as a form, and any other body as a query string
// when neither the form nor the query holds a parameter: an Action there ran beside a target or a query Action
// naming a read (judged iam:ListUsers, run as CreateUser).
test('an Action smuggled in a body (inside JSON, text/plain, a GET\'s form, multipart) or a header beside a read never runs at moto', async () => {
  const users = async () => /<Users[\s\S]*<\/Users>|<Users\/>/.exec(await motoUsers())?.[0]
  const before = await users()
  assert.ok(before)
  const dispatcher = new ProxyAgent({ uri: g.proxy.url, token: `Bearer ${token}`, requestTls: { ca: readFileSync(g.ca.cert, 'utf8') } })
  const create = (name: string) => `Action=CreateUser&UserName=${name}&Version=2010-05-08`
  const multipart = new FormData()
  for (const [k, v] of new URLSearchParams(create('smuggled4'))) multipart.set(k, v)
  const asked = await Promise.all([
    request('https://iam.amazonaws.com/', { method: 'POST', dispatcher, headers: { 'x-amz-target': 'iam.ListUsers', 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify({ x: `&${create('smuggled1')}&` }) }),
    request('https://iam.amazonaws.com/', { method: 'POST', dispatcher, headers: { 'x-amz-target': 'iam.ListUsers', 'content-type': 'application/x-www-form-urlencoded' }, body: JSON.stringify({ x: `&${create('smuggled2')}&` }) }),
    request('https://iam.amazonaws.com/', { method: 'POST', dispatcher, headers: { 'x-amz-target': 'iam.ListUsers', 'content-type': 'text/plain' }, body: create('smuggled3') }),
    request('https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08', { method: 'GET', dispatcher, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: create('smuggled5') }),
    via('https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08', { method: 'POST', body: multipart }),
    // With neither query nor body, moto reads the headers as parameters.
    request('https://iam.amazonaws.com/', { method: 'POST', dispatcher, headers: { 'x-amz-target': 'iam.ListUsers', action: 'CreateUser', username: 'smuggled6' } }),
  ])
  const statuses = await Promise.all(asked.map(async (r) => 'statusCode' in r ? (await r.body.text(), r.statusCode) : (await r.text(), r.status)))
  assert.equal(await users(), before, `moto created a user (gateway answered ${statuses.join(', ')})`)
  assert.ok(statuses.every((s) => s === 400 || s === 403), statuses.join(', '))
})

/** OpenSearch domains at moto, asked directly. */
const domains = () => motoDirect('GET', '/2015-01-01/domain', 'es')

test('control: moto deletes an OpenSearch domain by its REST path whatever Action rides in the query', async () => {
  await motoDirect('POST', '/2015-01-01/es/domain', 'es', '{"DomainName":"control-search"}')
  await motoDirect('DELETE', '/2015-01-01/es/domain/control-search?Action=ListDomainNames', 'es')
  assert.not.match(await domains(), 'control-search')
})

// The query and JSON protocols post to the service's root; on a REST path the endpoint runs what the path and
// method name (as AWS does), while an Action or X-Amz-Target beside it was judged as the call (a read here).
test('a REST call carrying a read\'s Action or X-Amz-Target (es DeleteDomain judged ListDomainNames) never runs at moto', async () => {
  await motoDirect('POST', '/2015-01-01/es/domain', 'es', '{"DomainName":"prod-search"}')
  const asked = await Promise.all([
    via('https://es.us-east-1.amazonaws.com/2015-01-01/es/domain/prod-search?Action=ListDomainNames&Version=2015-01-01', { method: 'DELETE' }),
    via('https://es.us-east-1.amazonaws.com/2015-01-01/es/domain/prod-search', { method: 'DELETE', headers: { 'x-amz-target': 'es.ListDomainNames' } }),
  ])
  const statuses = await Promise.all(asked.map(async (r) => (await r.text(), r.status)))
  assert.match(await domains(), 'prod-search', `the domain is gone (gateway answered ${statuses.join(', ')})`)
  assert.equal(statuses, [403, 403])
})

test('control: moto answers secretsmanager.getSecretValue (any casing its snake_case names) with the secret', async () => {
  await motoCurl(moto, 'secretsmanager', 'POST', '/', ['-H', 'x-amz-target: secretsmanager.CreateSecret', '-H', 'content-type: application/x-amz-json-1.1', '--data-binary', JSON.stringify({ Name: 'stage/db', SecretString: 'plainhunter2value' })])
  const got = await motoCurl(moto, 'secretsmanager', 'POST', '/', ['-H', 'x-amz-target: secretsmanager.getSecretValue', '-H', 'content-type: application/x-amz-json-1.1', '--data-binary', '{"SecretId":"stage/db"}'])
  assert.match(got, 'plainhunter2value')
})

// Judged secretsmanager:getSecretValue, neither a read nor a secret read by name: a change, which passes on staging.
test('an operation spelled in camelCase (getSecretValue) is not judged a change that passes on staging; the secret is not sent', async () => {
  const res = await fetch(`${g.reverse.url}/t/stage-secrets/`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-amz-target': 'secretsmanager.getSecretValue', 'content-type': 'application/x-amz-json-1.1' }, body: '{"SecretId":"stage/db"}' })
  const text = await res.text()
  assert.not.match(text, 'plainhunter2value')
  assert.is(res.status, 403, text)
})

// moto maps a name to its method by its own snake_case conversion, which reads a run of capitals as one word:
// GetSecretVALUE and GETSecretValue are both get_secret_value. PascalCase alone let them through, judged as
// operations no list names (GetSecretVALUE a read by its prefix): the secret went out. Each is held now, as
// GetSecretValue itself is.
test('an operation whose words are in other letter case (GetSecretVALUE, GETSecretValue) is not run as GetSecretValue unjudged', async () => {
  for (const target of ['secretsmanager.GetSecretVALUE', 'secretsmanager.GETSecretValue', 'secretsmanager.GetSECRETValue', 'secretsmanager.GetSecretValue']) {
    const direct = await motoCurl(moto, 'secretsmanager', 'POST', '/', ['-H', `x-amz-target: ${target}`, '-H', 'content-type: application/x-amz-json-1.1', '--data-binary', '{"SecretId":"stage/db"}'])
    assert.match(direct, 'plainhunter2value', `control: moto runs ${target}`)
    const res = await fetch(`${g.reverse.url}/t/stage-secrets/`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1' }, body: '{"SecretId":"stage/db"}' })
    const text = await res.text()
    assert.not.match(text, 'plainhunter2value', target)
    assert.is(res.status, 403, `${target}: ${text}`)
  }
})

test.run()
