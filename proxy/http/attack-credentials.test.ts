// Attacks on the gateway's AWS path that ask the upstream for a credential rather than for data: calls that mint
// tokens or keys with the gateway's own identity, and reads that answer with a password. The agent holds a valid
// token under the default policy; moto (HTTPS) runs what the gateway forwards, and is asked directly (with its own
// test key) whether anything reached it; Google APIs go to the recording upstream, which tells what reached it.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fetch, ProxyAgent, type Response } from 'undici'
import { startMoto, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { HELD_AWS_ENV, motoSignature, motoTarget } from './testing/moto-target.ts'

let moto: StoragePeer
let g: TestGateway
let token: string

const PASSWORD = 'glue-db-pw-hunter2-prod'

test.before(async () => {
  moto = await startMoto()
  g = await startTestGateway((up) => [
    { name: 'prod-gcp', kind: 'gcp', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'HELD_GCP_TOKEN' }, hosts: ['*.googleapis.com'] } },
    motoTarget(moto),
  ], { env: { ...HELD_AWS_ENV, HELD_GCP_TOKEN: 'ya29.gateway-held-token' }, holdSeconds: 1 })
  token = await g.agentToken()
  await motoJson('glue', 'AWSGlue.CreateConnection', {
    ConnectionInput: { Name: 'orders-db', ConnectionType: 'JDBC', ConnectionProperties: { JDBC_CONNECTION_URL: 'jdbc:postgresql://db.internal:5432/orders', USERNAME: 'orders', PASSWORD } },
  })
  await motoForm('iam', 'Action=CreateUser&UserName=deploy&Version=2010-05-08')
})

test.after(async () => {
  await g?.close()
  await moto?.stop()
})

/** The rules that held an approval: the 403 an AWS client gets says only that it was held. */
async function heldBy(res: Response): Promise<string[]> {
  const id = res.headers.get('x-warden-approval')
  const held = id ? await g.te.approvals.get(id) : undefined
  return held ? held.reasons.map((r) => r.rule ?? '') : []
}

const via = (url: string, init: Parameters<typeof fetch>[1] = {}) =>
  fetch(url, { ...init, dispatcher: new ProxyAgent({ uri: g.proxy.url, token: `Bearer ${token}`, requestTls: { ca: readFileSync(g.ca.cert, 'utf8') } }) })


function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile('curl', ['-sS', '--cacert', moto.caFile, ...args], (err, out) => err ? reject(err) : resolve(out)))
}

/** A JSON-protocol call straight to moto (its own test key: moto checks no signature). */
const motoJson = (service: string, target: string, body: unknown) =>
  curl(['-H', `authorization: ${motoSignature(service)}`, '-H', `x-amz-target: ${target}`, '-H', 'content-type: application/x-amz-json-1.1', '--data-binary', JSON.stringify(body), `${moto.url}/`])

/** A query-protocol call straight to moto. */
const motoForm = (service: string, form: string) =>
  curl(['-H', `authorization: ${motoSignature(service)}`, '-H', 'content-type: application/x-www-form-urlencoded', '--data-binary', form, `${moto.url}/`])

test('control: moto answers GetConnection with the password in clear (the upstream does not hide it)', async () => {
  const direct = await motoJson('glue', 'AWSGlue.GetConnection', { Name: 'orders-db' })
  assert.match(direct, PASSWORD)
})

test('glue GetConnection (a Get… read that answers with a database password) is held, not answered unmasked', async () => {
  for (const target of ['AWSGlue.GetConnection', 'AWSGlue.GetConnections']) {
    const res = await via('https://glue.us-east-1.amazonaws.com/', {
      method: 'POST', headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify({ Name: 'orders-db' }),
    })
    const body = await res.text()
    assert.not.match(body, PASSWORD, `${target}: the password came back (${res.status})`)
    assert.is(res.status, 403, `${target}: ${body.slice(0, 300)}`)
    assert.equal(await heldBy(res), ['warden.rules.cloud.secret'], `${target}: ${body.slice(0, 300)}`)
  }
})

test('credential reads the catalog does not name are held by their name (redshift GetClusterCredentials, GetClusterCredentialsWithIAM)', async () => {
  for (const action of ['GetClusterCredentials', 'GetClusterCredentialsWithIAM']) {
    const res = await via('https://redshift.us-east-1.amazonaws.com/', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `Action=${action}&ClusterIdentifier=orders&DbUser=admin&Version=2012-12-01`,
    })
    const body = await res.text()
    assert.is(res.status, 403, `${action}: ${body.slice(0, 300)}`)
    assert.ok((await heldBy(res)).includes('warden.rules.cloud.secret'), `${action}: ${body.slice(0, 300)}`)
  }
})

test('minting credentials with the gateway identity is refused and never reaches moto: STS session, federation and assume-role, IAM access keys', async () => {
  const calls = [
    ['sts', 'Action=GetSessionToken&Version=2011-06-15'],
    ['sts', 'Action=GetFederationToken&Name=agent&Version=2011-06-15'],
    ['sts', 'Action=AssumeRole&RoleArn=arn:aws:iam::123456789012:role/admin&RoleSessionName=agent&Version=2011-06-15'],
    ['iam', 'Action=CreateAccessKey&UserName=deploy&Version=2010-05-08'],
  ] as const
  for (const [service, form] of calls) {
    const res = await via(`https://${service}.amazonaws.com/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form })
    const body = await res.text()
    assert.is(res.status, 403, `${form}: ${body.slice(0, 300)}`)
    assert.not.match(body, /<(SecretAccessKey|SessionToken)>/, form)
  }
  assert.not.match(await motoForm('iam', 'Action=ListAccessKeys&UserName=deploy&Version=2010-05-08'), 'AccessKeyId', 'an access key was created at moto')
})

test('secret reads (SecretsManager GetSecretValue, SSM GetParameter WithDecryption) are held; the value is not sent before a reviewer acts', async () => {
  await motoJson('secretsmanager', 'secretsmanager.CreateSecret', { Name: 'orders/db', SecretString: 'sm-secret-value-orders' })
  await motoJson('ssm', 'AmazonSSM.PutParameter', { Name: '/orders/db', Value: 'ssm-secret-value-orders', Type: 'SecureString' })
  const calls = [
    ['secretsmanager', 'secretsmanager.GetSecretValue', { SecretId: 'orders/db' }, 'sm-secret-value-orders'],
    ['ssm', 'AmazonSSM.GetParameter', { Name: '/orders/db', WithDecryption: true }, 'ssm-secret-value-orders'],
  ] as const
  for (const [service, target, input, value] of calls) {
    const res = await via(`https://${service}.us-east-1.amazonaws.com/`, { method: 'POST', headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(input) })
    const body = await res.text()
    assert.is(res.status, 403, `${target}: ${body.slice(0, 300)}`)
    assert.equal(await heldBy(res), ['warden.rules.cloud.secret'], target)
    assert.not.match(body, value, target)
  }
})

test('GCP: minting tokens, signing blobs or JWTs and creating keys as the gateway service account never reach the API', async () => {
  const sa = 'projects/-/serviceAccounts/deploy@p.iam.gserviceaccount.com'
  const calls: Array<[string, string, unknown?]> = [
    ['POST', `https://iamcredentials.googleapis.com/v1/${sa}:generateAccessToken`, { scope: ['https://www.googleapis.com/auth/cloud-platform'] }],
    ['POST', `https://iamcredentials.googleapis.com/v1/${sa}:generateIdToken`, { audience: 'https://example.com' }],
    ['POST', `https://iamcredentials.googleapis.com/v1/${sa}:signBlob`, { payload: 'eA==' }],
    ['POST', `https://iamcredentials.googleapis.com/v1/${sa}:signJwt`, { payload: '{"sub":"x"}' }],
    ['POST', `https://iam.googleapis.com/v1/${sa}:signBlob`, { bytesToSign: 'eA==' }],
    ['POST', `https://iam.googleapis.com/v1/${sa}/keys`, {}],
    ['POST', 'https://sts.googleapis.com/v1/token', { grantType: 'urn:ietf:params:oauth:grant-type:token-exchange' }],
    ['POST', 'https://storage.googleapis.com/storage/v1/projects/p/hmacKeys?serviceAccountEmail=deploy@p.iam.gserviceaccount.com'],
    ['GET', 'https://apikeys.googleapis.com/v2/projects/p/locations/global/keys/k1/keyString'],
    ['GET', 'https://secretmanager.googleapis.com/v1/projects/p/secrets/db/versions/latest:access'],
  ]
  const before = g.upstream.seen.length
  for (const [method, url, body] of calls) {
    const res = await via(url, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await res.text()
    assert.is(res.status, 403, `${method} ${url}: ${text.slice(0, 300)}`)
  }
  assert.equal(g.upstream.seen.slice(before).map((s) => s.url), [], 'reached the API')
})

test.run()
