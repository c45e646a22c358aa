// Sends the canonical request to the target's upstream: TLS verified against the target's ca_file (else the
// system CAs), keep-alive per target, the gateway's credential injected. Returns the upstream's response as a
// stream, or the upgraded socket for a protocol upgrade.
import { readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type { Duplex } from 'node:stream'
import type { TargetConfig } from '../../engine/config/types.ts'
import { type Outgoing, type UpstreamCredential, upstreamCredential } from './credentials.ts'
import { HttpGatewayError } from './errors.ts'
import type { Env } from './secrets.ts'

export type UpstreamReply =
  | { kind: 'response'; res: http.IncomingMessage }
  | { kind: 'upgrade'; res: http.IncomingMessage; socket: Duplex; head: Buffer }

export interface Upstream {
  /** Where a request to `path` + `query` goes: the configured url's origin and path prefix, or `fallback` (forward mode: the host asked for). */
  url(pathAndQuery: string, fallback?: string): URL
  send(req: Outgoing, opts: { upgrade?: boolean; signal?: AbortSignal }): Promise<UpstreamReply>
  close(): void
}

const unconfigured = (t: TargetConfig, what: string) =>
  new HttpGatewayError(503, 'http.upstream_unconfigured', `target ${t.name} cannot be reached: ${what}`)

export function createUpstream(target: TargetConfig, env: Env): Upstream {
  const conf = target.upstream_http
  const credential: UpstreamCredential = upstreamCredential(target, env)
  let ca: Buffer | undefined
  const agents = new Map<string, http.Agent>()

  function agentFor(url: URL): http.Agent {
    const key = url.protocol
    let agent = agents.get(key)
    if (agent) return agent
    if (url.protocol === 'https:') {
      if (conf?.ca_file && !ca) {
        try {
          ca = readFileSync(conf.ca_file)
        } catch (err) {
          throw unconfigured(target, `read upstream_http.ca_file ${conf.ca_file}: ${(err as Error).message}; put the upstream's CA certificate (PEM) there`)
        }
      }
      const tls = credential.tls
      agent = new https.Agent({ keepAlive: true, ca, cert: tls?.cert, key: tls?.key, rejectUnauthorized: true })
    } else {
      agent = new http.Agent({ keepAlive: true })
    }
    agents.set(key, agent)
    return agent
  }

  return {
    url(pathAndQuery, fallback) {
      const base = conf?.url ?? fallback
      if (!base) throw unconfigured(target, `set targets[${target.name}].upstream_http.url (e.g. https://api.example:443) in the config`)
      const u = new URL(base)
      const prefix = u.pathname.replace(/\/+$/, '')
      // Concatenated, not resolved: URL resolution would normalize what canonicalize() already checked.
      return new URL(`${u.origin}${prefix}${pathAndQuery}`)
    },
    async send(req, opts) {
      const headers = await credential.apply(req)
      const agent = agentFor(req.url)
      const lib = req.url.protocol === 'https:' ? https : http
      headers.host = req.url.host
      if (req.body) headers['content-length'] = String(req.body.byteLength)
      else if (req.method !== 'GET' && req.method !== 'HEAD' && !opts.upgrade) headers['content-length'] = '0'
      return new Promise<UpstreamReply>((resolve, reject) => {
        const out = lib.request({
          method: req.method,
          protocol: req.url.protocol,
          hostname: req.url.hostname.replace(/^\[|\]$/g, ''),
          port: req.url.port || undefined,
          path: `${req.url.pathname}${req.url.search}`,
          headers,
          // An upgraded socket leaves the pool; a fresh one avoids tying a pooled socket to a long exec session.
          agent: opts.upgrade ? false : agent,
          ...(opts.upgrade && req.url.protocol === 'https:' ? { ca, cert: credential.tls?.cert, key: credential.tls?.key } : {}),
          signal: opts.signal,
        })
        out.on('response', (res) => resolve({ kind: 'response', res }))
        out.on('upgrade', (res, socket, head) => resolve({ kind: 'upgrade', res, socket, head }))
        out.on('error', (err) => reject(new HttpGatewayError(502, 'http.upstream_failed', `target ${target.name}: upstream ${req.url.host} failed: ${err.message}`, { cause: err })))
        out.end(req.body)
      })
    },
    close() {
      for (const a of agents.values()) a.destroy()
    },
  }
}
