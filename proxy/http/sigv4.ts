// AWS requests leave the gateway signed with the gateway's held key: the agent's own signature (and any
// x-amz-security-token) was dropped with its headers, and the request is signed anew with Signature Version 4
// by @smithy/signature-v4, the signer the AWS SDK itself uses.
// @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
import { Sha256 } from '@aws-crypto/sha256-js'
import { SignatureV4 } from '@smithy/signature-v4'
import { createHash } from 'node:crypto'
import { endpointFromHost } from '../../engine/normalize/cloud/aws-endpoint.ts'

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

/** The agent's SigV4 scope (`Credential=AKID/DATE/REGION/SERVICE/aws4_request`); the key id is not kept. */
export function agentScope(authorization: string | undefined): { region?: string; service?: string } {
  const parts = /Credential=([^,\s]+)/.exec(authorization ?? '')?.[1]?.split('/')
  return parts?.length === 5 ? { region: parts[2], service: parts[3] } : {}
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
