import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { credentialScope, endpointFromHost, iamPrefix, parseTarget } from './aws-endpoint.ts'

const hosts: Array<[string, ReturnType<typeof endpointFromHost>]> = [
  ['s3.amazonaws.com', { service: 's3', partition: 'aws' }],
  ['s3.us-east-1.amazonaws.com', { service: 's3', region: 'us-east-1', partition: 'aws' }],
  ['my-bucket.s3.eu-west-1.amazonaws.com', { service: 's3', bucket: 'my-bucket', region: 'eu-west-1', partition: 'aws' }],
  ['my.dotted.bucket.s3.amazonaws.com', { service: 's3', bucket: 'my.dotted.bucket', partition: 'aws' }],
  ['b.s3-us-west-2.amazonaws.com', { service: 's3', bucket: 'b', region: 'us-west-2', partition: 'aws' }],
  ['b.s3.dualstack.ap-south-1.amazonaws.com', { service: 's3', bucket: 'b', region: 'ap-south-1', partition: 'aws' }],
  ['s3-fips.us-gov-west-1.amazonaws.com', { service: 's3', region: 'us-gov-west-1', partition: 'aws-us-gov' }],
  ['s3-logs.s3.amazonaws.com', { service: 's3', bucket: 's3-logs', partition: 'aws' }],
  ['b.vpce-0a1b.s3.us-east-1.vpce.amazonaws.com', { service: 's3', bucket: 'b', region: 'us-east-1', partition: 'aws' }],
  ['vpce-0a1b.s3.us-east-1.vpce.amazonaws.com', { service: 's3', region: 'us-east-1', partition: 'aws' }],
  ['b.s3.cn-north-1.amazonaws.com.cn', { service: 's3', bucket: 'b', region: 'cn-north-1', partition: 'aws-cn' }],
  ['lambda.us-east-1.amazonaws.com', { service: 'lambda', region: 'us-east-1', partition: 'aws' }],
  ['dynamodb-fips.us-east-1.amazonaws.com', { service: 'dynamodb', region: 'us-east-1', partition: 'aws' }],
  ['iam.amazonaws.com', { service: 'iam', partition: 'aws' }],
  ['abc123.execute-api.us-east-1.amazonaws.com', { service: 'execute-api', region: 'us-east-1', partition: 'aws' }],
  ['us-east-1.queue.amazonaws.com', { service: 'queue', region: 'us-east-1', partition: 'aws' }],
  ['ec2.us-east-1.api.aws', { service: 'ec2', region: 'us-east-1', partition: 'aws' }],
  ['api.ecr.us-east-1.amazonaws.com', { service: 'ecr', region: 'us-east-1', partition: 'aws' }],
  ['api.ecr-public.us-east-1.amazonaws.com', { service: 'ecr-public', region: 'us-east-1', partition: 'aws' }],
  ['api.sagemaker.eu-west-1.amazonaws.com', { region: 'eu-west-1', partition: 'aws' }],
  ['secretsmanager-fips.us-east-1.amazonaws.com', { service: 'secretsmanager', region: 'us-east-1', partition: 'aws' }],
  ['vpce-0abc-1def.secretsmanager.us-east-1.vpce.amazonaws.com', { service: 'secretsmanager', region: 'us-east-1', partition: 'aws' }],
  ['vpce-0abc-1def-us-east-1a.kms.us-east-1.vpce.amazonaws.com', { service: 'kms', region: 'us-east-1', partition: 'aws' }],
  ['ssm.us-gov-west-1.amazonaws.com', { service: 'ssm', region: 'us-gov-west-1', partition: 'aws-us-gov' }],
  ['sts.cn-north-1.amazonaws.com.cn', { service: 'sts', region: 'cn-north-1', partition: 'aws-cn' }],
  ['iam.us-gov.amazonaws.com', { service: 'iam', partition: 'aws-us-gov' }],
  ['foo.us-east-1.amazonaws.com', { region: 'us-east-1', partition: 'aws' }],
  ['x.secretsmanager.us-east-1.amazonaws.com', { region: 'us-east-1', partition: 'aws' }],
  ['streams.dynamodb.us-east-1.amazonaws.com', { service: 'dynamodb', region: 'us-east-1', partition: 'aws' }],
  ['api.us-east-1.amazonaws.com', { region: 'us-east-1', partition: 'aws' }],
  ['example.com', { partition: 'aws' }],
]
for (const [host, want] of hosts) {
  test(`endpoint of ${host}`, () => assert.equal(endpointFromHost(host), want))
}

test('credential scope from the Authorization header, SigV4a, and presigned query', () => {
  const header = (value: string) => ({ method: 'GET', url: '/', headers: { Authorization: value } })
  assert.equal(credentialScope(header('AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/sqs/aws4_request, SignedHeaders=host, Signature=x'), {}), { service: 'sqs', region: 'eu-west-1' })
  assert.equal(credentialScope(header('AWS4-ECDSA-P256-SHA256 Credential=AKID/20240101/s3/aws4_request, Signature=x'), {}), { service: 's3' })
  assert.equal(credentialScope({ method: 'GET', url: '/' }, { 'X-Amz-Credential': ['AKID/20240101/us-east-1/s3/aws4_request'] }), { service: 's3', region: 'us-east-1' })
  assert.equal(credentialScope(header('AWS4-HMAC-SHA256 Credential=AKID/20240101/s3/sts/aws4_request, Signature=x'), {}), { service: 'sts' })
  assert.is(credentialScope(header('AWS AKID:signature'), {}), undefined)
  assert.is(credentialScope(header('Bearer x'), {}), undefined)
})

test('X-Amz-Target prefixes map to services; unknown ones fall back to the lower-cased prefix', () => {
  assert.equal(parseTarget('DynamoDB_20120810.PutItem'), { service: 'dynamodb', operation: 'PutItem' })
  assert.equal(parseTarget('TrentService.Encrypt'), { service: 'kms', operation: 'Encrypt' })
  assert.equal(parseTarget('AWSStepFunctions.StartExecution'), { service: 'states', operation: 'StartExecution' })
  assert.equal(parseTarget('AWSIdentityStore_20200615.ListUsers'), { service: 'awsidentitystore', operation: 'ListUsers' })
  // botocore's targetPrefix for these does not spell the signing name.
  assert.equal(parseTarget('com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents'), { service: 'cloudtrail', operation: 'LookupEvents' })
  assert.equal(parseTarget('AWSCognitoIdentityService.ListIdentityPools'), { service: 'cognito-identity', operation: 'ListIdentityPools' })
  assert.equal(parseTarget('RedshiftServerless.ListWorkgroups'), { service: 'redshift-serverless', operation: 'ListWorkgroups' })
  assert.is(parseTarget('NoDot'), undefined)
  assert.is(parseTarget('Trailing.'), undefined)
})

test('signing names map to IAM prefixes', () => {
  assert.equal(['monitoring', 'email', 'queue', 's3'].map(iamPrefix), ['cloudwatch', 'ses', 'sqs', 's3'])
})

test.run()
