// The forward proxy speaks plain HTTP (HTTPS_PROXY=http://agent:TOKEN@host:port): the agent's token is in its
// CONNECT request, in clear. So does the admin API, with reviewers' and auditors' tokens. On loopback that never
// leaves the machine; bound to another address it crosses the network, where anyone on the path can take a token
// and act as its holder until it expires. The PostgreSQL listener refuses plaintext off loopback unless
// allow_plaintext; these two listeners now do the same, at start.
import type { Config } from '../../engine/config/types.ts'
import { CodedError } from '../../engine/errors.ts'
import { isLoopbackHost } from '../../engine/config/loopback.ts'
import { openListeners } from './dev-issuer-guard.ts'

export class PlaintextListenerError extends CodedError<'config.plaintext_exposed'> {
  constructor(message: string) {
    super('config.plaintext_exposed', message)
  }
}

const FIX: Record<string, { who: string; instead: string }> = {
  'listeners.http_proxy': { who: "every agent's token (its proxy password)", instead: 'agents on other machines use the reverse proxy, listeners.http, over TLS' },
  'listeners.admin': { who: "every reviewer's and auditor's token", instead: 'reach it through a TLS-terminating proxy or a VPN on this host' },
}

/** Throws when the forward proxy or the admin API would take tokens in clear from other machines without allow_plaintext. */
export function checkPlaintextListeners(config: Config): void {
  const allowed: Record<string, boolean | undefined> = { 'listeners.http_proxy': config.listeners.http_proxy.allow_plaintext, 'listeners.admin': config.listeners.admin.allow_plaintext }
  const exposed = openListeners(config).filter((l) => l.key in FIX && !isLoopbackHost(l.host) && allowed[l.key] !== true)
  if (!exposed.length) return
  throw new PlaintextListenerError(`refusing to start: ${exposed.map((l) => `the ${l.name} on ${l.host}:${l.port} speaks plain HTTP, so ${FIX[l.key]!.who} would cross the network in clear, for anyone on the path to reuse. ` +
    `Bind ${l.key}.host to 127.0.0.1 (${FIX[l.key]!.instead}), or set ${l.key}.allow_plaintext: true if the network to it is encrypted some other way`).join('; ')}`)
}
