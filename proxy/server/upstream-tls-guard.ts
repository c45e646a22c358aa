// A production PostgreSQL target reached over the network must verify its server. Without TLS (ssl unset is
// `disable`) or with TLS that checks nothing (`prefer`, `require`), a host on the path reads every result before
// it is masked, rewrites what the gateway judged, and relays an md5 login to open sessions of its own as the
// gateway's user. The gateway refuses to start so, naming the target and the settings that fix it. Loopback and
// Unix-socket servers never leave the machine and are exempt.
import type { Config } from '../../engine/config/types.ts'
import { CodedError } from '../../engine/errors.ts'
import { unixSocketPath } from '../postgres/unix-socket.ts'
import { isLoopbackHost } from '../../engine/config/loopback.ts'

export class UpstreamTlsError extends CodedError<'config.upstream_unverified'> {
  constructor(message: string) {
    super('config.upstream_unverified', message)
  }
}

/** policies/warden/catalog/defaults/data.json production_environments (upstream-tls-guard.test.ts keeps them equal). */
export const DEFAULT_PRODUCTION_ENVIRONMENTS = ['production', 'prod']

const VERIFIED = new Set(['verify-ca', 'verify-full'])

/** The environments the policies treat as production: policy.settings.production_environments replaces the default list. */
export function productionEnvironments(config: Config): Set<string> {
  const configured = config.policy.settings.production_environments
  const list = Array.isArray(configured) ? (configured as string[]) : DEFAULT_PRODUCTION_ENVIRONMENTS
  return new Set(list.map((e) => e.toLowerCase()))
}

/** Throws UpstreamTlsError naming every production postgres target whose server would not be verified. */
export function checkUpstreamTls(config: Config): void {
  const production = productionEnvironments(config)
  const problems: string[] = []
  config.targets.forEach((t, i) => {
    const up = t.kind === 'postgres' ? t.upstream : undefined
    if (!up || !production.has(t.environment.toLowerCase()) || VERIFIED.has(up.ssl ?? 'disable')) return
    if (unixSocketPath(up) || isLoopbackHost(up.host)) return
    const how = up.ssl === undefined ? 'without TLS (ssl is not set, which is disable)' : `with ssl: ${up.ssl}, which does not check the server's certificate`
    problems.push(`target ${t.name} (targets[${i}], environment ${t.environment}) reaches ${up.host}:${up.port} ${how}`)
  })
  if (!problems.length) return
  throw new UpstreamTlsError(
    `refusing to start: ${problems.join('; ')}. A host on the path could read every result before it is masked, change what runs, ` +
    'and relay an md5 login to open sessions as the gateway\'s user. Set ssl: verify-full and ssl_root_cert (the PEM file of the CA that signs the server\'s certificate) on its upstream',
  )
}
