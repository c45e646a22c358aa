// Risk of a cloud API call (GCP, AWS). Deterministic; the score table:
//
//   read-only operation ............................ 10
//   other known operation (creates, updates …) ..... 45
//   unrecognised operation (method `unknown`) ...... 60
// then raised to at least:
//   start / stop / restart / resize running infrastructure ... 50
//   invoking a function or execution ............... 50
//   deploying code or infrastructure ............... 55
//   exporting data out of a database ............... 60
//   deleting ....................................... 70
//   reading secret material (secret payloads, decrypt) ... 70
//   running commands on machines (SSM, instance connect) ... 80
//   deleting a whole project / bucket / cluster / database / table / secret ... 85
//   issuing credentials (tokens, keys, assumed roles) ... 85
//   changing IAM or access policy (setIamPolicy, iam writes, bucket policy / ACL, permissions) ... 90
import type { CloudCommand, Risk } from '../../types.ts'
import { riskOf } from './http.ts'

const SECRET_READS = new Set([
  'secretmanager.versions.access', 'secretsmanager:GetSecretValue', 'secretsmanager:BatchGetSecretValue',
  'ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'kms:Decrypt',
])
const CREDENTIAL_ISSUERS = new Set([
  'iam.serviceAccounts.getAccessToken', 'iam.serviceAccounts.getOpenIdToken', 'iam.serviceAccounts.signBlob',
  'iam.serviceAccounts.signJwt', 'iam.serviceAccountKeys.create', 'storage.hmacKeys.create',
  'sts:AssumeRole', 'sts:AssumeRoleWithSAML', 'sts:AssumeRoleWithWebIdentity', 'sts:GetSessionToken',
  'sts:GetFederationToken', 'iam:CreateAccessKey', 'iam:CreateLoginProfile', 'iam:UpdateLoginProfile',
  'ecr:GetAuthorizationToken', 'codeartifact:GetAuthorizationToken', 'redshift:GetClusterCredentials',
  'sso:GetRoleCredentials', 'cognito-identity:GetCredentialsForIdentity',
])
const POLICY_CHANGES = new Set([
  's3:PutBucketPolicy', 's3:DeleteBucketPolicy', 's3:PutBucketAcl', 's3:PutObjectAcl', 's3:PutPublicAccessBlock',
  's3:DeletePublicAccessBlock', 's3:PutBucketOwnershipControls', 'lambda:AddPermission', 'lambda:RemovePermission',
  'lambda:CreateFunctionUrlConfig', 'kms:PutKeyPolicy', 'kms:CreateGrant', 'secretsmanager:PutResourcePolicy',
  'secretsmanager:DeleteResourcePolicy', 'sns:AddPermission', 'sqs:AddPermission', 'ecr:SetRepositoryPolicy',
  'organizations:AttachPolicy', 'organizations:DetachPolicy', 'organizations:CreatePolicy', 'organizations:UpdatePolicy',
])
const WHOLE_DELETES = new Set([
  'resourcemanager.projects.delete', 'storage.buckets.delete', 'container.clusters.delete', 'cloudsql.instances.delete',
  'cloudsql.databases.delete', 'secretmanager.secrets.delete', 'secretmanager.versions.destroy',
  's3:DeleteBucket', 's3:DeleteObjects', 'dynamodb:DeleteTable', 'rds:DeleteDBInstance', 'rds:DeleteDBCluster',
  'ec2:TerminateInstances', 'eks:DeleteCluster', 'cloudformation:DeleteStack', 'secretsmanager:DeleteSecret',
  'kms:ScheduleKeyDeletion', 'lambda:DeleteFunction', 'logs:DeleteLogGroup',
])
const COMMAND_RUNNERS = new Set(['ssm:SendCommand', 'ssm:StartSession', 'ec2-instance-connect:SendSSHPublicKey'])
const DEPLOYS = new Set([
  'cloudfunctions.functions.create', 'cloudfunctions.functions.update', 'compute.instances.create',
  'compute.instances.setMetadata', 'compute.projects.setCommonInstanceMetadata', 'container.clusters.create',
  'cloudsql.instances.create', 'lambda:CreateFunction', 'lambda:UpdateFunctionCode',
  'lambda:UpdateFunctionConfiguration', 'lambda:PublishVersion', 'ec2:RunInstances', 'cloudformation:CreateStack',
  'cloudformation:UpdateStack', 'ecs:UpdateService', 'ecs:RegisterTaskDefinition', 'eks:CreateCluster',
])
const INVOKES = new Set(['lambda:Invoke', 'lambda:InvokeAsync', 'cloudfunctions.functions.call', 'states:StartExecution'])
const EXPORTS = new Set([
  'cloudsql.instances.export', 'rds:StartExportTask', 'dynamodb:ExportTableToPointInTime', 'ec2:CreateSnapshot',
])
const STATE_CHANGES = /^(start|stop|reset|restart|resize|suspend|resume|failover|promoteReplica|Start\w*Instances?|Stop\w*Instances?|Reboot\w*)$/
const GCP_DELETE = new Set(['delete', 'destroy'])
const AWS_DELETE = /^(Delete|Terminate|Remove|Purge|Destroy|Schedule\w*Deletion)/

function isPolicyChange(c: CloudCommand): boolean {
  if (c.read_only || CREDENTIAL_ISSUERS.has(c.method)) return false
  if (c.operation === 'setIamPolicy' || POLICY_CHANGES.has(c.method)) return true
  if (c.provider === 'aws') return c.service === 'iam'
  return c.method.startsWith('iam.roles.') || c.method.startsWith('iam.serviceAccounts.')
}

export function cloudRisk(c: CloudCommand): Risk {
  if (c.method === 'unknown') return riskOf(60, [`unrecognised ${c.provider} operation on ${c.service}`])
  let score = c.read_only ? 10 : 45
  const reasons = [c.read_only ? `read-only ${c.method}` : `${c.method} changes resources`]
  const atLeast = (min: number, reason: string) => {
    score = Math.max(score, min)
    reasons.push(reason)
  }
  if (STATE_CHANGES.test(c.operation)) atLeast(50, 'changes the state of running infrastructure')
  if (INVOKES.has(c.method)) atLeast(50, 'invokes code')
  if (DEPLOYS.has(c.method)) atLeast(55, 'deploys code or infrastructure')
  if (EXPORTS.has(c.method)) atLeast(60, 'exports data')
  const deleting = c.provider === 'gcp' ? GCP_DELETE.has(c.operation) : AWS_DELETE.test(c.operation)
  if (deleting) atLeast(70, 'deletes resources')
  if (SECRET_READS.has(c.method)) atLeast(70, 'reads secret material')
  if (COMMAND_RUNNERS.has(c.method)) atLeast(80, 'runs commands on machines')
  if (WHOLE_DELETES.has(c.method)) atLeast(85, 'deletes a whole top-level resource')
  if (CREDENTIAL_ISSUERS.has(c.method)) atLeast(85, 'issues credentials')
  if (isPolicyChange(c)) atLeast(90, 'changes IAM or access policy')
  return riskOf(score, reasons)
}
