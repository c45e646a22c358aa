// The aws target the HTTP tests put in front of moto, and moto's own request signature for calls straight to it.
import { execFile } from 'node:child_process'
import type { TargetConfig } from '../../../engine/config/types.ts'
import type { StoragePeer } from './storage.ts'

/** The key the test gateway holds for moto targets (the variables motoTarget's credential names). */
export const HELD_AWS_ENV = { HELD_AWS_ID: 'AKIDGATEWAYHELD0001', HELD_AWS_SECRET: 'gateway-held-secret' }

/**
 * An aws target whose upstream is moto, signed with the held key: `prod-aws` in production for every
 * amazonaws.com host, unless `fields` name another target (a staging one with an `api_host` and no hosts).
 */
export function motoTarget(moto: StoragePeer, fields: { name?: string; environment?: string; api_host?: string; hosts?: string[] } = {}): TargetConfig {
  const { name = 'prod-aws', environment = 'production', api_host, hosts = ['*.amazonaws.com', 'amazonaws.com'] } = fields
  return {
    name, kind: 'aws', environment, labels: {},
    upstream_http: {
      url: moto.url, ca_file: moto.caFile, ...(api_host ? { api_host } : {}),
      credential: { kind: 'aws_sigv4', access_key_id_env: 'HELD_AWS_ID', secret_access_key_env: 'HELD_AWS_SECRET' }, hosts,
    },
  }
}

/** An Authorization header moto takes for a call straight to it (its own test key; moto checks no signature). */
export const motoSignature = (service: string) =>
  `AWS4-HMAC-SHA256 Credential=AKIDMOTOOWNKEY000001/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`

/** A call straight to moto with curl, under moto's own signature: what moto holds, the gateway bypassed. Answers the body. */
export function motoCurl(moto: StoragePeer, service: string, method: string, path: string, args: string[] = []): Promise<string> {
  const argv = ['-sS', '-X', method, '--cacert', moto.caFile, '-H', `authorization: ${motoSignature(service)}`, ...args, `${moto.url}${path}`]
  return new Promise((resolve, reject) => execFile('curl', argv, (err, out) => (err ? reject(err) : resolve(out))))
}
