import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { CloudCommand } from '../../types.ts'
import { normalizeAws, normalizeGcp } from '../cloud/index.ts'
import { cloudRisk } from './cloud.ts'

const gcp = (method: string, url: string) => cloudRisk(normalizeGcp({ method, url }))
const aws = (method: string, url: string, headers: Record<string, string> = {}, body?: string) => cloudRisk(normalizeAws({ method, url, headers, body }))
const form = { 'content-type': 'application/x-www-form-urlencoded' }
const target = (t: string) => ({ 'x-amz-target': t, 'content-type': 'application/x-amz-json-1.1' })

const table: Array<[string, () => ReturnType<typeof cloudRisk>, number, string]> = [
  ['gcp get', () => gcp('GET', 'https://compute.googleapis.com/compute/v1/projects/p/zones/z/instances/i'), 10, 'low'],
  ['gcp getIamPolicy', () => gcp('POST', 'https://cloudresourcemanager.googleapis.com/v1/projects/p:getIamPolicy'), 10, 'low'],
  ['gcp create', () => gcp('POST', 'https://secretmanager.googleapis.com/v1/projects/p/secrets?secretId=s'), 45, 'medium'],
  ['gcp stop instance', () => gcp('POST', 'https://compute.googleapis.com/compute/v1/projects/p/zones/z/instances/i/stop'), 50, 'high'],
  ['gcp function call', () => gcp('POST', 'https://cloudfunctions.googleapis.com/v1/projects/p/locations/l/functions/f:call'), 50, 'high'],
  ['gcp function deploy', () => gcp('POST', 'https://cloudfunctions.googleapis.com/v2/projects/p/locations/l/functions?functionId=f'), 55, 'high'],
  ['gcp sql export', () => gcp('POST', 'https://sqladmin.googleapis.com/sql/v1beta4/projects/p/instances/db/export'), 60, 'high'],
  ['gcp unknown', () => gcp('GET', 'https://example.com/x'), 60, 'high'],
  ['gcp delete instance', () => gcp('DELETE', 'https://compute.googleapis.com/compute/v1/projects/p/zones/z/instances/i'), 70, 'high'],
  ['gcp secret access', () => gcp('GET', 'https://secretmanager.googleapis.com/v1/projects/p/secrets/s/versions/latest:access'), 70, 'high'],
  ['gcp delete bucket', () => gcp('DELETE', 'https://storage.googleapis.com/storage/v1/b/b'), 85, 'critical'],
  ['gcp delete cluster', () => gcp('DELETE', 'https://container.googleapis.com/v1/projects/p/locations/l/clusters/c'), 85, 'critical'],
  ['gcp service account key', () => gcp('POST', 'https://iam.googleapis.com/v1/projects/p/serviceAccounts/sa/keys'), 85, 'critical'],
  ['gcp access token', () => gcp('POST', 'https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa:generateAccessToken'), 85, 'critical'],
  ['gcp setIamPolicy', () => gcp('POST', 'https://cloudresourcemanager.googleapis.com/v1/projects/p:setIamPolicy'), 90, 'critical'],
  ['gcp bucket ACL', () => gcp('PUT', 'https://storage.googleapis.com/storage/v1/b/b/o/o/acl/allUsers'), 90, 'critical'],
  ['gcp role update', () => gcp('PATCH', 'https://iam.googleapis.com/v1/projects/p/roles/r'), 90, 'critical'],
  ['aws read', () => aws('GET', 'https://b.s3.amazonaws.com/k'), 10, 'low'],
  ['aws put object', () => aws('PUT', 'https://b.s3.amazonaws.com/k'), 45, 'medium'],
  ['aws lambda invoke', () => aws('POST', 'https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/f/invocations'), 50, 'high'],
  ['aws lambda deploy', () => aws('PUT', 'https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/f/code'), 55, 'high'],
  ['aws delete object', () => aws('DELETE', 'https://b.s3.amazonaws.com/k'), 70, 'high'],
  ['aws secret value', () => aws('POST', 'https://secretsmanager.us-east-1.amazonaws.com/', target('secretsmanager.GetSecretValue'), '{"SecretId":"s"}'), 70, 'high'],
  ['aws ssm send command', () => aws('POST', 'https://ssm.us-east-1.amazonaws.com/', target('AmazonSSM.SendCommand'), '{}'), 80, 'critical'],
  ['aws delete table', () => aws('POST', 'https://dynamodb.us-east-1.amazonaws.com/', target('DynamoDB_20120810.DeleteTable'), '{"TableName":"t"}'), 85, 'critical'],
  ['aws terminate instances', () => aws('POST', 'https://ec2.us-east-1.amazonaws.com/', form, 'Action=TerminateInstances&InstanceId.1=i'), 85, 'critical'],
  ['aws assume role', () => aws('POST', 'https://sts.amazonaws.com/', form, 'Action=AssumeRole&RoleArn=r'), 85, 'critical'],
  ['aws create access key', () => aws('POST', 'https://iam.amazonaws.com/', form, 'Action=CreateAccessKey&UserName=u'), 85, 'critical'],
  ['aws attach role policy', () => aws('POST', 'https://iam.amazonaws.com/', form, 'Action=AttachRolePolicy&RoleName=r'), 90, 'critical'],
  ['aws bucket policy', () => aws('PUT', 'https://b.s3.amazonaws.com/?policy'), 90, 'critical'],
  ['aws iam read', () => aws('POST', 'https://iam.amazonaws.com/', form, 'Action=ListRoles'), 10, 'low'],
]

for (const [name, run, score, level] of table) {
  test(`${name} ⇒ ${score} ${level}`, () => {
    const got = run()
    assert.is(got.score, score, JSON.stringify(got.reasons))
    assert.is(got.level, level)
  })
}

test('credential issuers are not also called policy changes', () => {
  const got = gcp('POST', 'https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa:generateAccessToken')
  assert.ok(got.reasons.includes('issues credentials'))
  assert.not.ok(got.reasons.includes('changes IAM or access policy'))
})

test('an unknown method is judged on the method alone', () => {
  const c: CloudCommand = { provider: 'aws', service: 's3', method: 'unknown', operation: 'unknown', resource: '', read_only: true }
  assert.is(cloudRisk(c).score, 60)
})

test.run()
