// Which target a request is for. Reverse mode: the path prefix /t/<target>/ — kubectl's `server:`, gcloud's
// endpoint overrides and aws --endpoint-url all accept a URL with a path, so one listener (one port, one TLS
// certificate) serves every target and adding a target needs no new port. Forward mode: the CONNECT authority
// matched against each target's upstream_http.hosts patterns.
import type { TargetConfig } from '../../engine/config/types.ts'
import { HTTP_TARGET_KINDS } from '../../engine/config/http-upstream.ts'
import { HttpGatewayError } from './errors.ts'

export const ROUTE_PREFIX = '/t/'

export interface ReverseRoute {
  targetName: string
  /** The rest of the request target after /t/<name>, starting with `/` (query included). */
  rest: string
}

/** `/t/prod-k8s/api/v1/pods?watch=1` → prod-k8s + `/api/v1/pods?watch=1`. */
export function reverseRoute(url: string): ReverseRoute {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new HttpGatewayError(400, 'http.ambiguous', 'ambiguous request refused: an absolute URL was sent to the reverse proxy; address the target as /t/<target>/<path> (or use the gateway as HTTPS_PROXY on its proxy port)')
  }
  if (!url.startsWith(ROUTE_PREFIX)) {
    throw new HttpGatewayError(404, 'http.no_route', `no route for ${JSON.stringify(url.slice(0, 200))}: address a target as /t/<target>/<path> (e.g. a kubeconfig server: http://127.0.0.1:8480/t/prod-k8s)`)
  }
  const after = url.slice(ROUTE_PREFIX.length)
  const end = after.search(/[/?]/)
  const targetName = end < 0 ? after : after.slice(0, end)
  let rest = end < 0 ? '/' : after.slice(end)
  if (rest.startsWith('?')) rest = `/${rest}`
  return { targetName, rest }
}

/** The target an HTTP request is addressed to, by name; 404 / 400 when it is not an HTTP-kind target. */
export function httpTarget(target: TargetConfig | undefined, name: string): TargetConfig {
  if (!target) throw new HttpGatewayError(404, 'http.unknown_target', `no target named ${JSON.stringify(name)}; the config's targets list names the ones this gateway serves`)
  if (!HTTP_TARGET_KINDS.has(target.kind)) {
    throw new HttpGatewayError(400, 'http.not_http_target', `target ${target.name} is a ${target.kind} target; it is not served over HTTP (use its own protocol listener)`)
  }
  return target
}

/** host[:port], lower-case, trailing dots removed, port defaulting to 443. */
export function splitAuthority(authority: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(authority.trim().toLowerCase())
  if (!m) throw new HttpGatewayError(400, 'http.ambiguous', `malformed authority ${JSON.stringify(authority.slice(0, 200))}: expected host[:port]`)
  return { host: m[1]!.replace(/\.+$/, ''), port: m[2] ? Number(m[2]) : 443 }
}

/** A DNS name or IPv4 address (dot-separated labels of letters, digits, `-` and `_`), or a bracketed IPv6 address. */
const HOST_NAME = /^(?:\[[0-9a-f:.]+\]|[a-z0-9_-]{1,63}(?:\.[a-z0-9_-]{1,63})*)$/

/**
 * The host and port a CONNECT asks for, refused unless the host is a plain name or address. A pattern matches
 * label by label, so `evil/.googleapis.com` or `evil?.googleapis.com` would match `*.googleapis.com` while a URL
 * parser reads the host as `evil`: a target without upstream_http.url would send its credential there.
 */
export function requestAuthority(authority: string): { host: string; port: number } {
  const parsed = splitAuthority(authority)
  if (!HOST_NAME.test(parsed.host) || parsed.host.length > 253 || parsed.port < 1 || parsed.port > 65535) {
    throw new HttpGatewayError(400, 'http.ambiguous', `malformed authority ${JSON.stringify(authority.slice(0, 200))}: expected host[:port] with a DNS name, an IPv4 address or a bracketed IPv6 address`)
  }
  return parsed
}

/**
 * Host pattern: `*` stands for one label, a leading `*.` for one or more; a pattern without `:port` matches
 * port 443 only (the port the tools use for these APIs).
 */
export function hostMatches(pattern: string, host: string, port: number): boolean {
  const p = splitAuthority(pattern)
  if (p.port !== port) return false
  const labels = host.split('.')
  const want = p.host.split('.')
  if (want[0] === '*' && want.length >= 2) {
    const suffix = want.slice(1)
    if (labels.length <= suffix.length) return false
    return labelsMatch(suffix, labels.slice(labels.length - suffix.length))
  }
  return want.length === labels.length && labelsMatch(want, labels)
}

const labelsMatch = (want: string[], got: string[]) => want.every((w, i) => w === '*' ? got[i] !== '' : w === got[i])

/** The target whose hosts match; the most specific pattern (fewest wildcards, most labels) wins. */
export function targetForHost(targets: readonly TargetConfig[], authority: string): TargetConfig | undefined {
  const { host, port } = splitAuthority(authority)
  let best: { t: TargetConfig; score: number } | undefined
  for (const t of targets) {
    if (!HTTP_TARGET_KINDS.has(t.kind)) continue
    for (const pattern of t.upstream_http?.hosts ?? []) {
      if (!hostMatches(pattern, host, port)) continue
      const score = pattern.split('.').length * 10 - (pattern.match(/\*/g)?.length ?? 0) * 5
      if (!best || score > best.score) best = { t, score }
    }
  }
  return best?.t
}

export function isPassthrough(patterns: readonly string[], authority: string): boolean {
  const { host, port } = splitAuthority(authority)
  return patterns.some((p) => hostMatches(p, host, port))
}
