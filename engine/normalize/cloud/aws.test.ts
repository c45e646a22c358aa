import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { CloudCommand } from '../../types.ts'
import type { RawHttpRequest } from '../http.ts'
import { normalizeAws } from './index.ts'
import { garbageRequests } from '../garbage-requests.ts'

type Want = Omit<CloudCommand, 'provider'>

const sigv4 = (service: string, region = 'us-east-1') => ({
  Authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/${region}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123abcd`,
})
const json = (target: string, version = '1.1') => ({ 'X-Amz-Target': target, 'Content-Type': `application/x-amz-json-${version}` })
const form = { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' }
const req = (method: string, url: string, headers: RawHttpRequest['headers'] = {}, body?: string): RawHttpRequest => ({ method, url, headers, body })

const cases: Array<[string, RawHttpRequest, Want]> = [
  // X-Amz-Target (JSON protocol)
  ['dynamodb DeleteTable', req('POST', 'https://dynamodb.us-east-1.amazonaws.com/', json('DynamoDB_20120810.DeleteTable', '1.0'), '{"TableName":"users"}'),
    { service: 'dynamodb', method: 'dynamodb:DeleteTable', operation: 'DeleteTable', resource: 'users', region: 'us-east-1', read_only: false }],
  ['dynamodb Query', req('POST', 'https://dynamodb.eu-west-1.amazonaws.com/', json('DynamoDB_20120810.Query', '1.0'), '{"TableName":"orders"}'),
    { service: 'dynamodb', method: 'dynamodb:Query', operation: 'Query', resource: 'orders', region: 'eu-west-1', read_only: true }],
  ['dynamodb BatchGetItem', req('POST', 'https://dynamodb.us-east-1.amazonaws.com/', json('DynamoDB_20120810.BatchGetItem', '1.0'), '{"RequestItems":{}}'),
    { service: 'dynamodb', method: 'dynamodb:BatchGetItem', operation: 'BatchGetItem', resource: '', region: 'us-east-1', read_only: true }],
  ['dynamodb Scan', req('POST', 'https://dynamodb.us-east-1.amazonaws.com/', json('DynamoDB_20120810.Scan', '1.0'), '{"TableName":"users"}'),
    { service: 'dynamodb', method: 'dynamodb:Scan', operation: 'Scan', resource: 'users', region: 'us-east-1', read_only: true }],
  ['secretsmanager GetSecretValue', req('POST', 'https://secretsmanager.us-east-1.amazonaws.com/', json('secretsmanager.GetSecretValue'), '{"SecretId":"prod/db"}'),
    { service: 'secretsmanager', method: 'secretsmanager:GetSecretValue', operation: 'GetSecretValue', resource: 'prod/db', region: 'us-east-1', read_only: true }],
  ['kms Decrypt', req('POST', 'https://kms.us-east-1.amazonaws.com/', json('TrentService.Decrypt'), '{"CiphertextBlob":"AQID"}'),
    { service: 'kms', method: 'kms:Decrypt', operation: 'Decrypt', resource: '', region: 'us-east-1', read_only: false }],
  ['ssm GetParameter', req('POST', 'https://ssm.us-east-1.amazonaws.com/', json('AmazonSSM.GetParameter'), '{"Name":"/prod/db/password","WithDecryption":true}'),
    { service: 'ssm', method: 'ssm:GetParameter', operation: 'GetParameter', resource: '/prod/db/password', region: 'us-east-1', read_only: true }],
  ['logs DescribeLogGroups', req('POST', 'https://logs.us-east-1.amazonaws.com/', json('Logs_20140328.DescribeLogGroups'), '{}'),
    { service: 'logs', method: 'logs:DescribeLogGroups', operation: 'DescribeLogGroups', resource: '', region: 'us-east-1', read_only: true }],
  ['sqs JSON protocol', req('POST', 'https://sqs.us-east-1.amazonaws.com/', json('AmazonSQS.PurgeQueue', '1.0'), '{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/1/q"}'),
    { service: 'sqs', method: 'sqs:PurgeQueue', operation: 'PurgeQueue', resource: 'https://sqs.us-east-1.amazonaws.com/1/q', region: 'us-east-1', read_only: false }],
  ['cloudwatch via signing name monitoring', req('POST', 'https://monitoring.us-east-1.amazonaws.com/', json('GraniteServiceVersion20100801.GetMetricData', '1.0'), '{}'),
    { service: 'cloudwatch', method: 'cloudwatch:GetMetricData', operation: 'GetMetricData', resource: '', region: 'us-east-1', read_only: true }],
  // Hosts with a label before the service's own (the aws CLI's endpoints for ECR, SageMaker, DynamoDB Streams)
  ['ecr DescribeRepositories at api.ecr', req('POST', 'https://api.ecr.us-east-1.amazonaws.com/', json('AmazonEC2ContainerRegistry_V20150921.DescribeRepositories'), '{}'),
    { service: 'ecr', method: 'ecr:DescribeRepositories', operation: 'DescribeRepositories', resource: '', region: 'us-east-1', read_only: true }],
  ['ecr GetAuthorizationToken at api.ecr (a credential, not a read)', req('POST', 'https://api.ecr.us-east-1.amazonaws.com/', json('AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken'), '{}'),
    { service: 'ecr', method: 'ecr:GetAuthorizationToken', operation: 'GetAuthorizationToken', resource: '', region: 'us-east-1', read_only: false }],
  ['ecr-public at api.ecr-public', req('POST', 'https://api.ecr-public.us-east-1.amazonaws.com/', json('SpencerFrontendService.GetAuthorizationToken'), '{}'),
    { service: 'ecr-public', method: 'ecr-public:GetAuthorizationToken', operation: 'GetAuthorizationToken', resource: '', region: 'us-east-1', read_only: false }],
  ['a DynamoDB target at api.ecr is not what that endpoint runs', req('POST', 'https://api.ecr.us-east-1.amazonaws.com/', json('DynamoDB_20120810.Scan', '1.0'), '{"TableName":"users"}'),
    { service: 'ecr', method: 'unknown', operation: 'unknown', resource: '', region: 'us-east-1', read_only: false }],
  // Action= (query protocol), in the form body or the query string
  ['iam AttachRolePolicy', req('POST', 'https://iam.amazonaws.com/', form, 'Action=AttachRolePolicy&Version=2010-05-08&RoleName=deployer&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FAdministratorAccess'),
    { service: 'iam', method: 'iam:AttachRolePolicy', operation: 'AttachRolePolicy', resource: 'deployer', read_only: false }],
  ['iam CreateAccessKey', req('POST', 'https://iam.amazonaws.com/', form, 'Action=CreateAccessKey&UserName=ci'),
    { service: 'iam', method: 'iam:CreateAccessKey', operation: 'CreateAccessKey', resource: 'ci', read_only: false }],
  ['iam ListRoles', req('POST', 'https://iam.amazonaws.com/', form, 'Action=ListRoles'),
    { service: 'iam', method: 'iam:ListRoles', operation: 'ListRoles', resource: '', read_only: true }],
  ['sts AssumeRole', req('POST', 'https://sts.us-east-1.amazonaws.com/', form, 'Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fadmin&RoleSessionName=x'),
    { service: 'sts', method: 'sts:AssumeRole', operation: 'AssumeRole', resource: 'arn:aws:iam::1:role/admin', region: 'us-east-1', read_only: false }],
  ['sts GetSessionToken issues credentials, so it is not read-only', req('POST', 'https://sts.amazonaws.com/', form, 'Action=GetSessionToken'),
    { service: 'sts', method: 'sts:GetSessionToken', operation: 'GetSessionToken', resource: '', read_only: false }],
  ['sts GetCallerIdentity', req('POST', 'https://sts.amazonaws.com/', form, 'Action=GetCallerIdentity'),
    { service: 'sts', method: 'sts:GetCallerIdentity', operation: 'GetCallerIdentity', resource: '', read_only: true }],
  ['ec2 DescribeInstances via GET', req('GET', 'https://ec2.us-west-2.amazonaws.com/?Action=DescribeInstances&Version=2016-11-15'),
    { service: 'ec2', method: 'ec2:DescribeInstances', operation: 'DescribeInstances', resource: '', region: 'us-west-2', read_only: true }],
  ['ec2 TerminateInstances', req('POST', 'https://ec2.us-west-2.amazonaws.com/', form, 'Action=TerminateInstances&InstanceId.1=i-123&Version=2016-11-15'),
    { service: 'ec2', method: 'ec2:TerminateInstances', operation: 'TerminateInstances', resource: 'i-123', region: 'us-west-2', read_only: false }],
  ['sns Publish', req('POST', 'https://sns.eu-central-1.amazonaws.com/', form, 'Action=Publish&TopicArn=arn%3Aaws%3Asns%3Aeu-central-1%3A1%3At&Message=hi'),
    { service: 'sns', method: 'sns:Publish', operation: 'Publish', resource: 'arn:aws:sns:eu-central-1:1:t', region: 'eu-central-1', read_only: false }],
  ['rds DeleteDBInstance', req('POST', 'https://rds.us-east-1.amazonaws.com/', form, 'Action=DeleteDBInstance&DBInstanceIdentifier=prod-db&SkipFinalSnapshot=true'),
    { service: 'rds', method: 'rds:DeleteDBInstance', operation: 'DeleteDBInstance', resource: 'prod-db', region: 'us-east-1', read_only: false }],
  // S3 REST: virtual-hosted, path-style, legacy and custom endpoints
  ['s3 GetObject virtual-hosted', req('GET', 'https://my-bucket.s3.us-east-1.amazonaws.com/reports/2024.csv'),
    { service: 's3', method: 's3:GetObject', operation: 'GetObject', resource: 'arn:aws:s3:::my-bucket/reports/2024.csv', region: 'us-east-1', read_only: true }],
  ['s3 PutObject path-style', req('PUT', 'https://s3.us-east-1.amazonaws.com/my-bucket/a%20b.txt', sigv4('s3'), 'data'),
    { service: 's3', method: 's3:PutObject', operation: 'PutObject', resource: 'arn:aws:s3:::my-bucket/a b.txt', region: 'us-east-1', read_only: false }],
  ['s3 DeleteObject global endpoint', req('DELETE', 'https://s3.amazonaws.com/my-bucket/logs/app.log'),
    { service: 's3', method: 's3:DeleteObject', operation: 'DeleteObject', resource: 'arn:aws:s3:::my-bucket/logs/app.log', read_only: false }],
  ['s3 keys are literal: no dot-segment folding', req('GET', 'https://my-bucket.s3.amazonaws.com/a/../b//c'),
    { service: 's3', method: 's3:GetObject', operation: 'GetObject', resource: 'arn:aws:s3:::my-bucket/a/../b//c', read_only: true }],
  ['s3 browser-form upload (POST Object, multipart/form-data)', req('POST', 'https://s3.amazonaws.com/my-bucket', { 'Content-Type': 'multipart/form-data; boundary=b' }, '--b--\r\n'),
    { service: 's3', method: 's3:PutObject', operation: 'PutObject', resource: 'arn:aws:s3:::my-bucket', read_only: false }],
  ['s3 POST to a bucket with a urlencoded form (moto takes its acl field) is no call S3 knows', req('POST', 'https://s3.amazonaws.com/my-bucket', form, 'key=k&acl=public-read&file=x'),
    { service: 's3', method: 'unknown', operation: 'unknown', resource: 'arn:aws:s3:::my-bucket', read_only: false }],
  ['s3 path under /v20180820/ (S3 Control at moto: the account\'s public access block)', req('PUT', 'https://s3.amazonaws.com/v20180820/configuration/publicAccessBlock', { 'x-amz-account-id': '123456789012' }, '<x/>'),
    { service: 's3', method: 'unknown', operation: 'unknown', resource: 'arn:aws:s3:::v20180820', read_only: false }],
  ['s3 path under /moto-api/ (moto\'s own control endpoints)', req('PUT', 'https://s3.amazonaws.com/moto-api/recorder/upload-recording', {}, 'x'),
    { service: 's3', method: 'unknown', operation: 'unknown', resource: 'arn:aws:s3:::moto-api', read_only: false }],
  ['s3 path under /_localstack/ (no bucket name starts so)', req('GET', 'https://s3.amazonaws.com/_localstack/diagnose'),
    { service: 's3', method: 'unknown', operation: 'unknown', resource: 'arn:aws:s3:::_localstack', read_only: false }],
  ['s3 HeadObject', req('HEAD', 'https://my-bucket.s3.amazonaws.com/k'),
    { service: 's3', method: 's3:HeadObject', operation: 'HeadObject', resource: 'arn:aws:s3:::my-bucket/k', read_only: true }],
  ['s3 CopyObject', req('PUT', 'https://dst.s3.amazonaws.com/k', { 'x-amz-copy-source': '/src/k' }),
    { service: 's3', method: 's3:CopyObject', operation: 'CopyObject', resource: 'arn:aws:s3:::dst/k', read_only: false, sources: [{ resource: 'arn:aws:s3:::src/k', bucket: 'src', object: 'k' }] }],
  ['s3 ListObjectsV2', req('GET', 'https://s3.us-west-2.amazonaws.com/my-bucket?list-type=2&prefix=logs/'),
    { service: 's3', method: 's3:ListObjectsV2', operation: 'ListObjectsV2', resource: 'arn:aws:s3:::my-bucket', region: 'us-west-2', read_only: true }],
  ['s3 GET with a form body (moto reads its fields as the listing\'s parameters)', req('GET', 'https://s3.us-west-2.amazonaws.com/my-bucket?list-type=2&prefix=logs/', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'delimiter=%40'),
    { service: 's3', method: 'unknown', operation: 'unknown', resource: 'arn:aws:s3:::my-bucket', region: 'us-west-2', read_only: false }],
  ['s3 ListObjects (v1)', req('GET', 'https://my-bucket.s3.amazonaws.com/'),
    { service: 's3', method: 's3:ListObjects', operation: 'ListObjects', resource: 'arn:aws:s3:::my-bucket', read_only: true }],
  ['s3 CreateSession (S3 Express: a GET that answers with session credentials), not ListObjects', req('GET', 'https://s3.us-east-1.amazonaws.com/my-bucket--use1-az4--x-s3?session'),
    { service: 's3', method: 's3:CreateSession', operation: 'CreateSession', resource: 'arn:aws:s3:::my-bucket--use1-az4--x-s3', region: 'us-east-1', read_only: false }],
  ['s3 DeleteBucket', req('DELETE', 'https://s3.amazonaws.com/my-bucket'),
    { service: 's3', method: 's3:DeleteBucket', operation: 'DeleteBucket', resource: 'arn:aws:s3:::my-bucket', read_only: false }],
  ['s3 PutBucketPolicy, dotted bucket, legacy dash-region host', req('PUT', 'https://my.bucket.s3-us-west-2.amazonaws.com/?policy'),
    { service: 's3', method: 's3:PutBucketPolicy', operation: 'PutBucketPolicy', resource: 'arn:aws:s3:::my.bucket', region: 'us-west-2', read_only: false }],
  ['s3 PutObjectAcl', req('PUT', 'https://my-bucket.s3.amazonaws.com/k?acl'),
    { service: 's3', method: 's3:PutObjectAcl', operation: 'PutObjectAcl', resource: 'arn:aws:s3:::my-bucket/k', read_only: false }],
  ['s3 DeleteObjects', req('POST', 'https://my-bucket.s3.amazonaws.com/?delete', { 'Content-Type': 'application/xml' }, '<Delete/>'),
    { service: 's3', method: 's3:DeleteObjects', operation: 'DeleteObjects', resource: 'arn:aws:s3:::my-bucket', read_only: false }],
  ['s3 UploadPart', req('PUT', 'https://my-bucket.s3.amazonaws.com/big?partNumber=2&uploadId=u1'),
    { service: 's3', method: 's3:UploadPart', operation: 'UploadPart', resource: 'arn:aws:s3:::my-bucket/big', read_only: false }],
  ['s3 an ACL with upload-part parameters riding along is the ACL write', req('PUT', 'https://my-bucket.s3.amazonaws.com/big?acl&partNumber=2&uploadId=u1'),
    { service: 's3', method: 's3:PutObjectAcl', operation: 'PutObjectAcl', resource: 'arn:aws:s3:::my-bucket/big', read_only: false }],
  ['s3 ListBuckets', req('GET', 'https://s3.amazonaws.com/'),
    { service: 's3', method: 's3:ListBuckets', operation: 'ListBuckets', resource: '', read_only: true }],
  ['s3 bucket named like a legacy s3 label', req('GET', 'https://s3-logs.s3.amazonaws.com/k'),
    { service: 's3', method: 's3:GetObject', operation: 'GetObject', resource: 'arn:aws:s3:::s3-logs/k', read_only: true }],
  ['s3 presigned URL on a custom endpoint (scope from X-Amz-Credential)', req('GET', 'http://minio.local:9000/b/k?X-Amz-Credential=AKIA%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=x'),
    { service: 's3', method: 's3:GetObject', operation: 'GetObject', resource: 'arn:aws:s3:::b/k', region: 'us-east-1', read_only: true }],
  ['s3 via SigV4 scope on localhost', req('DELETE', 'http://localhost:4566/b/k', sigv4('s3', 'eu-west-1')),
    { service: 's3', method: 's3:DeleteObject', operation: 'DeleteObject', resource: 'arn:aws:s3:::b/k', region: 'eu-west-1', read_only: false }],
  ['s3 in China partition', req('GET', 'https://b.s3.cn-north-1.amazonaws.com.cn/k'),
    { service: 's3', method: 's3:GetObject', operation: 'GetObject', resource: 'arn:aws-cn:s3:::b/k', region: 'cn-north-1', read_only: true }],
  // Lambda REST
  ['lambda CreateFunction', req('POST', 'https://lambda.us-east-1.amazonaws.com/2015-03-31/functions', { 'Content-Type': 'application/json' }, '{"FunctionName":"f"}'),
    { service: 'lambda', method: 'lambda:CreateFunction', operation: 'CreateFunction', resource: '', region: 'us-east-1', read_only: false }],
  ['lambda ListFunctions', req('GET', 'https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/'),
    { service: 'lambda', method: 'lambda:ListFunctions', operation: 'ListFunctions', resource: '', region: 'us-east-1', read_only: true }],
  ['lambda Invoke', req('POST', 'https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/resize/invocations'),
    { service: 'lambda', method: 'lambda:Invoke', operation: 'Invoke', resource: 'resize', region: 'us-east-1', read_only: false }],
  ['lambda UpdateFunctionCode', req('PUT', 'https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/resize/code'),
    { service: 'lambda', method: 'lambda:UpdateFunctionCode', operation: 'UpdateFunctionCode', resource: 'resize', region: 'us-east-1', read_only: false }],
  ['lambda AddPermission', req('POST', 'https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/resize/policy'),
    { service: 'lambda', method: 'lambda:AddPermission', operation: 'AddPermission', resource: 'resize', region: 'us-east-1', read_only: false }],
  ['lambda DeleteFunction by ARN', req('DELETE', 'https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Aresize'),
    { service: 'lambda', method: 'lambda:DeleteFunction', operation: 'DeleteFunction', resource: 'arn:aws:lambda:us-east-1:1:function:resize', region: 'us-east-1', read_only: false }],
  ['lambda GetFunctionConfiguration', req('GET', 'https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/resize/configuration'),
    { service: 'lambda', method: 'lambda:GetFunctionConfiguration', operation: 'GetFunctionConfiguration', resource: 'resize', region: 'us-east-1', read_only: true }],
  // contradictions and unknowns ⇒ unknown, never read-only
  ['a target and an Action together', req('POST', 'https://iam.amazonaws.com/', { ...form, 'X-Amz-Target': 'iam.GetUser' }, 'Action=CreateAccessKey'),
    { service: 'iam', method: 'unknown', operation: 'unknown', resource: '', read_only: false }],
  ['a target for another service than the endpoint', req('POST', 'https://dynamodb.us-east-1.amazonaws.com/', json('TrentService.Decrypt'), '{}'),
    { service: 'dynamodb', method: 'unknown', operation: 'unknown', resource: '', region: 'us-east-1', read_only: false }],
  ['two different Actions (query and body)', req('POST', 'https://iam.amazonaws.com/?Action=ListUsers', form, 'Action=DeleteUser&UserName=a'),
    { service: 'iam', method: 'unknown', operation: 'unknown', resource: 'a', read_only: false }],
  // moto (werkzeug) reads an Action from a body whatever type it declares, and from a GET's form body
  ['an Action inside a JSON body beside a target', req('POST', 'https://iam.amazonaws.com/', json('iam.ListUsers'), '{"x":"&Action=CreateUser&UserName=m&"}'),
    { service: 'iam', method: 'unknown', operation: 'unknown', resource: '', read_only: false }],
  ['an Action inside a JSON body declared a form', req('POST', 'https://iam.amazonaws.com/', { ...form, 'X-Amz-Target': 'iam.ListUsers' }, '{"x":"&Action=CreateUser&"}'),
    { service: 'iam', method: 'unknown', operation: 'unknown', resource: '', read_only: false }],
  ['an Action in a text/plain body beside a target', req('POST', 'https://iam.amazonaws.com/', { 'X-Amz-Target': 'iam.ListUsers', 'Content-Type': 'text/plain' }, 'Action=CreateUser&UserName=m'),
    { service: 'iam', method: 'unknown', operation: 'unknown', resource: '', read_only: false }],
  ['a GET whose form body names another Action than its query', req('GET', 'https://iam.amazonaws.com/?Action=ListUsers', form, 'Action=CreateUser&UserName=m'),
    { service: 'iam', method: 'unknown', operation: 'unknown', resource: 'm', read_only: false }],
  ['a multipart body (a form to werkzeug) beside a query Action', req('POST', 'https://iam.amazonaws.com/?Action=ListUsers', { 'Content-Type': 'multipart/form-data; boundary=b' }, '--b\r\nContent-Disposition: form-data; name="Action"\r\n\r\nCreateUser\r\n--b--\r\n'),
    { service: 'iam', method: 'unknown', operation: 'unknown', resource: '', read_only: false }],
  ['an Action header beside a target (moto reads headers as parameters when query and body are empty)', req('POST', 'https://iam.amazonaws.com/', { 'X-Amz-Target': 'iam.ListUsers', Action: 'CreateUser' }),
    { service: 'iam', method: 'unknown', operation: 'unknown', resource: '', read_only: false }],
  ['a target with a query (moto reads its parameters before the body\'s; AWS reads none)', req('POST', 'https://cognito-idp.us-east-1.amazonaws.com/?Password=x', json('AWSCognitoIdentityProviderService.AdminSetUserPassword'), '{"UserPoolId":"p","Username":"u"}'),
    { service: 'cognito-idp', method: 'unknown', operation: 'unknown', resource: '', region: 'us-east-1', read_only: false }],
  ['a target whose JSON body names a parameter read as a query string (moto reads those before the JSON)', req('POST', 'https://cognito-idp.us-east-1.amazonaws.com/', json('AWSCognitoIdentityProviderService.AdminSetUserPassword'), '{"UserPoolId":"p","Username":"u","x":"&Pass%77ord=x&"}'),
    { service: 'cognito-idp', method: 'unknown', operation: 'unknown', resource: '', region: 'us-east-1', read_only: false }],
  ['a target whose JSON body names another resource read as a query string (moto reads that SecretId)', req('POST', 'https://secretsmanager.us-east-1.amazonaws.com/', json('secretsmanager.GetSecretValue'), '{"SecretId":"public","x":"&SecretId=prod-db"}'),
    { service: 'secretsmanager', method: 'unknown', operation: 'unknown', resource: '', region: 'us-east-1', read_only: false }],
  ['control: a JSON body with = and & in no parameter-like name is read as JSON', req('POST', 'https://secretsmanager.us-east-1.amazonaws.com/', json('secretsmanager.PutSecretValue'), '{"SecretId":"s","SecretString":"https://x/?a=b&utm_source=c&X-Amz-Signature=d&{c}=e"}'),
    { service: 'secretsmanager', method: 'secretsmanager:PutSecretValue', operation: 'PutSecretValue', resource: 's', region: 'us-east-1', read_only: false }],
  // The query and JSON protocols post to the root: elsewhere the endpoint runs the REST call its path names
  ['an Action on a REST path (es DeleteDomain, judged ListDomainNames)', req('DELETE', 'https://es.us-east-1.amazonaws.com/2015-01-01/es/domain/prod?Action=ListDomainNames'),
    { service: 'es.us-east-1.amazonaws.com', method: 'unknown', operation: 'unknown', resource: '', region: 'us-east-1', read_only: false }],
  ['a target on a REST path', req('DELETE', 'https://es.us-east-1.amazonaws.com/2015-01-01/es/domain/prod', { 'X-Amz-Target': 'es.ListDomainNames' }),
    { service: 'es.us-east-1.amazonaws.com', method: 'unknown', operation: 'unknown', resource: '', region: 'us-east-1', read_only: false }],
  ['an Action by DELETE at the root', req('DELETE', 'https://iam.amazonaws.com/?Action=ListUsers'),
    { service: 'iam', method: 'unknown', operation: 'unknown', resource: '', read_only: false }],
  ['a target by GET', req('GET', 'https://dynamodb.us-east-1.amazonaws.com/', json('DynamoDB_20120810.ListTables', '1.0')),
    { service: 'dynamodb', method: 'unknown', operation: 'unknown', resource: '', region: 'us-east-1', read_only: false }],
  ['an S3 access point host with an Action (POST ?delete there deletes objects)', req('POST', 'https://ap-123456789012.s3-accesspoint.us-east-1.amazonaws.com/?delete&Action=ListThings', { 'Content-Type': 'application/xml' }, '<Delete/>'),
    { service: 'ap-123456789012.s3-accesspoint.us-east-1.amazonaws.com', method: 'unknown', operation: 'unknown', resource: '', region: 'us-east-1', read_only: false }],
  ['control: sqs at a queue URL path', req('POST', 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs', form, 'Action=SendMessage&MessageBody=x'),
    { service: 'sqs', method: 'sqs:SendMessage', operation: 'SendMessage', resource: '', region: 'us-east-1', read_only: false }],
  ['an operation not in PascalCase (moto runs getSecretValue as GetSecretValue)', req('POST', 'https://secretsmanager.us-east-1.amazonaws.com/', json('secretsmanager.getSecretValue'), '{"SecretId":"prod/db"}'),
    { service: 'secretsmanager', method: 'unknown', operation: 'unknown', resource: 'prod/db', region: 'us-east-1', read_only: false }],
  ['an Action not in PascalCase', req('GET', 'https://iam.amazonaws.com/?Action=createAccessKey&UserName=u'),
    { service: 'iam', method: 'unknown', operation: 'unknown', resource: 'u', read_only: false }],
  ['a verb in capitals (moto runs DELETETable as DeleteTable, which the verb prefixes would not name a delete)', req('POST', 'https://dynamodb.us-east-1.amazonaws.com/', json('DynamoDB_20120810.DELETETable', '1.0'), '{"TableName":"t"}'),
    { service: 'dynamodb', method: 'unknown', operation: 'unknown', resource: 't', region: 'us-east-1', read_only: false }],
  ['a query Action whose verb is in capitals', req('GET', 'https://iam.amazonaws.com/?Action=GETUser&UserName=u'),
    { service: 'iam', method: 'unknown', operation: 'unknown', resource: 'u', read_only: false }],
  ['control: acronyms after the verb (rds DescribeDBInstances)', req('POST', 'https://rds.us-east-1.amazonaws.com/', form, 'Action=DescribeDBInstances&Version=2014-10-31'),
    { service: 'rds', method: 'rds:DescribeDBInstances', operation: 'DescribeDBInstances', resource: '', region: 'us-east-1', read_only: true }],
  ['control: a GET with a form body naming the same Action', req('GET', 'https://iam.amazonaws.com/?Action=ListUsers', form, 'Action=ListUsers&MaxItems=5'),
    { service: 'iam', method: 'iam:ListUsers', operation: 'ListUsers', resource: '', read_only: true }],
  ['a signature scope naming another service than the endpoint (moto runs the scope\'s)', req('POST', 'https://iam.amazonaws.com/', { ...form, ...sigv4('s3') }, 'Action=DeleteRole&RoleName=r'),
    { service: 'iam', method: 'unknown', operation: 'unknown', resource: '', region: 'us-east-1', read_only: false }],
  ['control: a scope naming the endpoint\'s own service', req('POST', 'https://iam.amazonaws.com/', { ...form, ...sigv4('iam') }, 'Action=DeleteRole&RoleName=r'),
    { service: 'iam', method: 'iam:DeleteRole', operation: 'DeleteRole', resource: 'r', region: 'us-east-1', read_only: false }],
  ['a FIPS endpoint', req('POST', 'https://secretsmanager-fips.us-east-1.amazonaws.com/', json('secretsmanager.GetSecretValue'), '{"SecretId":"prod/db"}'),
    { service: 'secretsmanager', method: 'secretsmanager:GetSecretValue', operation: 'GetSecretValue', resource: 'prod/db', region: 'us-east-1', read_only: true }],
  ['a dual-stack endpoint', req('POST', 'https://ssm.us-east-1.api.aws/', json('AmazonSSM.GetParameter'), '{"Name":"db","WithDecryption":true}'),
    { service: 'ssm', method: 'ssm:GetParameter', operation: 'GetParameter', resource: 'db', region: 'us-east-1', read_only: true }],
  ['a VPC endpoint names its service after the endpoint id (judged vpce-0abc:GetSessionToken, a read, before)', req('GET', 'https://vpce-0abc-1def.sts.us-east-1.vpce.amazonaws.com/?Action=GetSessionToken'),
    { service: 'sts', method: 'sts:GetSessionToken', operation: 'GetSessionToken', resource: '', region: 'us-east-1', read_only: false }],
  ['a VPC endpoint of IAM keys', req('GET', 'https://vpce-0abc.iam.us-east-1.vpce.amazonaws.com/?Action=CreateAccessKey&UserName=u'),
    { service: 'iam', method: 'iam:CreateAccessKey', operation: 'CreateAccessKey', resource: 'u', region: 'us-east-1', read_only: false }],
  ['China and GovCloud endpoints', req('POST', 'https://kms.cn-north-1.amazonaws.com.cn/', json('TrentService.Decrypt'), '{}'),
    { service: 'kms', method: 'kms:Decrypt', operation: 'Decrypt', resource: '', region: 'cn-north-1', read_only: false }],
  ['a legacy global endpoint', req('GET', 'https://sts.amazonaws.com/?Action=GetSessionToken'),
    { service: 'sts', method: 'sts:GetSessionToken', operation: 'GetSessionToken', resource: '', read_only: false }],
  ['a service Warden does not know, whatever its operation is named (foo:GetSecretValue was a read)', req('GET', 'https://foo.us-east-1.amazonaws.com/?Action=GetSecretValue&SecretId=s'),
    { service: 'foo.us-east-1.amazonaws.com', method: 'unknown', operation: 'unknown', resource: '', region: 'us-east-1', read_only: false }],
  ['a host of no published shape before a known service label', req('POST', 'https://x.secretsmanager.us-east-1.amazonaws.com/', json('secretsmanager.GetSecretValue'), '{"SecretId":"prod/db"}'),
    { service: 'x.secretsmanager.us-east-1.amazonaws.com', method: 'unknown', operation: 'unknown', resource: '', region: 'us-east-1', read_only: false }],
  ['an unknown AWS host signed for a known service does not take the scope\'s', req('GET', 'https://foo.amazonaws.com/?Action=GetSecretValue&SecretId=s', sigv4('secretsmanager')),
    { service: 'foo.amazonaws.com', method: 'unknown', operation: 'unknown', resource: '', region: 'us-east-1', read_only: false }],
  ['a target alone names no service (an unsigned call to a host that names none)', req('POST', 'https://example.com/', json('secretsmanager.GetSecretValue'), '{"SecretId":"prod/db"}'),
    { service: 'example.com', method: 'unknown', operation: 'unknown', resource: '', read_only: false }],
  ['a scope region no endpoint has is not the call\'s region', req('GET', 'https://sts.amazonaws.com/?Action=GetCallerIdentity', sigv4('sts', 's3')),
    { service: 'sts', method: 'sts:GetCallerIdentity', operation: 'GetCallerIdentity', resource: '', read_only: true }],
  ['lambda path not recognised', req('POST', 'https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/f/unknown-thing'),
    { service: 'lambda', method: 'unknown', operation: 'unknown', resource: 'f', region: 'us-east-1', read_only: false }],
  ['a REST service Warden does not map', req('GET', 'https://eks.us-east-1.amazonaws.com/clusters'),
    { service: 'eks.us-east-1.amazonaws.com', method: 'unknown', operation: 'unknown', resource: '', region: 'us-east-1', read_only: false }],
  ['a host that is not AWS, unsigned', req('GET', 'https://example.com/?Action=ListUsers'),
    { service: 'example.com', method: 'unknown', operation: 'unknown', resource: '', read_only: false }],
]

test('at least 25 AWS requests are covered', () => {
  assert.ok(cases.length >= 25, `${cases.length} cases`)
})

for (const [name, request, want] of cases) {
  test(name, () => {
    assert.equal(normalizeAws(request), { provider: 'aws', ...want })
  })
}

test('the Authorization header is read for its scope but never copied', () => {
  const got = normalizeAws(req('GET', 'http://localhost:4566/b/k', sigv4('s3')))
  assert.not.ok(JSON.stringify(got).includes('AKIA'))
  assert.not.ok(JSON.stringify(got).includes('0123abcd'))
})

test('key order is stable (provider, service, method, operation, resource, region, read_only)', () => {
  const got = normalizeAws(req('GET', 'https://b.s3.us-east-1.amazonaws.com/k'))
  assert.equal(Object.keys(got), ['provider', 'service', 'method', 'operation', 'resource', 'region', 'read_only'])
})

test('never throws on garbage', () => {
  for (const r of garbageRequests) assert.type(normalizeAws(r).method, 'string')
})

test.run()
