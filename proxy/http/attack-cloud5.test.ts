// Fifth attack round on the cloud paths, by an agent holding a valid token under the default policy, against moto
// over HTTPS (what AWS would answer): reads the policy passes as reads whose answers are credentials, answers in
// formats the masker reads otherwise than the client (an XML document escaped inside XML, an S3 Select event
// stream), and a harmless identity read that must not be held.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fetch, ProxyAgent } from 'undici'
import { startMoto, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'

let moto: StoragePeer
let g: TestGateway
let token: string

const motoSig = (service: string) => `AWS4-HMAC-SHA256 Credential=AKIDMOTOOWNKEY000001/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`

function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile('curl', ['-sS', '--cacert', moto.caFile, ...args], (err, out) => err ? reject(err) : resolve(out)))
}
/** Calls straight to moto (its own test key: moto checks no signature). */
const motoForm = (service: string, form: string) =>
  curl(['-H', `authorization: ${motoSig(service)}`, '-H', 'content-type: application/x-www-form-urlencoded', '--data-binary', form, `${moto.url}/`])
const motoRest = (service: string, method: string, path: string, body?: string, type = 'application/json') =>
  curl(['-X', method, '-H', `authorization: ${motoSig(service)}`, '-H', `content-type: ${type}`, ...(body === undefined ? [] : ['--data-binary', body]), `${moto.url}${path}`])

const via = (url: string, init: Parameters<typeof fetch>[1] = {}) =>
  fetch(url, { ...init, dispatcher: new ProxyAgent({ uri: g.proxy.url, token: `Bearer ${token}`, requestTls: { ca: readFileSync(g.ca.cert, 'utf8') } }) })

let apiId = ''
let apiKey = ''
const PSK = 'Iw2IAN9XUsQeYUrkMGP3kP59ugFDkfHg'
const CSV_SECRET = 'csv-held-password-9Qz'

/** The rules that held an approval: the 403 an AWS client gets says only that it was held. */
async function heldBy(res: Response | Awaited<ReturnType<typeof fetch>>): Promise<string[]> {
  const id = res.headers.get('x-warden-approval')
  const held = id ? await g.te.approvals.get(id) : undefined
  return held ? held.reasons.map((r) => r.rule ?? '') : []
}

test.before(async () => {
  moto = await startMoto()
  g = await startTestGateway(() => [
    { name: 'prod-aws', kind: 'aws', environment: 'production', labels: {}, upstream_http: { url: moto.url, ca_file: moto.caFile, credential: { kind: 'aws_sigv4', access_key_id_env: 'HELD_AWS_ID', secret_access_key_env: 'HELD_AWS_SECRET' }, hosts: ['*.amazonaws.com', 'amazonaws.com'] } },
  ], { env: { HELD_AWS_ID: 'AKIDGATEWAYHELD0001', HELD_AWS_SECRET: 'gateway-held-secret' }, holdSeconds: 0.5 })
  token = await g.agentToken()
  apiId = JSON.parse(await motoRest('appsync', 'POST', '/v1/apis', JSON.stringify({ name: 'orders', authenticationType: 'API_KEY' }))).graphqlApi.apiId
  apiKey = JSON.parse(await motoRest('appsync', 'POST', `/v1/apis/${apiId}/apikeys`, JSON.stringify({ description: 'web client' }))).apiKey.id
  const cgw = /<customerGatewayId>([^<]+)</.exec(await motoForm('ec2', 'Action=CreateCustomerGateway&Type=ipsec.1&IpAddress=198.51.100.7&BgpAsn=65000&Version=2016-11-15'))![1]
  const vgw = /<vpnGatewayId>([^<]+)</.exec(await motoForm('ec2', 'Action=CreateVpnGateway&Type=ipsec.1&Version=2016-11-15'))![1]
  await motoForm('ec2', `Action=CreateVpnConnection&Type=ipsec.1&CustomerGatewayId=${cgw}&VpnGatewayId=${vgw}&Version=2016-11-15`)
  await motoRest('s3', 'PUT', '/reports')
  await motoRest('s3', 'PUT', '/reports/users.csv', `name,db_url\nalice,postgres://alice:${CSV_SECRET}@db.internal/orders\n`, 'text/csv')
})

test.after(async () => {
  await g?.close()
  await moto?.stop()
})

test('control: moto answers appsync ListApiKeys with the keys themselves (an AppSync key\'s id is the key)', async () => {
  assert.match(await motoRest('appsync', 'GET', `/v1/apis/${apiId}/apikeys`), apiKey)
})

test('appsync ListApiKeys (a List… read) does not hand the agent the API keys', async () => {
  const res = await via(`https://appsync.us-east-1.amazonaws.com/v1/apis/${apiId}/apikeys`)
  const body = await res.text()
  assert.not.match(body, `"${apiKey}"`, `${res.status} ${body.slice(0, 300)}`)
  assert.is(res.status, 403, body.slice(0, 300))
})

test('control: moto answers DescribeVpnConnections with the pre-shared key inside the escaped configuration', async () => {
  assert.match(await motoForm('ec2', 'Action=DescribeVpnConnections&Version=2016-11-15'), `&lt;pre_shared_key&gt;${PSK}`)
})

test('ec2 DescribeVpnConnections (a Describe… read whose XML escapes the tunnels\' pre-shared key) is held, not answered', async () => {
  const res = await via('https://ec2.us-east-1.amazonaws.com/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=DescribeVpnConnections&Version=2016-11-15' })
  const body = await res.text()
  assert.not.match(body, PSK, `${res.status} ${body.slice(0, 600)}`)
  assert.is(res.status, 403, body.slice(0, 300))
  assert.equal(await heldBy(res), ['warden.rules.cloud.secret'])
})

test('s3 SelectObjectContent (an event stream of records) does not return a CSV\'s password unmasked', async () => {
  const select = '<SelectObjectContentRequest xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Expression>SELECT * FROM S3Object</Expression><ExpressionType>SQL</ExpressionType><InputSerialization><CSV><FileHeaderInfo>USE</FileHeaderInfo></CSV></InputSerialization><OutputSerialization><JSON/></OutputSerialization></SelectObjectContentRequest>'
  const res = await via('https://s3.amazonaws.com/reports/users.csv?select&select-type=2', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: select })
  const body = Buffer.from(await res.arrayBuffer()).toString('latin1')
  assert.not.match(body, CSV_SECRET, `${res.status} ${body.slice(0, 400)}`)
  // The event stream's binary framing cannot be scanned: withheld, as any binary answer under a mask.
  assert.is(res.status, 502, body.slice(0, 300))
})

test('sts GetCallerIdentity (who the gateway is: no credential) is answered, not held', async () => {
  const res = await via('https://sts.amazonaws.com/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetCallerIdentity&Version=2011-06-15' })
  const body = await res.text()
  assert.is(res.status, 200, body.slice(0, 300))
  assert.match(body, '<Arn>')
})

test.run()
