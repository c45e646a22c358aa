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
  const again = secrets('RotateSecret', { 'x-amz-date': '20261130T201500Z', 'user-agent': 'aws-cli/2.16', 'x-request-id': 'r-2', accept: '*/*' })
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

test('a forwarded header the input does not show is in the digest: a copy\'s range, a WebDAV destination, metadata, a condition', () => {
  const put: RawHttpRequest = { method: 'PUT', url: 'https://s3.us-east-1.amazonaws.com/ops/big.bin?partNumber=1&uploadId=u', headers: { 'x-amz-copy-source': '/ops/src.bin' } }
  const withHeader = (request: RawHttpRequest, name: string, value: string) => ({ ...request, headers: { ...request.headers, [name]: value } })
  for (const [name, value] of <Array<[string, string]>>[['x-amz-copy-source-range', 'bytes=0-1073741823'], ['x-amz-metadata-directive', 'REPLACE'], ['x-amz-website-redirect-location', 'https://evil.example/'], ['x-amz-tagging', 'public=yes'], ['if-match', '"abc"']]) {
    assert.is.not(digest(withHeader(put, name, value), aws), digest(put, aws), name)
  }
  const move: RawHttpRequest = { method: 'MOVE', url: 'https://files.internal/dav/draft.txt', headers: { destination: 'https://files.internal/dav/archive/draft.txt' } }
  const http: Target = { name: 'files', kind: 'http', environment: 'production', labels: {} }
  assert.is.not(digest(withHeader(move, 'Destination', 'https://files.internal/dav/index.html'), http), digest(move, http))
  assert.is.not(digest(withHeader(move, 'Overwrite', 'T'), http), digest(move, http))
})

test('two spellings the normalizer reads alike reach the upstream as two requests: each has its own digest', () => {
  const del = (path: string): RawHttpRequest => ({ method: 'DELETE', url: `https://storage.googleapis.com${path}`, headers: {} })
  // An object named `report/acl/allUsers`, and the allUsers entry of report's ACL.
  assert.is.not(digest(del('/storage/v1/b/ops/o/report%2Facl%2FallUsers'), gcp), digest(del('/storage/v1/b/ops/o/report/acl/allUsers'), gcp))
  // Bytes that are no UTF-8 decode alike (U+FFFD) but are sent as they are.
  const get = (query: string): RawHttpRequest => ({ method: 'DELETE', url: `https://api.internal/items?${query}`, headers: {} })
  const http: Target = { name: 'api', kind: 'http', environment: 'production', labels: {} }
  assert.is.not(digest(get('id=%FF'), http), digest(get('id=%FE'), http))
})

test('a retry by the same client keeps its digest: SDK invocation and attempt ids, traces, kubectl\'s session, the SigV4 signature', () => {
  const again = secrets('RotateSecret', { 'amz-sdk-invocation-id': 'i-2', 'amz-sdk-request': 'attempt=2; max=3', traceparent: '00-2-2-01', authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261130/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=2' })
  assert.is(digest(again, aws), digest(secrets('RotateSecret', { 'amz-sdk-invocation-id': 'i-1', 'amz-sdk-request': 'attempt=1; max=3', traceparent: '00-1-1-01', authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261130/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=1' }), aws))
  const pod = (session: string): RawHttpRequest => ({ method: 'DELETE', url: 'https://kubernetes.default.svc/api/v1/namespaces/prod/pods/web-1', headers: { 'kubectl-session': session, 'kubectl-command': 'kubectl delete' } })
  assert.is(digest(pod('a'), kube), digest(pod('b'), kube))
  const del = (token: string): RawHttpRequest => ({ method: 'DELETE', url: 'https://storage.googleapis.com/storage/v1/b/ops/o/a.txt', headers: { 'x-goog-gcs-idempotency-token': token } })
  assert.is(digest(del('t1'), gcp), digest(del('t2'), gcp), 'gcloud storage sends a new idempotency token with each command')
})

test('an upload streamed unread is told apart by its declared length and SHA-256: a grant for one upload is not one for other bytes', () => {
  const upload = (sha: string, length: string): RawHttpRequest => ({ method: 'PUT', url: 'https://s3.us-east-1.amazonaws.com/prod/app.tar', headers: { 'content-length': length, 'x-amz-content-sha256': sha }, bodyNotRead: 'an object upload' })
  const a = 'a'.repeat(64)
  assert.is(digest(upload(a, '10'), aws), digest(upload(a, '10'), aws))
  assert.is.not(digest(upload(a, '10'), aws), digest(upload('b'.repeat(64), '10'), aws))
  assert.is.not(digest(upload('UNSIGNED-PAYLOAD', '10'), aws), digest(upload('UNSIGNED-PAYLOAD', '11'), aws))
})

test.run()
