// Who is calling: the agent's OIDC token from `Authorization: Bearer` (reverse mode) or from the proxy
// credentials of the CONNECT request (forward mode: `Proxy-Authorization: Bearer <jwt>`, or Basic with the
// token as the password, so `http://agent:TOKEN@127.0.0.1:PORT` proxy URLs work). The token is verified by
// the engine; it is never forwarded (headers.ts drops Authorization and Proxy-Authorization).
import { decodeJwt } from 'jose'
import type { GatewayEngine } from '../../engine/gateway.ts'
import type { Identity } from '../../engine/types.ts'
import { HttpGatewayError } from './errors.ts'
import { readCredential } from './agent-credential.ts'
import { headerValues } from './headers.ts'
import type { GatewayRequest } from './types.ts'

export interface Caller {
  identity: Identity
  token: string
}

// A verified token is remembered for up to a minute (never past its exp): an agent sends the same token on
// every request, and verifying the signature measured ~0.3 ms a request, a fifth of the gateway's own time.
const VERIFIED_TTL_MS = 60_000
const MAX_VERIFIED = 4096
const verified = new WeakMap<GatewayEngine, Map<string, { identity: Identity; until: number }>>()

async function verify(engine: GatewayEngine, token: string): Promise<Identity> {
  let cache = verified.get(engine)
  if (!cache) verified.set(engine, (cache = new Map()))
  const now = Date.now()
  const hit = cache.get(token)
  if (hit && hit.until > now) return hit.identity
  const identity = await engine.authenticate(token)
  const exp = decodeJwt(token).exp
  const until = Math.min(now + VERIFIED_TTL_MS, typeof exp === 'number' ? exp * 1000 : now)
  if (cache.size >= MAX_VERIFIED) cache.clear()
  cache.set(token, { identity, until })
  return identity
}

/** Verifies the caller's token; 401 (reverse) or 407 (forward) with a JSON reason otherwise. */
export async function authenticate(engine: GatewayEngine, req: GatewayRequest): Promise<Caller> {
  const forward = req.mode === 'forward'
  const tunnelled = req.tunnel?.proxyAuthorization
  const read = forward
    ? readCredential('Proxy-Authorization', tunnelled !== undefined ? [tunnelled] : headerValues(req.headers, 'proxy-authorization'), ['Bearer', 'Basic'])
    : readCredential('Authorization', headerValues(req.headers, 'authorization'), ['Bearer'])
  if ('malformed' in read) {
    throw new HttpGatewayError(forward ? 407 : 401, 'http.credential_malformed', `agent token refused: ${read.malformed}`, { headers: challenge(forward) })
  }
  if ('missing' in read) {
    const where = forward
      ? 'send the agent token as the proxy password (HTTPS_PROXY=http://agent:$TOKEN@host:port) or as Proxy-Authorization: Bearer'
      : 'send the agent token as Authorization: Bearer (kubectl: the kubeconfig user token; gcloud: --access-token-file)'
    throw new HttpGatewayError(forward ? 407 : 401, 'http.token_missing', `no agent token: ${where}; get one with \`npx warden token --as <agent> --group agents\``, { headers: challenge(forward) })
  }
  const { token } = read
  try {
    return { identity: await verify(engine, token), token }
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'token.invalid'
    throw new HttpGatewayError(forward ? 407 : 401, 'http.token_invalid', `agent token refused (${code}): ${(err as Error).message}`, { cause: err, headers: challenge(forward) })
  }
}

/** How a refused client is asked to authenticate (built on refusal only, not for every request). */
function challenge(forward: boolean): Record<string, string> {
  return forward ? { 'proxy-authenticate': 'Basic realm="warden", charset="UTF-8"' } : { 'www-authenticate': 'Bearer realm="warden"' }
}
