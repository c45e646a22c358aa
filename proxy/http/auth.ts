// Who is calling: the agent's OIDC token from `Authorization: Bearer` (reverse mode) or from the proxy
// credentials of the CONNECT request (forward mode: `Proxy-Authorization: Bearer <jwt>`, or Basic with the
// token as the password, so `http://agent:TOKEN@127.0.0.1:PORT` proxy URLs work). The token is verified by
// the engine; it is never forwarded (headers.ts drops Authorization and Proxy-Authorization).
import { decodeJwt, decodeProtectedHeader } from 'jose'
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
  let identity: Identity
  try {
    identity = await verify(engine, token)
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'token.invalid'
    throw new HttpGatewayError(forward ? 407 : 401, 'http.token_invalid', `agent token refused (${code}): ${(err as Error).message}`, { cause: err, headers: challenge(forward) })
  }
  if (tunnelled !== undefined) await checkTunnelCredentials(engine, req, { identity, token })
  else if (!forward) await checkReverseCredentials(engine, req, { identity, token })
  return { identity, token }
}

/** A compact JWS or JWE (a JWT, signed or encrypted): a token that names an identity, whoever issued it. */
function isJwt(value: string): boolean {
  if (!/^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*){2,4}$/.test(value)) return false
  try {
    decodeProtectedHeader(value)
    return true
  } catch {
    return false
  }
}

const described = (i: Identity) => `${i.sub} of ${i.issuer}, ${i.kind}, groups [${i.groups.join(', ')}]`

const sameIdentity = (a: Identity, b: Identity) => a.sub === b.sub && a.issuer === b.issuer && a.kind === b.kind
  && a.client_id === b.client_id && a.email === b.email && [...a.groups].sort().join('\n') === [...b.groups].sort().join('\n')

const refuse = (code: 'http.credential_malformed' | 'http.token_invalid', message: string, cause?: unknown) =>
  new HttpGatewayError(407, code, message, { cause, headers: challenge(true) })

/** A token a request names besides its caller's, and where: the header, the request, the identity it runs as. */
interface Named {
  header: string
  token: string
}

interface Place {
  /** 'a request inside the tunnel' */
  where: string
  /** Whose token the request runs with: "the tunnel's". */
  whose: string
  /** Whose identity it runs as: 'the one the tunnel was opened as'. */
  runsAs: string
  /** What the client should do instead. */
  fix: string
}

/** The token a Proxy-Authorization names (Bearer, or Basic with the token as password). */
function proxyToken(req: GatewayRequest, place: Place): Named[] {
  const proxy = headerValues(req.headers, 'proxy-authorization')
  if (!proxy.length) return []
  const read = readCredential('Proxy-Authorization', proxy, ['Bearer', 'Basic'])
  if ('malformed' in read) throw refuse('http.credential_malformed', `${place.where} carries its own Proxy-Authorization, which was refused: ${read.malformed}; ${place.fix}`)
  return 'token' in read ? [{ header: 'Proxy-Authorization', token: read.token }] : []
}

/**
 * Each token a request names besides the one it runs with must be that token, or a valid one of the same identity:
 * otherwise the request would run as the caller while its client believes it runs as the other. Refused with 407.
 */
async function checkNamed(engine: GatewayEngine, named: Named[], caller: Caller, place: Place): Promise<void> {
  for (const { header, token } of named) {
    if (token === caller.token) continue
    let identity: Identity
    try {
      identity = await verify(engine, token)
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'token.invalid'
      throw refuse('http.token_invalid', `the ${header} of ${place.where} carries a token other than ${place.whose}, and it was refused (${code}): ${(err as Error).message}; ${place.fix}`, err)
    }
    if (!sameIdentity(identity, caller.identity)) {
      throw refuse('http.token_invalid', `the ${header} of ${place.where} names another identity (${described(identity)}) than ${place.runsAs} (${described(caller.identity)}); ${place.fix}`)
    }
  }
}

const TUNNEL: Place = {
  where: 'a request inside the tunnel',
  whose: "the tunnel's",
  runsAs: 'the one the tunnel was opened as',
  fix: "every request in a tunnel runs as the identity that opened it: open a tunnel with that token, or send the tunnel's token there, or none",
}

const REVERSE: Place = {
  where: 'a request',
  whose: 'its Authorization bearer',
  runsAs: 'its Authorization bearer',
  fix: 'a request runs as its Authorization bearer: send that token as Proxy-Authorization too, or none',
}

/**
 * Inside an intercepted tunnel a request is judged as the identity of the CONNECT's token. A request that names
 * another one (its own Proxy-Authorization, or a JWT as Authorization: Bearer: a kubeconfig or gcloud access
 * token) would run as the tunnel's while its client believes it runs as its own: refused with 407 unless that
 * token is the tunnel's, or a valid one of the same identity. Neither header is ever forwarded (headers.ts). An
 * opaque bearer (not a JWT) names no identity the gateway knows: dropped on the way, as every agent credential.
 */
async function checkTunnelCredentials(engine: GatewayEngine, req: GatewayRequest, tunnel: Caller): Promise<void> {
  const named = proxyToken(req, TUNNEL)
  const bearers = headerValues(req.headers, 'authorization').filter((v) => /^\s*bearer(?:\s|$)/i.test(v))
  if (bearers.length) {
    const read = readCredential('Authorization', bearers, ['Bearer'])
    if ('malformed' in read) throw refuse('http.credential_malformed', `a request inside the tunnel carries an Authorization bearer that was refused: ${read.malformed}`)
    if ('token' in read && isJwt(read.token)) named.push({ header: 'Authorization', token: read.token })
  }
  await checkNamed(engine, named, tunnel, TUNNEL)
}

/**
 * Reverse mode runs a request as its Authorization bearer. A Proxy-Authorization naming another identity was
 * dropped on the way (headers.ts), so the request ran as the bearer while its client believed it ran as the other:
 * refused with 407 as inside a tunnel, unless it carries the bearer's token or a valid one of the same identity.
 */
async function checkReverseCredentials(engine: GatewayEngine, req: GatewayRequest, caller: Caller): Promise<void> {
  await checkNamed(engine, proxyToken(req, REVERSE), caller, REVERSE)
}

/** How a refused client is asked to authenticate (built on refusal only, not for every request). */
function challenge(forward: boolean): Record<string, string> {
  return forward ? { 'proxy-authenticate': 'Basic realm="warden", charset="UTF-8"' } : { 'www-authenticate': 'Bearer realm="warden"' }
}
