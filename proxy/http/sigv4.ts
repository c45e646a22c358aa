// AWS requests leave the gateway signed with the gateway's held key: the agent's own signature (and any
// x-amz-security-token) was dropped with its headers, and the request is signed anew with Signature Version 4
// by @smithy/signature-v4, the signer the AWS SDK itself uses.
// @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
import { Sha256 } from '@aws-crypto/sha256-js'
import { SignatureV4 } from '@smithy/signature-v4'
import { createHash } from 'node:crypto'
import { awsHost, credentialScope, endpointFromHost, iamPrefix } from '../../engine/normalize/cloud/aws-endpoint.ts'
import { HttpGatewayError } from './errors.ts'

export interface AwsKey {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

export interface SignInput {
  method: string
  /** Upstream URL with the raw (still percent-encoded) path and query that are forwarded. */
  url: URL
  headers: Record<string, string>
  body?: Uint8Array
  /** The payload hash to sign instead of the body's (a streamed upload: the client's x-amz-content-sha256). */
  payloadHash?: string
  /** Signing scope: from config, else the agent's own credential scope, else the endpoint host. */
  region?: string
  service?: string
}

/**
 * The service and region to sign for: those the request was judged for, in the AWS normalizer's order
 * (engine/normalize/cloud/aws.ts): the judged endpoint host, else the agent's own SigV4 scope (its Authorization
 * header, else a presigned URL's X-Amz-Credential); the key id is not kept. An upstream that serves every service
 * at one URL (moto, LocalStack) runs the service the signature names, so a scope that names another service than
 * the judged host is refused: signed as it asks, an S3 read to s3.amazonaws.com ran at the upstream as IAM CreateUser.
 */
export function judgedScope(judgedHost: string, agentAuthorization: string | undefined, url: URL): { region?: string; service?: string } {
  const hostname = judgedHost.replace(/:\d+$/, '').replace(/\.$/, '').toLowerCase()
  const endpoint = endpointFromHost(hostname)
  // A host of a service Warden does not know (judged a call it cannot name, signed once a reviewer approved it) is
  // signed for its first label, as AWS hosts are named: never for the service the agent's own scope names instead.
  const named = endpoint.service ?? (awsHost(hostname) ? hostname.split('.', 1)[0]!.replace(/-fips$/, '') : undefined)
  const scope = credentialScope({ method: 'GET', url: '/', headers: { authorization: agentAuthorization } }, { 'X-Amz-Credential': url.searchParams.getAll('X-Amz-Credential') })
  if (named !== undefined && scope !== undefined && iamPrefix(named) !== iamPrefix(scope.service)) {
    throw new HttpGatewayError(400, 'http.ambiguous', `ambiguous request refused: its SigV4 credential scope names service ${scope.service}, but it was judged for ${judgedHost} (service ${named}); sign for the endpoint's own service`)
  }
  return { service: named ?? scope?.service, region: endpoint.region ?? scope?.region }
}

function queryRecord(search: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [k, v] of new URLSearchParams(search)) {
    const prev = out[k]
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
  }
  return out
}

/** Returns the headers to send: the input headers plus host, x-amz-date, x-amz-content-sha256, (x-amz-security-token) and Authorization. */
export async function signAws(key: AwsKey, input: SignInput): Promise<Record<string, string>> {
  const fromHost = endpointFromHost(input.url.hostname)
  const service = input.service ?? fromHost.service ?? 's3'
  const region = input.region ?? fromHost.region ?? 'us-east-1'
  const signer = new SignatureV4({
    credentials: key,
    region,
    service,
    sha256: Sha256,
    // S3 signs the path as sent; every other service double-encodes it.
    uriEscapePath: service !== 's3',
  })
  const payloadHash = input.payloadHash ?? createHash('sha256').update(input.body ?? new Uint8Array()).digest('hex')
  const headers: Record<string, string> = { ...input.headers, host: input.url.host, 'x-amz-content-sha256': payloadHash }
  const signed = await signer.sign({
    method: input.method,
    protocol: input.url.protocol,
    hostname: input.url.hostname,
    port: input.url.port ? Number(input.url.port) : undefined,
    path: input.url.pathname,
    query: queryRecord(input.url.search),
    headers,
    body: input.body,
  })
  return signed.headers as Record<string, string>
}
