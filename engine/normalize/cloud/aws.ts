// AWS request → CloudCommand with method `service:Operation` (s3:DeleteObject, iam:AttachRolePolicy).
// The endpoint decides the service, because the endpoint is what executes the call; its protocol decides
// where the operation is read: the REST path (S3, Lambda), X-Amz-Target (JSON protocol) or Action= (query
// protocol). Contradictions (a target naming another service, two different Actions) are `unknown`.
import type { CloudCommand } from '../../types.ts'
import { headerValue, normalizeHttp, parseQueryString, type RawHttpRequest } from '../http.ts'
import { awsHost, credentialScope, endpointFromHost, iamPrefix, parseTarget } from './aws-endpoint.ts'
import { knownAwsService } from './aws-services.ts'
import { lambdaCall } from './aws-lambda.ts'
import { s3Call } from './aws-s3.ts'
import { s3CopySource, withSources } from './copy-source.ts'
import { cloudRequest, type CloudRequest } from './request.ts'

const READ_PREFIXES = /^(Get|List|Describe|Head|Query|BatchGet|Scan|Select)/
// Named like reads, but they hand out credentials.
const CREDENTIAL_ISSUERS = new Set([
  'sts:GetSessionToken', 'sts:GetFederationToken', 'ecr:GetAuthorizationToken', 'ecr-public:GetAuthorizationToken',
  'codeartifact:GetAuthorizationToken', 'redshift:GetClusterCredentials', 'cognito-identity:GetCredentialsForIdentity',
  'sso:GetRoleCredentials',
])
// Request fields that name the resource a call acts on, in order of preference.
const RESOURCE_FIELDS = [
  'TableName', 'FunctionName', 'SecretId', 'KeyId', 'RoleName', 'UserName', 'GroupName', 'PolicyArn', 'RoleArn',
  'InstanceId', 'InstanceIds.1', 'InstanceId.1', 'QueueUrl', 'TopicArn', 'StackName', 'DBInstanceIdentifier',
  'DBClusterIdentifier', 'LogGroupName', 'Name', 'Names.1', 'StateMachineArn', 'ResourceArn', 'cluster', 'Bucket',
]

// AWS operations are PascalCase, a verb first. moto runs any casing its snake_case conversion maps to one
// (getSecretValue is get_secret_value): judged `secretsmanager:getSecretValue`, neither a read nor a secret one by
// name, it passed on staging as a change and answered the secret. A run of capitals is one word to it, so a verb
// in capitals (DELETETable, GETSecretValue) runs as DeleteTable, whatever the verb prefixes say: the first word
// must read as a word. Later ones may be acronyms (DescribeDBInstances); policies/rules/cloud.rego reads the
// names it lists in any case.
const OPERATION = /^[A-Z][a-z][A-Za-z0-9]*$/

function awsCommand(service: string, named: string, resource: string, region: string | undefined): CloudCommand {
  const operation = OPERATION.test(named) ? named : 'unknown'
  const known = operation !== 'unknown' && service !== ''
  const method = known ? `${service}:${operation}` : 'unknown'
  return {
    provider: 'aws', service: service || 'unknown', method, operation, resource,
    ...(region === undefined ? {} : { region }),
    read_only: known && READ_PREFIXES.test(operation) && !CREDENTIAL_ISSUERS.has(method),
  }
}

/** The first identifying field of a JSON or form body / query (`{ TableName }`, `RoleName=…`). */
function resourceField(...sources: unknown[]): string {
  for (const field of RESOURCE_FIELDS) {
    for (const source of sources) {
      if (source === null || typeof source !== 'object' || Array.isArray(source)) continue
      const value = (source as Record<string, unknown>)[field]
      const first = Array.isArray(value) ? value[0] : value
      if (typeof first === 'string' && first !== '') return first
    }
  }
  return ''
}

function single(values: Array<string | undefined>): string | undefined {
  const distinct = [...new Set(values.filter((v): v is string => v !== undefined))]
  return distinct.length === 1 ? distinct[0] : distinct.length > 1 ? 'unknown' : undefined
}

const utf8 = new TextDecoder('utf-8')

/**
 * The Action a body names read as a form, whatever type it declares. moto (werkzeug) reads a form body on any
 * method, a GET's too, and, when neither the form nor the query holds a parameter, reads any other body as a
 * query string: `{"x":"&Action=CreateUser&…"}` sent as JSON or as a form, or the same text as text/plain, ran
 * as CreateUser beside an X-Amz-Target or a query Action naming a read.
 */
function bodyAction(raw: RawHttpRequest): string | undefined {
  return bodyAsForm(raw)?.Action?.[0]
}

/** The body read as a query string, as moto reads any body when the form and the query hold no parameter. */
function bodyAsForm(raw: RawHttpRequest): Record<string, string[]> | undefined {
  const body = raw.body
  const text = typeof body === 'string' ? body : body instanceof Uint8Array ? utf8.decode(body) : ''
  return text === '' ? undefined : parseQueryString(text)
}

/**
 * A name a service's handler may ask for: `Password`, `logGroupName`, `Tags.member.1.Key`. AWS member names hold no
 * `_` or `-`, which most of a URL's own query names in a stored value do (`utm_source`, `X-Amz-Signature`).
 */
const PARAMETER_NAME = /^[A-Za-z][A-Za-z0-9.]*$/

/**
 * Whether a JSON call's body, read as a query string, names parameters. moto reads a JSON call's parameter from
 * the query string it makes of the body before the JSON (its _get_param): `{"Username":"u","x":"&Password=…&"}`
 * set the password, judged as AdminSetUserPassword setting none. A JSON text names none unless a string in it
 * holds `&name`.
 */
const bodyNamesParameters = (raw: RawHttpRequest): boolean => Object.keys(bodyAsForm(raw) ?? {}).some((name) => PARAMETER_NAME.test(name))

// The query and JSON protocols post to the service's root. A path names a REST call, which the endpoint runs by
// its path and method whatever Action or X-Amz-Target rides along (es `DELETE /2015-01-01/es/domain/D?Action=
// ListDomainNames`, judged a read, deleted the domain). SQS alone also takes a queue's URL as the path.
const SQS_QUEUE_PATH = /^\/\d{12}\/[A-Za-z0-9_-]{1,80}(?:\.fifo)?$/

function atServiceRoot(req: CloudRequest, service: string | undefined, target: boolean): boolean {
  if (req.method !== 'POST' && (target || req.method !== 'GET')) return false
  return req.rawPath === '/' || req.rawPath === '' || (service === 'sqs' && SQS_QUEUE_PATH.test(req.rawPath))
}

// S3 endpoints whose host the endpoint parser does not read as S3 (access points, Object Lambda, Multi-Region
// access points, directory buckets, S3 Control and Outposts): their first label is no service, and an Action
// beside an S3 subresource (`POST /?delete&Action=ListX` to an access point) was judged a read.
const OTHER_S3_HOST = /(?:^|\.)s3(?:express)?-[a-z0-9-]+\./

function jsonOrQueryCall(req: CloudRequest, service: string | undefined, region: string | undefined): CloudCommand {
  if (OTHER_S3_HOST.test(req.hostname)) return awsCommand(service ?? '', 'unknown', '', region)
  const http = req.method === 'GET' && !req.raw.body?.length ? undefined : normalizeHttp(req.raw)
  const body = http?.body
  const form = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {}
  const target = headerValue(req.raw.headers, 'x-amz-target')
  // A multipart body is a form to werkzeug (moto runs its Action field), and no AWS query or JSON API sends one.
  if (/^\s*multipart\//i.test(headerValue(req.raw.headers, 'content-type') ?? '')) return awsCommand(service ?? '', 'unknown', '', region)
  // With neither query nor body, moto reads the headers as parameters: an `Action` header is an Action too.
  const action = single([req.query.Action?.[0], bodyAction(req.raw), headerValue(req.raw.headers, 'action')])
  // A target and an Action together: which one runs depends on the service's protocol; do not guess.
  if (target !== undefined && action !== undefined) return awsCommand(service ?? '', 'unknown', '', region)
  if ((target !== undefined || action !== undefined) && !atServiceRoot(req, service, target !== undefined)) return awsCommand(service ?? '', 'unknown', '', region)
  // A JSON call's parameters are its body's. moto reads a parameter from the query first (its _get_param), where AWS
  // reads none: `AdminSetUserPassword?Password=…` beside a body without one set the password, judged as no password set.
  if (target !== undefined && Object.keys(req.query).length > 0) return awsCommand(service ?? '', 'unknown', '', region)
  // So is one its body names read as a query string (which AWS never reads).
  if (target !== undefined && bodyNamesParameters(req.raw)) return awsCommand(service ?? '', 'unknown', '', region)
  if (target !== undefined) {
    const parsed = parseTarget(target)
    if (!parsed) return awsCommand(service ?? '', 'unknown', '', region)
    const targetService = iamPrefix(parsed.service)
    // A target for another service than the endpoint's is not what the endpoint will run; with no service named,
    // the target alone does not name one.
    if (service === undefined || service !== targetService) return awsCommand(service ?? '', 'unknown', '', region)
    return awsCommand(targetService, parsed.operation, resourceField(form), region)
  }
  if (action !== undefined && service !== undefined) return awsCommand(service, action, resourceField(req.query, form), region)
  return awsCommand(service ?? '', 'unknown', '', region)
}

/**
 * The service a call is judged for is the one an AWS host names (another host: its SigV4 scope), when Warden knows
 * it; and the scope, when the agent signed, must name the same.
 */
export function normalizeAws(raw: RawHttpRequest): CloudCommand {
  const req = cloudRequest(raw)
  const endpoint = endpointFromHost(req.hostname)
  const scope = credentialScope(raw, req.query)
  const region = endpoint.region ?? scope?.region
  const named = awsHost(req.hostname) ? endpoint.service : scope?.service
  const service = knownAwsService(named) ? iamPrefix(named) : undefined
  // Signed for another service than the host's: AWS refuses it, an upstream serving every service at one URL (moto,
  // LocalStack) runs the one the signature names. Either way no call Warden can name.
  if (service !== undefined && scope !== undefined && iamPrefix(scope.service) !== service) return awsCommand(service, 'unknown', '', region)
  if (service === 's3') {
    const call = s3Call(req, endpoint.bucket)
    const arn = call.bucket === undefined ? '' : `arn:${endpoint.partition}:s3:::${call.bucket}${call.key === undefined ? '' : `/${call.key}`}`
    // Whatever operation it runs as, a request naming a copy source is judged as reading that source too.
    return withSources(awsCommand('s3', call.operation, arn, region), s3CopySource(raw.headers, req.query, endpoint.partition))
  }
  if (service === 'lambda') {
    const call = lambdaCall(req)
    return awsCommand('lambda', call.operation, call.resource, region)
  }
  const command = jsonOrQueryCall(req, service, region)
  // No service Warden knows: report the host so the policy sees where it was going.
  if (command.service === 'unknown' && req.hostname !== '') command.service = req.hostname
  return command
}
