// Case-insensitive access to header lists, and the headers that never cross the gateway.
import type { HeaderList } from './types.ts'

/** Every value of a header, by case-insensitive name. */
export function headerValues(headers: HeaderList, name: string): string[] {
  const lower = name.toLowerCase()
  const out: string[] = []
  for (const [k, v] of headers) if (k.toLowerCase() === lower) out.push(v)
  return out
}

/** One header's values joined with ", ", or undefined. */
export function headerValue(headers: HeaderList, name: string): string | undefined {
  const values = headerValues(headers, name)
  return values.length ? values.join(', ') : undefined
}

// Connection-level headers (RFC 9110 §7.6.1) and the agent's credentials: never forwarded upstream.
const DROPPED = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'host', 'authorization', 'content-length', 'content-encoding', 'expect',
  'x-amz-security-token', 'x-amz-date', 'x-amz-content-sha256', 'cookie',
])

/**
 * Headers by which an authenticating proxy tells its upstream who the caller is: Kubernetes' front proxy
 * (X-Remote-User/Group/Uid/Extra-*, trusted from a requestheader client certificate, which a target's
 * client_cert credential may be), oauth2-proxy, IAP, ALB, EasyAuth, Grafana's auth proxy. To the upstream the
 * gateway is that proxy, so an agent's own copy would be read as the gateway's word: never forwarded.
 */
const IDENTITY_ASSERTION = /^(x-remote-|x-forwarded-(user|email|groups|preferred-username|access-token)$|x-auth-request-|remote-user$|x-webauth-|x-ms-client-principal|x-goog-authenticated-user-|x-goog-iap-jwt-assertion$|x-amzn-oidc-)/

/**
 * Headers by which a proxy tells its upstream where a request came from and how it was addressed: the client's
 * address (trusted by allowlists and rate limits), the host, port and path prefix the upstream rebuilds the
 * request URL from (Spring's ForwardedHeaderFilter, Express `trust proxy`, Rails). The gateway is that proxy and
 * asserts none of them; an agent's copy would be read as the gateway's word: never forwarded. (X-Forwarded-Proto
 * is kept: the normalizer shows it to the policy, and the agent did speak TLS to the gateway.)
 */
const FORWARDING_ASSERTION = /^(forwarded|x-forwarded-(for|host|port|prefix|path|uri|server)|x-real-ip|x-client-ip|true-client-ip|x-cluster-client-ip|cf-connecting-ip|fastly-client-ip|x-original-forwarded-for|x-original-host|x-forwarded)$/

/** The request headers that may go upstream (as a record, lower-case names): credentials and hop-by-hop removed. */
export function forwardableHeaders(headers: HeaderList, keepUpgrade: boolean): Record<string, string> {
  const connectionListed = new Set(headerValues(headers, 'connection').flatMap((v) => v.split(',').map((s) => s.trim().toLowerCase())))
  const out: Record<string, string> = {}
  for (const [k, v] of headers) {
    const name = k.toLowerCase()
    const upgrade = keepUpgrade && (name === 'upgrade' || name === 'connection')
    if (!upgrade && (DROPPED.has(name) || connectionListed.has(name))) continue
    // CGI, WSGI, Rack and PHP servers read '_' in a name as '-': X_Remote_User is X-Remote-User to them.
    const spelled = name.replaceAll('_', '-')
    if (spelled.startsWith('x-warden-') || IDENTITY_ASSERTION.test(spelled) || FORWARDING_ASSERTION.test(spelled)) continue
    out[name] = out[name] === undefined ? v : `${out[name]}, ${v}`
  }
  return out
}

/**
 * Answer headers that never reach the client. Set-Cookie: the gateway never forwards a Cookie, so a cookie is of
 * use only outside it, where a session the upstream opened for the gateway's credential is that credential.
 * Trailer: the gateway forwards no trailers, so it would announce fields that never come (and beside the
 * Content-Length of a masked body, node refuses to write it).
 */
const UPSTREAM_ONLY = ['set-cookie', 'set-cookie2', 'trailer']

/** Removes, in place, the answer headers the client never gets; how many were removed. */
export function dropUpstreamOnly(headers: Record<string, unknown>): number {
  let dropped = 0
  for (const name of UPSTREAM_ONLY) {
    if (headers[name] === undefined) continue
    delete headers[name]
    dropped++
  }
  return dropped
}
