// Ordinary-looking cloud reads that the default policy allows, but whose answers carry secrets beside the rest:
// function and container environment variables, build variables, instance user data and metadata, a GKE cluster's
// client key. An agent with a valid token asks through the forward proxy; moto (HTTPS) holds what AWS would, and
// Google APIs answer from the recording upstream with answers shaped as the real APIs give them. The secret
// values must be masked (or the call held), the rest of the answer must stay readable.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fetch, ProxyAgent, type Response } from 'undici'
import { startMoto, type StoragePeer } from './testing/peers.ts'
import { json, startTestGateway, type TestGateway } from './testing/gateway.ts'
import { HELD_AWS_ENV, motoSignature, motoTarget } from './testing/moto-target.ts'

let moto: StoragePeer
let g: TestGateway
let token: string
let instanceId = ''

const LAMBDA_SECRET = 'lambda-db-pw-hunter2'
const ECS_SECRET = 'ecs-db-pw-hunter2'
const CODEBUILD_SECRET = 'npm_codebuild0hunter2'
const USER_DATA_SECRET = 'userdata-db-pw-hunter2'
const USER_DATA = Buffer.from(`#!/bin/bash\nexport DB_PASSWORD=${USER_DATA_SECRET}\n`).toString('base64')


function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile('curl', ['-sS', '--cacert', moto.caFile, ...args], (err, out) => err ? reject(err) : resolve(out)))
}

/** A call straight to moto (its own test key: moto checks no signature). */
const motoJson = (service: string, target: string, body: unknown) =>
  curl(['-H', `authorization: ${motoSignature(service)}`, '-H', `x-amz-target: ${target}`, '-H', 'content-type: application/x-amz-json-1.1', '--data-binary', JSON.stringify(body), `${moto.url}/`])
const motoForm = (service: string, form: string) =>
  curl(['-H', `authorization: ${motoSignature(service)}`, '-H', 'content-type: application/x-www-form-urlencoded', '--data-binary', form, `${moto.url}/`])
const motoRest = (service: string, method: string, path: string, body?: unknown) =>
  curl(['-X', method, '-H', `authorization: ${motoSignature(service)}`, '-H', 'content-type: application/json', ...(body === undefined ? [] : ['--data-binary', JSON.stringify(body)]), `${moto.url}${path}`])

/** A zip holding one file, stored (no compression), enough for moto's CreateFunction. */
function tinyZip(): string {
  const name = Buffer.from('index.py')
  const data = Buffer.from('def handler(e, c):\n    return 1\n')
  const crc = crc32(data)
  const local = Buffer.alloc(30)
  local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt32LE(crc, 14)
  local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(name.length, 26)
  const central = Buffer.alloc(46)
  central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt32LE(crc, 16)
  central.writeUInt32LE(data.length, 20); central.writeUInt32LE(data.length, 24); central.writeUInt16LE(name.length, 28)
  const end = Buffer.alloc(22)
  const centralAt = local.length + name.length + data.length
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(1, 8); end.writeUInt16LE(1, 10)
  end.writeUInt32LE(central.length + name.length, 12); end.writeUInt32LE(centralAt, 16)
  return Buffer.concat([local, name, data, central, name, end]).toString('base64')
}

function crc32(buf: Buffer): number {
  let c = ~0
  for (const byte of buf) {
    c ^= byte
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1))
  }
  return ~c >>> 0
}

test.before(async () => {
  moto = await startMoto()
  g = await startTestGateway((up) => [
    { name: 'prod-gcp', kind: 'gcp', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'HELD_GCP_TOKEN' }, hosts: ['*.googleapis.com'] } },
    motoTarget(moto),
  ], { env: { ...HELD_AWS_ENV, HELD_GCP_TOKEN: 'ya29.gateway-held-token' }, holdSeconds: 3 })
  token = await g.agentToken()
  await motoForm('iam', 'Action=CreateRole&RoleName=fn&AssumeRolePolicyDocument=%7B%7D&Version=2010-05-08')
  await motoRest('lambda', 'POST', '/2015-03-31/functions', {
    FunctionName: 'orders', Runtime: 'python3.12', Role: 'arn:aws:iam::123456789012:role/fn', Handler: 'index.handler',
    Code: { ZipFile: tinyZip() }, Environment: { Variables: { DB_PASSWORD: LAMBDA_SECRET, LOG_LEVEL: 'info' } },
  })
  await motoJson('ecs', 'AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition', {
    family: 'api', containerDefinitions: [{ name: 'api', image: 'nginx', memory: 128, environment: [{ name: 'DB_PASSWORD', value: ECS_SECRET }] }],
  })
  await motoJson('codebuild', 'CodeBuild_20161006.CreateProject', {
    name: 'site', source: { type: 'S3', location: 'src/site.zip' }, artifacts: { type: 'NO_ARTIFACTS' }, serviceRole: 'arn:aws:iam::123456789012:role/fn',
    environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL', environmentVariables: [{ name: 'NPM_TOKEN', value: CODEBUILD_SECRET, type: 'PLAINTEXT' }] },
  })
  const run = await motoForm('ec2', `Action=RunInstances&ImageId=ami-12c6146b&MinCount=1&MaxCount=1&UserData=${encodeURIComponent(USER_DATA)}&Version=2016-11-15`)
  instanceId = /<instanceId>([^<]+)</.exec(run)?.[1] ?? ''
  await motoForm('ec2', `Action=CreateLaunchTemplate&LaunchTemplateName=web&LaunchTemplateData.ImageId=ami-12c6146b&LaunchTemplateData.UserData=${encodeURIComponent(USER_DATA)}&Version=2016-11-15`)
})

test.after(async () => {
  await g?.close()
  await moto?.stop()
})

const via = (url: string, init: Parameters<typeof fetch>[1] = {}) =>
  fetch(url, { ...init, dispatcher: new ProxyAgent({ uri: g.proxy.url, token: `Bearer ${token}`, requestTls: { ca: readFileSync(g.ca.cert, 'utf8') } }) })

/** The answer to a request held for approval, once a reviewer approves it; it must be a 200. */
async function approvedBody(pending: Promise<Response>): Promise<string> {
  const id = await g.heldId()
  assert.ok(id, 'held')
  await g.approve(id!)
  const res = await pending
  const body = await res.text()
  assert.is(res.status, 200, body.slice(0, 300))
  return body
}

/** The rules that held an approval: the 403 an AWS client gets says only that it was held. */
async function heldBy(res: Response): Promise<string[]> {
  const id = res.headers.get('x-warden-approval')
  const held = id ? await g.te.approvals.get(id) : undefined
  return held ? held.reasons.map((r) => r.rule ?? '') : []
}

const awsJson = (service: string, target: string, body: unknown) =>
  via(`https://${service}.us-east-1.amazonaws.com/`, { method: 'POST', headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(body) })
const ec2 = (form: string) =>
  via('https://ec2.us-east-1.amazonaws.com/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: `${form}&Version=2016-11-15` })

test('control: moto answers with every secret in clear (the upstream does not hide them)', async () => {
  assert.match(await motoRest('lambda', 'GET', '/2015-03-31/functions/orders'), LAMBDA_SECRET)
  assert.match(await motoJson('ecs', 'AmazonEC2ContainerServiceV20141113.DescribeTaskDefinition', { taskDefinition: 'api' }), ECS_SECRET)
  assert.match(await motoJson('codebuild', 'CodeBuild_20161006.BatchGetProjects', { names: ['site'] }), CODEBUILD_SECRET)
  assert.ok(instanceId, 'moto started no instance')
  assert.match(await motoForm('ec2', `Action=DescribeInstanceAttribute&InstanceId=${instanceId}&Attribute=userData&Version=2016-11-15`), USER_DATA)
})

test('lambda GetFunction, GetFunctionConfiguration and ListFunctions: environment values masked, names and the rest readable', async () => {
  const calls = [
    ['GetFunction', '/2015-03-31/functions/orders', (d: any) => d.Configuration],
    ['GetFunctionConfiguration', '/2015-03-31/functions/orders/configuration', (d: any) => d],
    ['ListFunctions', '/2015-03-31/functions/', (d: any) => d.Functions[0]],
  ] as const
  for (const [name, path, fn] of calls) {
    const res = await via(`https://lambda.us-east-1.amazonaws.com${path}`)
    const body = await res.text()
    assert.is(res.status, 200, `${name}: ${body.slice(0, 300)}`)
    assert.not.match(body, LAMBDA_SECRET, `${name}: the environment value came back`)
    const f = fn(JSON.parse(body))
    assert.is(f.FunctionName, 'orders', name)
    assert.equal(Object.keys(f.Environment.Variables).sort(), ['DB_PASSWORD', 'LOG_LEVEL'], name)
    assert.is(f.Environment.Variables.DB_PASSWORD, '[redacted]', name)
  }
})

test('lambda GetFunction: the code download link (a presigned URL, a bearer credential) masked, the repository type readable', async () => {
  assert.match(JSON.parse(await motoRest('lambda', 'GET', '/2015-03-31/functions/orders')).Code.Location, /^https?:/)
  const res = await via('https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/orders')
  const code = JSON.parse(await res.text()).Code
  assert.is(res.status, 200)
  assert.is(code.Location, '[redacted]')
  assert.is(code.RepositoryType, 'S3')
})

test('ecs DescribeTaskDefinition: container environment values masked, their names and the image readable', async () => {
  const res = await awsJson('ecs', 'AmazonEC2ContainerServiceV20141113.DescribeTaskDefinition', { taskDefinition: 'api' })
  const body = await res.text()
  assert.is(res.status, 200, body.slice(0, 300))
  assert.not.match(body, ECS_SECRET)
  const container = JSON.parse(body).taskDefinition.containerDefinitions[0]
  assert.is(container.image, 'nginx')
  assert.equal(container.environment, [{ name: 'DB_PASSWORD', value: '[redacted]' }])
})

test('codebuild BatchGetProjects: build environment variable values masked, names readable', async () => {
  const res = await awsJson('codebuild', 'CodeBuild_20161006.BatchGetProjects', { names: ['site'] })
  const body = await res.text()
  assert.is(res.status, 200, body.slice(0, 300))
  assert.not.match(body, CODEBUILD_SECRET)
  const project = JSON.parse(body).projects[0]
  assert.is(project.name, 'site')
  assert.equal(project.environment.environmentVariables, [{ name: 'NPM_TOKEN', value: '[redacted]', type: 'PLAINTEXT' }])
})

test('cognito DescribeUserPoolClient: the client secret masked, the client readable', async () => {
  const pool = JSON.parse(await motoJson('cognito-idp', 'AWSCognitoIdentityProviderService.CreateUserPool', { PoolName: 'customers' })).UserPool.Id as string
  const created = JSON.parse(await motoJson('cognito-idp', 'AWSCognitoIdentityProviderService.CreateUserPoolClient', { UserPoolId: pool, ClientName: 'web', GenerateSecret: true })).UserPoolClient
  assert.ok(created.ClientSecret, 'moto made no client secret')
  const res = await awsJson('cognito-idp', 'AWSCognitoIdentityProviderService.DescribeUserPoolClient', { UserPoolId: pool, ClientId: created.ClientId })
  const body = await res.text()
  assert.is(res.status, 200, body.slice(0, 300))
  assert.not.match(body, created.ClientSecret)
  const client = JSON.parse(body).UserPoolClient
  assert.is(client.ClientName, 'web')
  assert.is(client.ClientSecret, '[redacted]')
})

test('ec2 user data (base64 XML, no path can mask it) is held: DescribeInstanceAttribute userData, DescribeLaunchTemplateVersions; instanceType stays a read', async () => {
  for (const form of [`Action=DescribeInstanceAttribute&InstanceId=${instanceId}&Attribute=userData`, 'Action=DescribeLaunchTemplateVersions&LaunchTemplateName=web']) {
    const res = await ec2(form)
    const body = await res.text()
    assert.not.match(body, USER_DATA, `${form}: the user data came back (${res.status})`)
    assert.is(res.status, 403, `${form}: ${body.slice(0, 300)}`)
    assert.equal(await heldBy(res), ['warden.rules.cloud.secret'], form)
  }
  const res = await ec2(`Action=DescribeInstanceAttribute&InstanceId=${instanceId}&Attribute=instanceType`)
  const body = await res.text()
  assert.is(res.status, 200, body.slice(0, 300))
  assert.match(body, /<instanceType><value>[^<]+<\/value><\/instanceType>/)
})

test('ec2 user data, once a reviewer approves the read, comes back with the base64 script masked (its text holds a password)', async () => {
  const body = await approvedBody(ec2(`Action=DescribeInstanceAttribute&InstanceId=${instanceId}&Attribute=userData`))
  assert.not.match(body, USER_DATA)
  assert.match(body, `<instanceId>${instanceId}</instanceId><userData><value>[base64]</value></userData>`)
})

test('api gateway GetApiKeys includeValues=true is held (the REST call is not known as a read), never answered with the key', async () => {
  const key = 'apikey-partner-0123456789abcdef'
  await motoRest('apigateway', 'POST', '/apikeys', { name: 'partner', enabled: true, value: key })
  const res = await via('https://apigateway.us-east-1.amazonaws.com/apikeys?includeValues=true')
  const body = await res.text()
  assert.not.match(body, key)
  assert.is(res.status, 403, body.slice(0, 300))
})

test('s3 GetObject of a .env file and a YAML config: values of secret names masked, the rest readable', async () => {
  await curl(['-X', 'PUT', '-H', `authorization: ${motoSignature('s3')}`, `${moto.url}/app-config`])
  const files = [
    ['.env', 'NODE_ENV=production\nDB_PASSWORD=s3-env-hunter2\nexport STRIPE_API_KEY="sk_live_s3envhunter2"\n', ['s3-env-hunter2', 'sk_live_s3envhunter2'], 'NODE_ENV=production'],
    ['config/app.yaml', 'database:\n  host: db.internal\n  password: s3 yaml hunter2\n', ['s3 yaml hunter2'], 'host: db.internal'],
  ] as const
  for (const [key, content, secrets, readable] of files) {
    await curl(['-X', 'PUT', '-H', `authorization: ${motoSignature('s3')}`, '-H', 'content-type: text/plain', '--data-binary', content, `${moto.url}/app-config/${key}`])
    const res = await via(`https://s3.us-east-1.amazonaws.com/app-config/${key}`)
    const body = await res.text()
    assert.is(res.status, 200, `${key}: ${body.slice(0, 300)}`)
    for (const secret of secrets) assert.not.match(body, secret, `${key}: ${secret} came back`)
    assert.match(body, readable, key)
  }
})

test('cloudformation DescribeStacks and GetTemplate (XML): a parameter or tag named as a secret has its value masked, the rest readable', async () => {
  const template = JSON.stringify({
    Parameters: { DbPassword: { Type: 'String' }, Stage: { Type: 'String' } },
    Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'q', Tags: [{ Key: 'DB_PASSWORD', Value: 'cfn-literal-hunter2' }] } } },
  })
  const form = new URLSearchParams({
    Action: 'CreateStack', StackName: 'orders', TemplateBody: template, Version: '2010-05-15',
    'Parameters.member.1.ParameterKey': 'DbPassword', 'Parameters.member.1.ParameterValue': 'cfn-param-hunter2',
    'Parameters.member.2.ParameterKey': 'Stage', 'Parameters.member.2.ParameterValue': 'prod',
  })
  await motoForm('cloudformation', form.toString())
  const calls = [
    ['DescribeStacks', 'cfn-param-hunter2', /<ParameterKey>Stage<\/ParameterKey><ParameterValue>prod<\/ParameterValue>/],
    ['GetTemplate', 'cfn-literal-hunter2', /"QueueName":"q"/],
  ] as const
  for (const [action, secret, readable] of calls) {
    const res = await via('https://cloudformation.us-east-1.amazonaws.com/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `Action=${action}&StackName=orders&Version=2010-05-15` })
    const body = await res.text()
    assert.is(res.status, 200, `${action}: ${body.slice(0, 300)}`)
    assert.not.match(body, secret, `${action}: the value came back`)
    assert.match(body, readable, action)
  }
})

test('dynamodb GetItem and Scan: an attribute named as a secret has its typed value masked, the item readable', async () => {
  await motoJson('dynamodb', 'DynamoDB_20120810.CreateTable', {
    TableName: 'integrations', BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  })
  await motoJson('dynamodb', 'DynamoDB_20120810.PutItem', { TableName: 'integrations', Item: { id: { S: 'stripe' }, api_key: { S: 'ddb-key-hunter2' }, plan: { S: 'pro' } } })
  for (const [target, body, item] of [
    ['DynamoDB_20120810.GetItem', { TableName: 'integrations', Key: { id: { S: 'stripe' } } }, (d: any) => d.Item],
    ['DynamoDB_20120810.Scan', { TableName: 'integrations' }, (d: any) => d.Items[0]],
  ] as const) {
    const res = await via('https://dynamodb.us-east-1.amazonaws.com/', { method: 'POST', headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.0' }, body: JSON.stringify(body) })
    const text = await res.text()
    assert.is(res.status, 200, `${target}: ${text.slice(0, 300)}`)
    assert.not.match(text, 'ddb-key-hunter2', target)
    assert.equal(item(JSON.parse(text)), { id: { S: 'stripe' }, api_key: { S: '[secret]' }, plan: { S: 'pro' } }, target)
  }
})

test('dynamodb: a Scan filtering on a masked attribute (begins_with(api_key, :guess), Count 1 or 0) is held; moto answers it as an oracle', async () => {
  const guess = (prefix: string) => ({ TableName: 'integrations', FilterExpression: 'begins_with(#k, :p)', ExpressionAttributeNames: { '#k': 'api_key' }, ExpressionAttributeValues: { ':p': { S: prefix } } })
  assert.is(JSON.parse(await motoJson('dynamodb', 'DynamoDB_20120810.Scan', guess('ddb-key-h'))).Count, 1, 'control: the right prefix matches')
  assert.is(JSON.parse(await motoJson('dynamodb', 'DynamoDB_20120810.Scan', guess('ddb-key-x'))).Count, 0, 'control: a wrong one does not')
  const res = await via('https://dynamodb.us-east-1.amazonaws.com/', { method: 'POST', headers: { 'x-amz-target': 'DynamoDB_20120810.Scan', 'content-type': 'application/x-amz-json-1.0' }, body: JSON.stringify(guess('ddb-key-h')) })
  const body = await res.text()
  assert.is(res.status, 403, body.slice(0, 300))
  assert.equal(await heldBy(res), ['warden.rules.cloud.secret'])
})

test('kinesis GetRecords: a record whose base64 data holds a password is masked whole, the other records readable', async () => {
  const k = (target: string, body: unknown) => motoJson('kinesis', `Kinesis_20131202.${target}`, body)
  await k('CreateStream', { StreamName: 'events', ShardCount: 1 })
  const secret = Buffer.from('{"user":"app","password":"kinesis-hunter2"}').toString('base64')
  const plain = Buffer.from('{"event":"login","ok":true}').toString('base64')
  for (const data of [secret, plain]) await k('PutRecord', { StreamName: 'events', Data: data, PartitionKey: 'p' })
  const shard = JSON.parse(await k('DescribeStream', { StreamName: 'events' })).StreamDescription.Shards[0].ShardId as string
  const iterator = JSON.parse(await k('GetShardIterator', { StreamName: 'events', ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' })).ShardIterator as string
  const res = await via('https://kinesis.us-east-1.amazonaws.com/', { method: 'POST', headers: { 'x-amz-target': 'Kinesis_20131202.GetRecords', 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify({ ShardIterator: iterator }) })
  const body = await res.text()
  assert.is(res.status, 200, body.slice(0, 300))
  assert.not.match(body, secret)
  assert.equal(JSON.parse(body).Records.map((r: { Data: string }) => r.Data), ['[base64]', plain])
})

test('secretsmanager BatchGetSecretValue is held like GetSecretValue, the values not sent', async () => {
  await motoJson('secretsmanager', 'secretsmanager.CreateSecret', { Name: 'batch/one', SecretString: 'batch-secret-hunter2' })
  const res = await awsJson('secretsmanager', 'secretsmanager.BatchGetSecretValue', { SecretIdList: ['batch/one'] })
  const body = await res.text()
  assert.not.match(body, 'batch-secret-hunter2')
  assert.is(res.status, 403, body.slice(0, 300))
  assert.equal(await heldBy(res), ['warden.rules.cloud.secret'])
})

test('sqs ReceiveMessage (XML, the JSON body escaped as &quot;): held, and once approved the password in the message is masked', async () => {
  const queue = `${moto.url}/123456789012/jobs`
  await motoForm('sqs', 'Action=CreateQueue&QueueName=jobs')
  await motoForm('sqs', `Action=SendMessage&QueueUrl=${encodeURIComponent(queue)}&MessageBody=${encodeURIComponent('{"job":"sync","password":"sqs-hunter2"}')}`)
  const receive = () => via('https://sqs.us-east-1.amazonaws.com/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `Action=ReceiveMessage&QueueUrl=${encodeURIComponent(queue)}&VisibilityTimeout=0` })
  const body = await approvedBody(receive())
  assert.match(body, '&quot;job&quot;:&quot;sync&quot;')
  assert.not.match(body, 'sqs-hunter2')
})

// Google APIs: answers shaped as the real APIs give them (v1 and v2 Cloud Functions, GKE, Compute Engine).
const GCF_V1 = { name: 'projects/p/locations/us-central1/functions/resize', runtime: 'nodejs20', environmentVariables: { DB_PASSWORD: 'gcf1-pw-hunter2', NODE_ENV: 'production' }, buildEnvironmentVariables: { NPM_TOKEN: 'gcf1-npm-hunter2' } }
const GCF_V2 = { name: 'projects/p/locations/us-central1/functions/thumbs', buildConfig: { runtime: 'python312', environmentVariables: { PIP_INDEX_URL_TOKEN: 'gcf2-build-hunter2' } }, serviceConfig: { uri: 'https://thumbs.a.run.app', environmentVariables: { API_SECRET: 'gcf2-run-hunter2' } } }
const CLUSTER = { name: 'prod', endpoint: '10.0.0.1', masterAuth: { username: 'admin', password: 'gke-basic-hunter2', clusterCaCertificate: 'LS0tQ0EtLS0=', clientCertificate: 'LS0tQ0VSVC0tLQ==', clientKey: 'gke-client-key-hunter2' } }
const INSTANCE = { name: 'web-1', status: 'RUNNING', metadata: { fingerprint: 'f1', items: [{ key: 'startup-script', value: '#!/bin/bash\nmysql -uroot -pstartup-hunter2 < init.sql\n' }, { key: 'enable-oslogin', value: 'TRUE' }] } }

test('GCP: function environment, GKE client key and password, and instance metadata (startup-script) masked; the rest readable', async () => {
  const cases: Array<[string, unknown, string[], (d: any) => void]> = [
    ['https://cloudfunctions.googleapis.com/v1/projects/p/locations/us-central1/functions/resize', GCF_V1, ['gcf1-pw-hunter2', 'gcf1-npm-hunter2'], (d) => {
      assert.is(d.runtime, 'nodejs20')
      assert.equal(d.environmentVariables, { DB_PASSWORD: '[redacted]', NODE_ENV: '[redacted]' })
    }],
    ['https://cloudfunctions.googleapis.com/v2/projects/p/locations/us-central1/functions', { functions: [GCF_V2] }, ['gcf2-build-hunter2', 'gcf2-run-hunter2'], (d) => {
      assert.is(d.functions[0].serviceConfig.uri, 'https://thumbs.a.run.app')
      assert.equal(Object.keys(d.functions[0].serviceConfig.environmentVariables), ['API_SECRET'])
    }],
    ['https://container.googleapis.com/v1/projects/p/locations/us-central1/clusters/prod', CLUSTER, ['gke-basic-hunter2', 'gke-client-key-hunter2'], (d) => {
      assert.is(d.masterAuth.clusterCaCertificate, 'LS0tQ0EtLS0=')
      assert.is(d.masterAuth.username, 'admin')
    }],
    ['https://container.googleapis.com/v1/projects/p/locations/-/clusters', { clusters: [CLUSTER] }, ['gke-basic-hunter2', 'gke-client-key-hunter2'], (d) => assert.is(d.clusters[0].endpoint, '10.0.0.1')],
    ['https://compute.googleapis.com/compute/v1/projects/p/zones/us-central1-a/instances/web-1', INSTANCE, ['startup-hunter2'], (d) => {
      assert.is(d.status, 'RUNNING')
      assert.equal(d.metadata.items.map((i: { key: string }) => i.key), ['startup-script', 'enable-oslogin'])
    }],
    ['https://compute.googleapis.com/compute/v1/projects/p/aggregated/instances', { items: { 'zones/us-central1-a': { instances: [INSTANCE] } } }, ['startup-hunter2'], (d) => assert.is(d.items['zones/us-central1-a'].instances[0].name, 'web-1')],
  ]
  for (const [url, answer, secrets, readable] of cases) {
    g.route = (_req, res) => json(res, answer)
    const res = await via(url)
    const body = await res.text()
    assert.is(res.status, 200, `${url}: ${body.slice(0, 300)}`)
    for (const secret of secrets) assert.not.match(body, secret, `${url}: ${secret} came back`)
    readable(JSON.parse(body))
  }
})

test.run()
