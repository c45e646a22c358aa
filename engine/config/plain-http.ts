// URLs whose plain-HTTP form would hand something to whoever is on the network path: an identity provider's
// JWKS (substituted keys mint any identity, approvers included), and an upstream the gateway sends its own
// credential to. Over http:// they are refused unless the host is loopback.
import { type ConfigIssue, issue } from './errors.ts'
import { isLoopbackHost } from './loopback.ts'
import type { Config } from './types.ts'

/** The host of a plain-HTTP URL that leaves the machine, else undefined (https, loopback, or not a URL). */
function remotePlainHost(url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return undefined // the schema reports it
  }
  return parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname) ? parsed.host : undefined
}

export function plainHttpIssues(config: Config): ConfigIssue[] {
  const out: ConfigIssue[] = []
  config.identity.providers.forEach((p, i) => {
    const host = p.jwks_url !== undefined ? remotePlainHost(p.jwks_url) : undefined
    if (host) out.push(issue(['identity', 'providers', i, 'jwks_url'], `fetches provider ${p.name}'s signing keys from ${host} over plain HTTP: anyone on the network path could substitute keys and mint tokens for any identity, approvers included; use the https:// URL of the JWKS endpoint`))
  })
  config.targets.forEach((t, i) => {
    const u = t.upstream_http
    const host = u?.url !== undefined && u.credential ? remotePlainHost(u.url) : undefined
    if (host) out.push(issue(['targets', i, 'upstream_http', 'url'], `sends the gateway's ${u!.credential!.kind} credential for target ${t.name} to ${host} over plain HTTP, readable by anyone on the network path; use https:// (with ca_file for a private CA)`))
  })
  return out
}
