// The digest of an HTTP request is what a statement grant matches: it must differ whenever what the upstream
// does differs, and stay the same when only what changes on every send of one request does.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Target } from '../types.ts'
import { normalize, type RawHttpRequest } from './index.ts'

const aws: Target = { name: 'prod-aws', kind: 'aws', environment: 'production', labels: {} }
const gcp: Target = { name: 'prod-gcp', kind: 'gcp', environment: 'production', labels: {} }
const kube: Target = { name: 'prod-k8s', kind: 'kubernetes', environment: 'production', labels: {} }

const command = (request: RawHttpRequest, target: Target) => normalize({ kind: 'http', request }, target).command
const digest = (request: RawHttpRequest, target: Target = gcp) => command(request, target).digest

const secrets = (operation: string, extra: Record<string, string> = {}, body = '{"SecretId":"db"}'): RawHttpRequest => ({
  method: 'POST',
  url: 'https://secretsmanager.us-east-1.amazonaws.com/',
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `secretsmanager.${operation}`, 'x-amz-date': '20261130T200000Z', 'user-agent': 'aws-cli/2.15', ...extra },
  body,
})

test('an AWS JSON call is another statement when only X-Amz-Target differs: reading a secret is not rotating it', () => {
  assert.is.not(digest(secrets('GetSecretValue'), aws), digest(secrets('RotateSecret'), aws))
  assert.is.not(digest(secrets('GetSecretValue'), aws), digest(secrets('DeleteSecret'), aws))
})

test('headers that change what a request does are in the digest: method override, impersonation, ACLs, copy source', () => {
  const put: RawHttpRequest = { method: 'PUT', url: 'https://s3.us-east-1.amazonaws.com/ops/report.csv', headers: {}, body: '' }
  const withHeader = (name: string, value: string) => ({ ...put, headers: { [name]: value } })
  for (const [name, value] of <Array<[string, string]>>[['x-amz-copy-source', '/secrets/keys.txt'], ['x-amz-acl', 'public-read'], ['x-amz-grant-read', 'uri=http://acs.amazonaws.com/groups/global/AllUsers'], ['x-http-method-override', 'DELETE']]) {
    assert.is.not(digest(withHeader(name, value), aws), digest(put, aws), name)
  }
  const pod: RawHttpRequest = { method: 'DELETE', url: 'https://kubernetes.default.svc/api/v1/namespaces/prod/pods/web-1', headers: {} }
  assert.is.not(digest({ ...pod, headers: { 'Impersonate-User': 'system:admin' } }, kube), digest(pod, kube))
  assert.is.not(digest({ ...pod, headers: { 'Impersonate-Extra-Scopes': 'all' } }, kube), digest(pod, kube))
})

test('a query value the input shows redacted still tells two requests apart (a secret name, a page token)', () => {
  const create = (name: string): RawHttpRequest => ({ method: 'POST', url: `https://secretmanager.googleapis.com/v1/projects/p/secrets?secretId=${name}`, headers: { 'content-type': 'application/json' }, body: '{"replication":{"automatic":{}}}' })
  assert.is(command(create('staging-token'), gcp).raw, command(create('prod-db-password'), gcp).raw, 'the raw text keeps the value redacted')
  assert.not.ok(command(create('prod-db-password'), gcp).raw.includes('prod-db-password'))
  assert.is.not(digest(create('staging-token'), gcp), digest(create('prod-db-password'), gcp))
})

test('sending the same request again keeps its digest: a new signing date, request id, client version or Accept', () => {
  const again = secrets('RotateSecret', { 'x-amz-date': '20261130T201500Z', 'user-agent': 'aws-cli/2.16', 'x-request-id': 'r-2', accept: '*/*', 'x-amz-content-sha256': 'abc' })
  assert.is(digest(again, aws), digest(secrets('RotateSecret'), aws))
  const url = 'https://secretmanager.googleapis.com/v1/projects/p/secrets?secretId=a'
  assert.is(digest({ method: 'GET', url, headers: { 'x-goog-api-client': 'gl-python/3.11' } }, gcp), digest({ method: 'GET', url, headers: {} }, gcp))
})

test('a fingerprint (an operation whatever its values) names the cloud operation: one AWS endpoint serves them all', () => {
  const fingerprint = (request: RawHttpRequest) => command(request, aws).fingerprint
  assert.is.not(fingerprint(secrets('GetSecretValue')), fingerprint(secrets('RotateSecret')))
  const ec2 = (body: string): RawHttpRequest => ({ method: 'POST', url: 'https://ec2.us-east-1.amazonaws.com/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })
  assert.is.not(fingerprint(ec2('Action=StartInstances&InstanceId.1=i-1&Version=2016-11-15')), fingerprint(ec2('Action=ModifyInstanceAttribute&InstanceId=i-1&Attribute=userData&Version=2016-11-15')))
  assert.is(fingerprint(ec2('Action=StartInstances&InstanceId.1=i-1&Version=2016-11-15')), fingerprint(ec2('Action=StartInstances&InstanceId.1=i-2&Version=2016-11-15')), 'the same operation on another instance')
  assert.is(fingerprint({ ...secrets('GetSecretValue'), body: '{"SecretId":"api"}' }), fingerprint(secrets('GetSecretValue')), 'the same operation on another secret')
})

test('the idempotency token the AWS CLI draws on each run is left out: a re-run of an approved write matches', () => {
  const put = (token: string, extra = '') => secrets('PutSecretValue', {}, `{"SecretId": "db", "SecretString": "v2"${extra}, "ClientRequestToken": "${token}"}`)
  const a = '4e9c6f38-f392-4d7f-8224-75e686c05f30'
  const b = '4886767a-97bb-4687-9e98-566b945b3dd4'
  assert.is(digest(put(a), aws), digest(put(b), aws))
  assert.is.not(digest(put(a, ', "VersionStages": ["AWSCURRENT"]'), aws), digest(put(b), aws), 'any other byte still counts')
  assert.is.not(digest({ ...put(a), body: put(a).body!.toString().replace('v2', 'v3') }, aws), digest(put(b), aws))
  assert.is.not(digest(put('chosen-by-the-agent'), aws), digest(put(a), aws), 'a value that is no uuid is kept')
  assert.is.not(digest(put(a), gcp), digest(put(b), gcp), 'only for AWS targets')
  const nested = (token: string) => secrets('PutSecretValue', {}, `{"SecretId": "db", "Tags": {"ClientRequestToken": "${token}"}}`)
  assert.is.not(digest(nested(a), aws), digest(nested(b), aws), 'a member deeper in the body is kept')
  const inString = (token: string) => secrets('PutSecretValue', {}, JSON.stringify({ SecretId: 'db', SecretString: `{"ClientRequestToken": "${token}"}` }))
  assert.is.not(digest(inString(a), aws), digest(inString(b), aws), 'text inside a string value is kept')
  const twice = (token: string) => secrets('PutSecretValue', {}, `{"SecretId": "db", "ClientToken": "${a}", "ClientRequestToken": "${token}"}`)
  assert.is.not(digest(twice(a), aws), digest(twice(b), aws), 'two tokens: nothing is left out')
  const ec2 = (token: string): RawHttpRequest => ({ method: 'POST', url: 'https://ec2.us-east-1.amazonaws.com/', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: Buffer.from(`Action=RunInstances&ImageId=ami-1&MaxCount=1&MinCount=1&ClientToken=${token}&Version=2016-11-15`) })
  assert.is(digest(ec2(a), aws), digest(ec2(b), aws), 'a form field (EC2, query APIs), also as bytes')
})

test('a fingerprint leaves out the parameters of the body type: a multipart upload sent again draws another boundary', () => {
  const upload = (boundary: string, type = 'multipart/related'): RawHttpRequest => ({
    method: 'POST', url: 'https://storage.googleapis.com/upload/storage/v1/b/ops/o?uploadType=multipart',
    headers: { 'content-type': `${type}; boundary='${boundary}'` }, body: `--${boundary}\r\n\r\n{}\r\n--${boundary}--`,
  })
  const fingerprint = (request: RawHttpRequest) => command(request, gcp).fingerprint
  assert.is(fingerprint(upload('===============1651122980204598231==')), fingerprint(upload('===============6513514192097251722==')))
  assert.is.not(fingerprint(upload('b', 'multipart/form-data')), fingerprint(upload('b')), 'the body type itself still counts')
  assert.is.not(digest(upload('===============1651122980204598231==')), digest(upload('===============6513514192097251722==')), 'a statement is the body as sent')
})

test.run()
