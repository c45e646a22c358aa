// The gateway's own credential for a target's upstream, injected into every forwarded request: a bearer
// token, basic auth, a custom header, a client certificate (TLS options) or an AWS SigV4 signature.
import { readFileSync } from 'node:fs'
import type { Readable } from 'node:stream'
import type { HttpCredentialConfig, TargetConfig } from '../../engine/config/types.ts'
import { iamPrefix } from '../../engine/normalize/cloud/aws-endpoint.ts'
import { HttpGatewayError } from './errors.ts'
import { type Env, secretReader } from './secrets.ts'
import { judgedScope, signAws } from './sigv4.ts'

export interface Outgoing {
  method: string
  url: URL
  headers: Record<string, string>
  /** Whole, or streamed (an object upload, checked as it flows: upload.ts). */
  body?: Uint8Array | Readable
  /** AWS, streamed body: the payload hash to sign with (the client's declared x-amz-content-sha256). */
  payloadHash?: string
  /** The agent's Authorization header as received (AWS: its SigV4 scope names region and service). */
  agentAuthorization?: string
  /** The host the request was judged for (AWS: its endpoint names service and region). */
  judgedHost?: string
}

export interface UpstreamCredential {
  /** Headers to send (the outgoing headers with the credential added). */
  apply(req: Outgoing): Promise<Record<string, string>>
  /** TLS client certificate, for client_cert. */
  tls?: { cert: Buffer; key: Buffer }
  /**
   * The secret strings recent apply() calls sent or signed with, the last RECENT_SECRETS distinct ones
   * (response-credential.ts keeps them out of answers): an answer to a request sent before the credential
   * rotated arrives after the next apply, and may echo the value it was sent with.
   */
  secrets(): readonly string[]
}

/** Distinct secret values kept per credential: a few rotations (a basic credential sends two per request). */
export const RECENT_SECRETS = 8

function readPem(target: string, field: string, file: string): Buffer {
  try {
    return readFileSync(file)
  } catch (err) {
    throw new HttpGatewayError(503, 'http.credential_unavailable', `target ${target} has no upstream credential: read ${field} ${file}: ${(err as Error).message}`, { cause: err })
  }
}

export function upstreamCredential(target: TargetConfig, env: Env): UpstreamCredential {
  const c: HttpCredentialConfig | undefined = target.upstream_http?.credential
  const name = target.name
  if (!c) return { apply: async (req) => req.headers, secrets: () => [] }
  // What recent requests carried: read again by every apply (files and commands rotate), kept for their answers.
  let sent: readonly string[] = []
  const remember = (...values: Array<string | undefined>) => {
    const fresh = values.filter((v): v is string => v !== undefined && !sent.includes(v))
    if (fresh.length) sent = [...fresh, ...sent].slice(0, RECENT_SECRETS)
  }
  const secrets = () => sent
  const token = () => secretReader(name, 'token', { env: c.token_env, file: c.token_file, command: c.token_command, ttlSeconds: c.token_ttl_seconds }, env)
  switch (c.kind) {
    case 'bearer': {
      const read = token()
      return {
        apply: async (req) => {
          const value = await read()
          remember(value)
          return { ...req.headers, authorization: `Bearer ${value}` }
        },
        secrets,
      }
    }
    case 'header': {
      const read = token()
      const header = c.header!.toLowerCase()
      return {
        apply: async (req) => {
          const value = await read()
          remember(value)
          return { ...req.headers, [header]: value }
        },
        secrets,
      }
    }
    case 'basic': {
      const read = secretReader(name, 'password', { env: c.password_env, file: c.password_file }, env)
      return {
        apply: async (req) => {
          const password = await read()
          const basic = Buffer.from(`${c.username}:${password}`).toString('base64')
          remember(password, basic)
          return { ...req.headers, authorization: `Basic ${basic}` }
        },
        secrets,
      }
    }
    case 'client_cert': {
      // Read at each use of the credential object (built once per target), so a missing file is a 503 at request time.
      let tls: { cert: Buffer; key: Buffer } | undefined
      const cred: UpstreamCredential = {
        apply: async (req) => req.headers,
        secrets: () => [],
        get tls() {
          tls ??= { cert: readPem(name, 'cert_file', c.cert_file!), key: readPem(name, 'key_file', c.key_file!) }
          return tls
        },
      }
      return cred
    }
    case 'aws_sigv4': {
      const id = secretReader(name, 'access_key_id', { env: c.access_key_id_env }, env)
      const secret = secretReader(name, 'secret_access_key', { env: c.secret_access_key_env }, env)
      const session = c.session_token_env ? secretReader(name, 'session_token', { env: c.session_token_env }, env) : undefined
      return {
        apply: async (req) => {
          const key = { accessKeyId: await id(), secretAccessKey: await secret(), sessionToken: session ? await session().catch(() => undefined) : undefined }
          remember(key.secretAccessKey, key.sessionToken)
          const scope = judgedScope(req.judgedHost ?? req.url.host, req.agentAuthorization, req.url)
          const service = c.service ?? scope.service
          if (c.service && scope.service && iamPrefix(c.service) !== iamPrefix(scope.service)) {
            throw new HttpGatewayError(400, 'http.ambiguous', `ambiguous request refused: it was judged as a call to AWS service ${scope.service}, but target ${name} signs for ${c.service} only`)
          }
          const body = req.body instanceof Uint8Array ? req.body : undefined
          return signAws(key, { ...req, body, region: c.region ?? scope.region, service })
        },
        secrets,
      }
    }
  }
}
