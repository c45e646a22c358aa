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
import { json, startTestGateway, type TestGateway } from './testing/gateway.ts'
import { HELD_AWS_ENV, motoSignature, motoTarget } from './testing/moto-target.ts'

let moto: StoragePeer
let g: TestGateway
let token: string


function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile('curl', ['-sS', '--cacert', moto.caFile, ...args], (err, out) => err ? reject(err) : resolve(out)))
}
/** Calls straight to moto (its own test key: moto checks no signature). */
const motoForm = (service: string, form: string) =>
  curl(['-H', `authorization: ${motoSignature(service)}`, '-H', 'content-type: application/x-www-form-urlencoded', '--data-binary', form, `${moto.url}/`])
const motoRest = (service: string, method: string, path: string, body?: string, type = 'application/json') =>
  curl(['-X', method, '-H', `authorization: ${motoSignature(service)}`, '-H', `content-type: ${type}`, ...(body === undefined ? [] : ['--data-binary', body]), `${moto.url}${path}`])

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
  g = await startTestGateway((up) => [
    motoTarget(moto, { name: 'stage-dynamo', environment: 'staging', api_host: 'dynamodb.us-east-1.amazonaws.com', hosts: [] }),
    motoTarget(moto, { name: 'stage-logs', environment: 'staging', api_host: 'logs.us-east-1.amazonaws.com', hosts: [] }),
    motoTarget(moto, { name: 'stage-cognito', environment: 'staging', api_host: 'cognito-idp.us-east-1.amazonaws.com', hosts: [] }),
    { name: 'stage-functions', kind: 'gcp', environment: 'staging', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, api_host: 'cloudfunctions.googleapis.com', credential: { kind: 'bearer', token_env: 'HELD_GCP_TOKEN' }, hosts: [] } },
    motoTarget(moto, { name: 'stage-rds', environment: 'staging', api_host: 'rds.us-east-1.amazonaws.com', hosts: [] }),
    { name: 'stage-sql', kind: 'gcp', environment: 'staging', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, api_host: 'sqladmin.googleapis.com', credential: { kind: 'bearer', token_env: 'HELD_GCP_TOKEN' }, hosts: [] } },
    { name: 'prod-gcp', kind: 'gcp', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'HELD_GCP_TOKEN' }, hosts: ['*.googleapis.com'] } },
    motoTarget(moto),
  ], { env: { ...HELD_AWS_ENV, HELD_GCP_TOKEN: 'ya29.gateway-held-token' }, holdSeconds: 0.5 })
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

test('secretsmanager GetRandomPassword (named for a password, but it reads none) is answered, not held', async () => {
  const res = await via('https://secretsmanager.us-east-1.amazonaws.com/', { method: 'POST', headers: { 'x-amz-target': 'secretsmanager.GetRandomPassword', 'content-type': 'application/x-amz-json-1.1' }, body: '{"PasswordLength":24}' })
  const body = await res.text()
  assert.is(res.status, 200, body.slice(0, 300))
  assert.match(body, 'RandomPassword')
})

test('minting with the gateway identity past the earlier rounds: console passwords, service credentials, MFA seeds, SSH keys, web identity and SAML roles, Cognito and SSO credentials, CodeArtifact tokens are refused or held, never answered', async () => {
  await motoForm('iam', 'Action=CreateUser&UserName=ops&Version=2010-05-08')
  const calls: Array<[string, { method?: string; headers?: Record<string, string>; body?: string }]> = [
    ['https://iam.amazonaws.com/', { body: 'Action=CreateLoginProfile&UserName=ops&Password=Agent-Chosen-1&Version=2010-05-08' }],
    ['https://iam.amazonaws.com/', { body: 'Action=UpdateLoginProfile&UserName=ops&Password=Agent-Chosen-1&Version=2010-05-08' }],
    ['https://iam.amazonaws.com/', { body: 'Action=CreateServiceSpecificCredential&UserName=ops&ServiceName=codecommit.amazonaws.com&Version=2010-05-08' }],
    ['https://iam.amazonaws.com/', { body: 'Action=ResetServiceSpecificCredential&UserName=ops&ServiceSpecificCredentialId=ACCA0000000000000001&Version=2010-05-08' }],
    ['https://iam.amazonaws.com/', { body: 'Action=CreateVirtualMFADevice&VirtualMFADeviceName=agent&Version=2010-05-08' }],
    ['https://iam.amazonaws.com/', { body: 'Action=UploadSSHPublicKey&UserName=ops&SSHPublicKeyBody=ssh-ed25519%20AAAA&Version=2010-05-08' }],
    ['https://sts.amazonaws.com/', { body: 'Action=AssumeRoleWithWebIdentity&RoleArn=arn:aws:iam::123456789012:role/ci&RoleSessionName=a&WebIdentityToken=eyJ.x.y&Version=2011-06-15' }],
    ['https://sts.amazonaws.com/', { body: 'Action=AssumeRoleWithSAML&RoleArn=arn:aws:iam::123456789012:role/ci&PrincipalArn=arn:aws:iam::123456789012:saml-provider/x&SAMLAssertion=PHg%2B&Version=2011-06-15' }],
    ['https://cognito-identity.us-east-1.amazonaws.com/', { headers: { 'x-amz-target': 'AWSCognitoIdentityService.GetCredentialsForIdentity', 'content-type': 'application/x-amz-json-1.1' }, body: '{"IdentityId":"us-east-1:00000000-0000-0000-0000-000000000000"}' }],
    ['https://codeartifact.us-east-1.amazonaws.com/v1/authorization-token?domain=d&domain-owner=123456789012', { body: '' }],
    ['https://portal.sso.us-east-1.amazonaws.com/federation/credentials?role_name=admin&account_id=123456789012', { method: 'GET', headers: { 'x-amz-sso_bearer_token': 'agent-held-sso-token' } }],
  ]
  for (const [url, init] of calls) {
    const res = await via(url, { method: 'POST', ...init, headers: { 'content-type': 'application/x-www-form-urlencoded', ...init.headers } })
    const body = await res.text()
    assert.is(res.status, 403, `${url} ${String(init.body).slice(0, 60)}: ${res.status} ${body.slice(0, 300)}`)
    assert.not.match(body, /SecretAccessKey|SessionToken|ServicePassword|Base32StringSeed|authorizationToken|accessKeyId/i, url)
  }
  assert.not.match(await motoForm('iam', 'Action=GetLoginProfile&UserName=ops&Version=2010-05-08'), '<CreateDate>', 'moto created the console password')
})

/** A DynamoDB call through the reverse route of the staging target (where an agent's writes pass). */
async function dynamo(operation: string, input: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${g.reverse.url}/t/stage-dynamo/`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-amz-target': `DynamoDB_20120810.${operation}`, 'content-type': 'application/x-amz-json-1.0' }, body: JSON.stringify(input) })
  return { status: res.status, text: await res.text() }
}

test('dynamodb: an UpdateItem whose UpdateExpression copies a masked attribute into an innocent one (SET notes = api_key) is held; the value never comes back under the new name', async () => {
  const API_KEY = 'ak-live-9f8e7d6c5b4a3f2e1d0c'
  await curl(['-H', `authorization: ${motoSignature('dynamodb')}`, '-H', 'x-amz-target: DynamoDB_20120810.CreateTable', '-H', 'content-type: application/x-amz-json-1.0', '--data-binary', JSON.stringify({ TableName: 'users', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }), `${moto.url}/`])
  await curl(['-H', `authorization: ${motoSignature('dynamodb')}`, '-H', 'x-amz-target: DynamoDB_20120810.PutItem', '-H', 'content-type: application/x-amz-json-1.0', '--data-binary', JSON.stringify({ TableName: 'users', Item: { id: { S: '1' }, api_key: { S: API_KEY } } }), `${moto.url}/`])
  const control = await dynamo('GetItem', { TableName: 'users', Key: { id: { S: '1' } } })
  assert.is(control.status, 200, control.text)
  assert.not.match(control.text, API_KEY, 'control: the attribute named as a secret is masked')
  const copy = await dynamo('UpdateItem', { TableName: 'users', Key: { id: { S: '1' } }, UpdateExpression: 'SET notes = api_key', ReturnValues: 'ALL_NEW' })
  assert.not.match(copy.text, API_KEY, `${copy.status} ${copy.text.slice(0, 300)}`)
  const after = await dynamo('GetItem', { TableName: 'users', Key: { id: { S: '1' } } })
  assert.not.match(after.text, API_KEY, `the copy was made: ${after.text.slice(0, 300)}`)
  assert.is(copy.status, 403, copy.text.slice(0, 300))
})

/** A CloudWatch Logs call through the reverse route of the staging target. */
async function logs(operation: string, input: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${g.reverse.url}/t/stage-logs/`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-amz-target': `Logs_20140328.${operation}`, 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(input) })
  return { status: res.status, text: await res.text() }
}

test('logs FilterLogEvents whose pattern names a masked value (password=…) is held: its events or their absence say whether a guess is the password', async () => {
  const LOG_SECRET = 'hunter2-prod-77'
  const direct = (target: string, body: unknown) => curl(['-H', `authorization: ${motoSignature('logs')}`, '-H', `x-amz-target: Logs_20140328.${target}`, '-H', 'content-type: application/x-amz-json-1.1', '--data-binary', JSON.stringify(body), `${moto.url}/`])
  await direct('CreateLogGroup', { logGroupName: 'app' })
  await direct('CreateLogStream', { logGroupName: 'app', logStreamName: 's' })
  await direct('PutLogEvents', { logGroupName: 'app', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: `login ok user=alice password=${LOG_SECRET}` }, { timestamp: Date.now(), message: 'ERROR disk full' }] })
  const control = await logs('GetLogEvents', { logGroupName: 'app', logStreamName: 's' })
  assert.is(control.status, 200, control.text.slice(0, 300))
  assert.not.match(control.text, LOG_SECRET, 'control: reading the events masks the password')
  assert.match(await direct('FilterLogEvents', { logGroupName: 'app', filterPattern: `"password=${LOG_SECRET}"` }), 'login ok', 'control: moto answers the right guess with the event')
  const guess = await logs('FilterLogEvents', { logGroupName: 'app', filterPattern: `"password=${LOG_SECRET}"` })
  assert.is(guess.status, 403, guess.text.slice(0, 300))
  assert.not.match(guess.text, 'login ok')
  const plain = await logs('FilterLogEvents', { logGroupName: 'app', filterPattern: 'ERROR' })
  assert.is(plain.status, 200, plain.text.slice(0, 300))
  assert.match(plain.text, 'disk full')
})

test('cognito AdminInitiateAuth in staging (user tokens minted with the gateway\'s admin identity): the tokens never come back in clear', async () => {
  const direct = (target: string, body: unknown) => curl(['-H', `authorization: ${motoSignature('cognito-idp')}`, '-H', `x-amz-target: AWSCognitoIdentityProviderService.${target}`, '-H', 'content-type: application/x-amz-json-1.1', '--data-binary', JSON.stringify(body), `${moto.url}/`])
  const pool = JSON.parse(await direct('CreateUserPool', { PoolName: 'customers' })).UserPool.Id
  const client = JSON.parse(await direct('CreateUserPoolClient', { UserPoolId: pool, ClientName: 'web', ExplicitAuthFlows: ['ADMIN_USER_PASSWORD_AUTH'] })).UserPoolClient.ClientId
  await direct('AdminCreateUser', { UserPoolId: pool, Username: 'carol' })
  const call = (target: string, body: unknown) => fetch(`${g.reverse.url}/t/stage-cognito/`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-amz-target': `AWSCognitoIdentityProviderService.${target}`, 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(body) })
  // Setting a user's password is a credential the agent chooses: held (the next test's rule); set here directly.
  const set = await call('AdminSetUserPassword', { UserPoolId: pool, Username: 'carol', Password: 'Agent-Chosen-Pw1!', Permanent: true })
  assert.is(set.status, 403, await set.text())
  await direct('AdminSetUserPassword', { UserPoolId: pool, Username: 'carol', Password: 'Agent-Chosen-Pw1!', Permanent: true })
  const res = await call('AdminInitiateAuth', { UserPoolId: pool, ClientId: client, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'carol', PASSWORD: 'Agent-Chosen-Pw1!' } })
  const body = await res.text()
  const tokens = res.status === 200 ? (JSON.parse(body).AuthenticationResult ?? {}) : {}
  for (const name of ['AccessToken', 'IdToken', 'RefreshToken']) assert.ok(tokens[name] === undefined || tokens[name] === '[secret]', `${name}: ${body.slice(0, 400)}`)
  assert.ok(res.status === 200 || res.status === 403, body.slice(0, 300))
})

test('setting the password of a database that exists (RDS master user, Cloud SQL user) is held as a credential, in staging where a change passes', async () => {
  await motoForm('rds', 'Action=CreateDBInstance&DBInstanceIdentifier=orders&DBInstanceClass=db.t3.micro&Engine=postgres&MasterUsername=admin&MasterUserPassword=Original-Pw-1&AllocatedStorage=20&Version=2014-10-31')
  const rds = (form: string) => fetch(`${g.reverse.url}/t/stage-rds/`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: form })
  const storage = await rds('Action=ModifyDBInstance&DBInstanceIdentifier=orders&AllocatedStorage=30&ApplyImmediately=true&Version=2014-10-31')
  assert.is(storage.status, 200, (await storage.text()).slice(0, 300))
  const before = g.upstream.seen.length
  const cases: Array<[ReturnType<typeof fetch>, string]> = [
    [rds('Action=ModifyDBInstance&DBInstanceIdentifier=orders&MasterUserPassword=Agent-Chosen-Pw1&ApplyImmediately=true&Version=2014-10-31'), 'rds'],
    [fetch(`${g.reverse.url}/t/stage-sql/v1/projects/p/instances/orders/users?name=postgres`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"name":"postgres","password":"Agent-Chosen-Pw1"}' }), 'cloud sql'],
  ]
  for (const [pending, what] of cases) {
    const res = await pending
    const body = await res.text()
    assert.is(res.status, 403, `${what}: ${body.slice(0, 300)}`)
    assert.ok((await heldBy(res)).includes('warden.rules.cloud.credential'), `${what}: ${JSON.stringify(await heldBy(res))}`)
  }
  assert.is(g.upstream.seen.length, before, 'the Cloud SQL user update reached the API')
})

// Google APIs: answers shaped as the real APIs give them. A deploy's long-running operation carries the function it
// deployed (v1: metadata.request and, once done, response; v2: metadata.requestResource and response), env and all;
// gcloud functions deploy polls it. A machine image keeps its source instance's metadata (startup-script).
const ENV_VALUE = 'gcf-op-value-hunter2'
const FN_V1 = { '@type': 'type.googleapis.com/google.cloud.functions.v1.CloudFunction', name: 'projects/p/locations/us-central1/functions/resize', runtime: 'nodejs20', environmentVariables: { UPSTREAM: ENV_VALUE }, buildEnvironmentVariables: { MIRROR: ENV_VALUE } }
const FN_V2 = { '@type': 'type.googleapis.com/google.cloud.functions.v2.Function', name: 'projects/p/locations/us-central1/functions/thumbs', buildConfig: { environmentVariables: { MIRROR: ENV_VALUE } }, serviceConfig: { uri: 'https://thumbs.a.run.app', environmentVariables: { UPSTREAM: ENV_VALUE } } }
const OP_V1 = { name: 'operations/cHJvamVjdHMvcC9sb2NhdGlvbnMvdXMtY2VudHJhbDEvb3BlcmF0aW9ucy9vcGVyYXRpb24tMQ', metadata: { '@type': 'type.googleapis.com/google.cloud.functions.v1.OperationMetadataV1', target: FN_V1.name, type: 'UPDATE_FUNCTION', request: FN_V1, versionId: '2' }, done: true, response: FN_V1 }
const OP_V2 = { name: 'projects/p/locations/us-central1/operations/operation-2', metadata: { '@type': 'type.googleapis.com/google.cloud.functions.v2.OperationMetadata', target: FN_V2.name, verb: 'update', requestResource: FN_V2 }, done: true, response: FN_V2 }
const STARTUP = '#!/bin/bash\nmysql -uroot -pimage-startup-hunter2 < init.sql\n'
const IMAGE = { name: 'web-image', status: 'READY', sourceInstance: 'zones/us-central1-a/instances/web-1', sourceInstanceProperties: { machineType: 'e2-small', metadata: { items: [{ key: 'startup-script', value: STARTUP }] } }, instanceProperties: { metadata: { items: [{ key: 'startup-script', value: STARTUP }] } } }

test('GCP: a function deploy\'s operation (get and list, v1 and v2) does not carry the function\'s env values; the rest readable', async () => {
  const cases: Array<[string, unknown, (d: any) => void]> = [
    ['https://cloudfunctions.googleapis.com/v1/operations/cHJvamVjdHMvcC9sb2NhdGlvbnMvdXMtY2VudHJhbDEvb3BlcmF0aW9ucy9vcGVyYXRpb24tMQ', OP_V1, (d) => assert.is(d.response.runtime, 'nodejs20')],
    ['https://cloudfunctions.googleapis.com/v1/operations?filter=project:p', { operations: [OP_V1] }, (d) => assert.is(d.operations[0].done, true)],
    ['https://cloudfunctions.googleapis.com/v2/projects/p/locations/us-central1/operations/operation-2', OP_V2, (d) => assert.is(d.response.serviceConfig.uri, 'https://thumbs.a.run.app')],
    ['https://cloudfunctions.googleapis.com/v2/projects/p/locations/us-central1/operations', { operations: [OP_V2] }, (d) => assert.is(d.operations[0].metadata.verb, 'update')],
  ]
  for (const [url, answer, readable] of cases) {
    g.route = (_req, res) => json(res, answer)
    const res = await via(url)
    const body = await res.text()
    assert.not.match(body, ENV_VALUE, `${url}: ${res.status} ${body.slice(0, 400)}`)
    assert.is(res.status, 200, `${url}: ${body.slice(0, 300)}`)
    readable(JSON.parse(body))
  }
})

test('GCP: a machine image (get, list) does not carry its source instance\'s startup script', async () => {
  for (const [url, answer] of [
    ['https://compute.googleapis.com/compute/v1/projects/p/global/machineImages/web-image', IMAGE],
    ['https://compute.googleapis.com/compute/v1/projects/p/global/machineImages', { items: [IMAGE] }],
  ] as const) {
    g.route = (_req, res) => json(res, answer)
    const res = await via(url)
    const body = await res.text()
    assert.not.match(body, 'image-startup-hunter2', `${url}: ${res.status} ${body.slice(0, 400)}`)
    assert.is(res.status, 200, `${url}: ${body.slice(0, 300)}`)
    assert.match(body, 'e2-small')
  }
})

test('GCP: an instance\'s serial port output (where startup scripts print) is held like EC2 GetConsoleOutput', async () => {
  const before = g.upstream.seen.length
  g.route = (_req, res) => json(res, { contents: 'Dec 1 startup-script: connecting with password console-hunter2\n', start: '0', next: '64' })
  const res = await via('https://compute.googleapis.com/compute/v1/projects/p/zones/us-central1-a/instances/web-1/serialPort?port=1')
  const body = await res.text()
  assert.not.match(body, 'console-hunter2', `${res.status} ${body.slice(0, 300)}`)
  assert.is(res.status, 403, body.slice(0, 300))
  assert.equal(await heldBy(res), ['warden.rules.cloud.secret'])
  assert.is(g.upstream.seen.length, before, 'reached the API')
})

test('GCP: a function\'s source download link (a signed URL, a bearer credential minted for the gateway) is masked, in staging where generating it passes', async () => {
  const SIGNED = 'https://storage.googleapis.com/gcf-sources/resize.zip?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=gateway%40p.iam.gserviceaccount.com%2F20261130%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Signature=5f1e2d3c4b5a69788796a5b4c3d2e1f0'
  g.route = (_req, res) => json(res, { downloadUrl: SIGNED })
  const res = await fetch(`${g.reverse.url}/t/stage-functions/v1/projects/p/locations/us-central1/functions/resize:generateDownloadUrl`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' })
  const body = await res.text()
  assert.is(res.status, 200, body.slice(0, 300))
  assert.not.match(body, 'X-Goog-Signature', body)
  assert.equal(JSON.parse(body), { downloadUrl: '[redacted]' })
})

test.run()
