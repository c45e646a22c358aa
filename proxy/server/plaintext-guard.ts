// The forward proxy speaks plain HTTP (HTTPS_PROXY=http://agent:TOKEN@host:port): the agent's token is in its
// CONNECT request, in clear. On loopback that never leaves the machine; bound to another address it crosses the
// network, where anyone on the path can take it and act as the agent until it expires. The PostgreSQL listener
// refuses plaintext off loopback unless allow_plaintext; the forward proxy now does the same, at start.
import type { Config } from '../../engine/config/types.ts'
import { CodedError } from '../../engine/errors.ts'
import { isLoopbackHost, openListeners } from './dev-issuer-guard.ts'

export class PlaintextListenerError extends CodedError<'config.plaintext_exposed'> {
  constructor(message: string) {
    super('config.plaintext_exposed', message)
  }
}

/** Throws when the forward proxy would take tokens in clear from other machines without allow_plaintext. */
export function checkPlaintextListeners(config: Config): void {
  const proxy = openListeners(config).find((l) => l.key === 'listeners.http_proxy')
  if (!proxy || isLoopbackHost(proxy.host) || config.listeners.http_proxy.allow_plaintext === true) return
  throw new PlaintextListenerError(
    `refusing to start: the HTTPS forward proxy on ${proxy.host}:${proxy.port} speaks plain HTTP, so every agent's token (its proxy password) ` +
    'would cross the network in clear, for anyone on the path to reuse. Bind listeners.http_proxy.host to 127.0.0.1 (agents on other machines use ' +
    'the reverse proxy, listeners.http, over TLS), or set listeners.http_proxy.allow_plaintext: true if the network to it is encrypted some other way',
  )
}
