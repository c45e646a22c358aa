// The development token issuer is for a laptop: its private key sits in the state directory and `warden token`
// mints any identity with any groups from it. So a gateway that trusts it warns at every start, and refuses to
// start when any listener it opens is reachable from another machine (not bound to loopback).
import type { Config } from '../../engine/config/types.ts'
import { HTTP_TARGET_KINDS } from '../../engine/config/http-upstream.ts'
import { isLoopbackHost } from '../../engine/config/loopback.ts'
import { CodedError } from '../../engine/errors.ts'

export class DevIssuerExposedError extends CodedError<'config.dev_issuer_exposed'> {
  constructor(message: string) {
    super('config.dev_issuer_exposed', message)
  }
}

export interface OpenListener {
  /** The config key of the listener, e.g. `listeners.postgres`. */
  key: string
  /** What it is, for people. */
  name: string
  host: string
  port: number
}

/** The listeners `warden up` opens for this config: PostgreSQL and admin always, HTTP ones with an HTTP-kind target. */
export function openListeners(config: Config): OpenListener[] {
  const { postgres, admin, http, http_proxy: proxy } = config.listeners
  const out: OpenListener[] = [
    { key: 'listeners.postgres', name: 'PostgreSQL listener', host: postgres.host, port: postgres.port },
    { key: 'listeners.admin', name: 'admin API', host: admin.host, port: admin.port },
  ]
  if (config.targets.some((t) => HTTP_TARGET_KINDS.has(t.kind))) {
    out.push(
      { key: 'listeners.http', name: 'HTTP reverse proxy', host: http.host, port: http.port },
      { key: 'listeners.http_proxy', name: 'HTTPS forward proxy', host: proxy.host, port: proxy.port },
    )
  }
  return out
}

/**
 * Undefined when the config does not trust the dev issuer. Otherwise the warning to print at start-up;
 * throws DevIssuerExposedError naming every non-loopback listener and the keys to change.
 */
export function checkDevIssuer(config: Config): string | undefined {
  const index = config.identity.providers.findIndex((p) => p.dev === true)
  if (index < 0) return undefined
  const provider = `identity.providers[${index}] (${config.identity.providers[index]!.name})`
  const exposed = openListeners(config).filter((l) => !isLoopbackHost(l.host))
  if (exposed.length) {
    const where = exposed.map((l) => `${l.name} on ${l.host}:${l.port} (${l.key}.host)`).join(', ')
    throw new DevIssuerExposedError(
      `refusing to start: ${provider} trusts the development token issuer, which mints any identity for whoever can run \`warden token\`, ` +
      `and the gateway would accept its tokens from other machines on: ${where}. ` +
      `Bind ${exposed.map((l) => `${l.key}.host`).join(', ')} to 127.0.0.1, or remove \`dev: true\` from ${provider} and trust your identity provider instead (see testdata/configs/production.yaml)`,
    )
  }
  return `${provider} trusts the development token issuer: anyone who can run \`warden token\` here can become any identity, in any group. For a laptop only; remove it before real use (see testdata/configs/production.yaml)`
}
