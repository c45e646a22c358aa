// Where an AWS request goes: the service and region from its endpoint host, from its SigV4 credential
// scope (Authorization header or a presigned URL's X-Amz-Credential), and the service an X-Amz-Target names.
import { headerValue, type RawHttpRequest } from '../http.ts'
import { knownAwsService } from './aws-services.ts'

export interface AwsEndpoint {
  /** Signing name as the host or scope gives it (s3, dynamodb, monitoring …). */
  service?: string
  region?: string
  /** S3 virtual-hosted bucket (BUCKET.s3.REGION.amazonaws.com). */
  bucket?: string
  partition: string
}

const REGION = /^[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d+$/
const S3_LABEL = /^s3(?:-(?:fips|external-1|accelerate|website|[a-z]{2}(?:-gov)?-[a-z]+-\d+))?$/
const AWS_SUFFIX = /^(.*)\.(amazonaws\.com(?:\.cn)?|api\.aws)$/

// Hosts that put a label before the service's own (api.ecr.REGION.amazonaws.com, streams.dynamodb.REGION…): the
// service is signed under the name here. Read as the first label, they were service `api` or `streams`, which no
// X-Amz-Target matched: every call (describe-repositories) was held as one Warden cannot name. SageMaker
// (api.sagemaker) stays unnamed, so held: its Describe… answers carry container environment maps under a dozen
// shapes that the policy does not mask yet, and naming it would pass them as reads.
const PREFIXED_HOSTS: Record<string, string> = { 'api.ecr': 'ecr', 'api.ecr-public': 'ecr-public', 'streams.dynamodb': 'dynamodb' }

/** Signing names whose IAM action prefix differs. */
const IAM_PREFIX: Record<string, string> = { monitoring: 'cloudwatch', email: 'ses', queue: 'sqs' }
export const iamPrefix = (service: string) => IAM_PREFIX[service] ?? service

/** A host under an AWS domain, where the host alone names the service. */
export const awsHost = (hostname: string) => /(?:^|\.)(?:amazonaws\.com(?:\.cn)?|api\.aws)$/.test(hostname)

export function endpointFromHost(hostname: string): AwsEndpoint {
  const match = AWS_SUFFIX.exec(hostname)
  if (!match) return { partition: 'aws' }
  const partition = match[2]!.endsWith('.cn') ? 'aws-cn' : 'aws'
  const labels = match[1]!.split('.')
  const regionLabel = labels.find((label) => REGION.test(label))
  let s3 = -1
  for (let i = 0; i < labels.length; i++) if (S3_LABEL.test(labels[i]!)) s3 = i
  if (s3 >= 0) {
    // Labels before the last s3 label name the bucket (which may hold dots); VPC endpoint ids are not part of it.
    const bucket = labels.slice(0, s3).filter((label) => !label.startsWith('vpce-')).join('.')
    const legacyRegion = /^s3-(.+)$/.exec(labels[s3]!)?.[1]
    const region = regionLabel ?? (legacyRegion && REGION.test(legacyRegion) ? legacyRegion : undefined)
    return withRegion({ service: 's3', partition, ...(bucket ? { bucket } : {}) }, region)
  }
  return withRegion({ service: serviceOf(labels), partition: labels[1] === 'us-gov' ? 'aws-us-gov' : partition }, regionLabel)
}

/**
 * The service a non-S3 host names, by the shapes AWS publishes: SERVICE[-fips].REGION, SERVICE (global; GovCloud's
 * SERVICE.us-gov), REGION.queue, PREFIX.SERVICE.REGION (api.ecr), ID.execute-api.REGION and the VPC endpoint
 * vpce-ID.SERVICE.REGION.vpce. A signing name Warden does not know, or a host of another shape, names none. Read
 * as its first label, a VPC endpoint `vpce-0abc.secretsmanager…` was service `vpce-0abc`, whose GetSecretValue (by
 * query Action) passed as a plain read.
 */
function serviceOf(labels: string[]): string | undefined {
  const [first = '', second, third, fourth] = labels
  const region = (label: string | undefined) => label !== undefined && REGION.test(label)
  let named: string | undefined
  if (labels.length === 4 && /^vpce-[a-z0-9-]+$/.test(first) && region(third) && fourth === 'vpce') named = second
  else if (labels.length === 3 && second === 'execute-api' && region(third)) named = 'execute-api'
  else if (labels.length === 3 && region(third)) named = PREFIXED_HOSTS[`${first}.${second!.replace(/-fips$/, '')}`]
  else if (labels.length === 2 && region(first)) named = second
  else if (labels.length === 2 && region(second)) named = first
  // GovCloud's global endpoints (iam.us-gov.amazonaws.com).
  else if (labels.length === 2 && second === 'us-gov') named = first
  else if (labels.length === 1) named = first
  named = named?.replace(/-fips$/, '')
  return knownAwsService(named) ? named : undefined
}

function withRegion(endpoint: AwsEndpoint, region: string | undefined): AwsEndpoint {
  if (endpoint.service === undefined) delete endpoint.service
  if (region !== undefined) endpoint.region = region
  if (region?.startsWith('us-gov-')) endpoint.partition = 'aws-us-gov'
  return endpoint
}

/** SigV4 `Credential=AKID/DATE/REGION/SERVICE/aws4_request` (SigV4a omits the region). The key id is not kept. */
export function credentialScope(req: RawHttpRequest, query: Record<string, string[]>): { service: string; region?: string } | undefined {
  const authorization = headerValue(req.headers, 'authorization') ?? ''
  const credential = /Credential=([^,\s]+)/.exec(authorization)?.[1] ?? query['X-Amz-Credential']?.[0]
  const parts = credential?.split('/')
  if (!parts || parts[parts.length - 1] !== 'aws4_request') return undefined
  // A region no endpoint has is dropped: signed for `s3` as its region, a call judged for sts.amazonaws.com ran
  // at moto (which builds the host SERVICE.REGION.amazonaws.com from the scope) as S3.
  if (parts.length === 5) return REGION.test(parts[2]!) ? { service: parts[3]!, region: parts[2]! } : { service: parts[3]! }
  if (parts.length === 4) return { service: parts[2]! }
  return undefined
}

// X-Amz-Target prefixes (`DynamoDB_20120810.DeleteTable`) of the JSON-protocol services.
const TARGET_SERVICES: Array<[RegExp, string]> = [
  [/^DynamoDB_\d+$/, 'dynamodb'],
  [/^DynamoDBStreams_\d+$/, 'dynamodb'],
  [/^TrentService$/, 'kms'],
  [/^secretsmanager$/, 'secretsmanager'],
  [/^AmazonSSM$/, 'ssm'],
  [/^Logs_\d+$/, 'logs'],
  [/^AmazonEC2ContainerServiceV\d+$/, 'ecs'],
  [/^AmazonEC2ContainerRegistry_V\d+$/, 'ecr'],
  [/^Kinesis_\d+$/, 'kinesis'],
  [/^AWSStepFunctions$/, 'states'],
  [/^AmazonSQS$/, 'sqs'],
  [/^AWSEvents$/, 'events'],
  [/^Firehose_\d+$/, 'firehose'],
  [/^AWSGlue$/, 'glue'],
  [/^AWSOrganizationsV\d+$/, 'organizations'],
  [/^AWSCognitoIdentityProviderService$/, 'cognito-idp'],
  [/^CodeBuild_\d+$/, 'codebuild'],
  [/^AmazonAthena$/, 'athena'],
  [/^CertificateManager$/, 'acm'],
  [/^GraniteServiceVersion\d+$/, 'monitoring'],
  [/^SpencerFrontendService$/, 'ecr-public'],
  // Prefixes that do not spell their signing name (botocore's targetPrefix): read as `com.amazonaws.cloudtrail.…`,
  // `awscognitoidentityservice`, `redshiftserverless`, a call to a service Warden knows was one it could not name.
  [/^com\.amazonaws\.cloudtrail\.v\d+\.CloudTrail_\d+$/, 'cloudtrail'],
  [/^AWSCognitoIdentityService$/, 'cognito-identity'],
  [/^RedshiftServerless$/, 'redshift-serverless'],
]

/** Service and operation an X-Amz-Target header names. */
export function parseTarget(target: string): { service: string; operation: string } | undefined {
  const dot = target.lastIndexOf('.')
  if (dot <= 0 || dot === target.length - 1) return undefined
  const prefix = target.slice(0, dot)
  const known = TARGET_SERVICES.find(([pattern]) => pattern.test(prefix))?.[1]
  return { service: known ?? prefix.replace(/_?V?\d+$/, '').toLowerCase(), operation: target.slice(dot + 1) }
}
