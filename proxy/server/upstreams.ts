// Where each PostgreSQL target really lives, resolved once at start-up: an embedded demo database, or the
// configured server with its password read from the environment. A target that cannot be reached (no
// upstream, a missing password variable) is a warning at start and a clear error on each connection to it,
// never a crash of the whole gateway.
import { readFileSync } from 'node:fs'
import type { TargetConfig } from '../../engine/config/types.ts'
import type { UpstreamTarget } from '../postgres/backend.ts'
import { CodedError } from '../../engine/errors.ts'

export class UpstreamConfigError extends CodedError<string> {}

export interface UpstreamPlan {
  /** The endpoint of a target; throws UpstreamConfigError when the target was found unusable at start. */
  resolve(target: TargetConfig): UpstreamTarget
  /** One line per unusable target, for the start-up log. */
  warnings: string[]
  /** A short human description of each postgres target's upstream, by target name. */
  describe(name: string): string
}

export interface EmbeddedEndpoint {
  /** A host name, or a Unix socket directory (a path) as the embedded demo databases use. */
  host: string
  port: number
  database: string
  user: string
  password?: string
  /** What serves it, for the summary (e.g. "PostgreSQL 15 private cluster at .warden/demo-pg"). */
  label?: string
}

export function planUpstreams(
  targets: readonly TargetConfig[],
  env: Record<string, string | undefined>,
  embedded: ReadonlyMap<string, EmbeddedEndpoint>,
): UpstreamPlan {
  const endpoints = new Map<string, UpstreamTarget>()
  const problems = new Map<string, UpstreamConfigError>()
  const descriptions = new Map<string, string>()
  for (const target of targets) {
    if (target.kind !== 'postgres') continue
    const demo = embedded.get(target.name)
    if (target.embedded && demo) {
      endpoints.set(target.name, { host: demo.host, port: demo.port, database: demo.database, user: demo.user, ...(demo.password ? { password: demo.password } : {}), ssl: 'disable' })
      descriptions.set(target.name, `embedded demo database (${demo.label ?? `${demo.host}:${demo.port}`})`)
      continue
    }
    const up = target.upstream
    if (!up) {
      problems.set(target.name, new UpstreamConfigError('upstream.missing', `target ${target.name} has no upstream; add upstream {host, port, database, user} to it in the config, or set embedded: true for a demo database`))
      descriptions.set(target.name, 'no upstream configured')
      continue
    }
    descriptions.set(target.name, `${up.host}:${up.port}/${up.database} as ${up.user}`)
    let password = up.password
    if (up.password_env) {
      password = env[up.password_env]
      // An empty variable is as unset: the session used to fail later with "none is configured (set password_env)".
      if (!password) {
        const state = password === undefined ? 'was not set' : 'was set but empty'
        problems.set(target.name, new UpstreamConfigError('upstream.password_env', `target ${target.name}: environment variable ${up.password_env} (its upstream password) ${state} when the gateway started; set it and restart the gateway`))
        descriptions.set(target.name, `${descriptions.get(target.name)} (password: $${up.password_env} ${password === undefined ? 'NOT SET' : 'EMPTY'})`)
        continue
      }
    }
    let sslRootCert: string | undefined
    if (up.ssl_root_cert) {
      try {
        sslRootCert = readFileSync(up.ssl_root_cert, 'utf8')
      } catch (err) {
        problems.set(target.name, new UpstreamConfigError('upstream.ssl_root_cert', `target ${target.name}: read upstream.ssl_root_cert ${up.ssl_root_cert}: ${(err as Error).message}; put the PEM certificate of the CA that signs the server's certificate there`))
        descriptions.set(target.name, `${descriptions.get(target.name)} (ssl_root_cert UNREADABLE)`)
        continue
      }
    }
    endpoints.set(target.name, { host: up.host, port: up.port, database: up.database, user: up.user, password, ssl: up.ssl, ...(sslRootCert ? { sslRootCert } : {}) })
  }
  return {
    resolve(target) {
      const endpoint = endpoints.get(target.name)
      if (endpoint) return endpoint
      throw problems.get(target.name) ?? new UpstreamConfigError('upstream.unknown', `target ${target.name} is not a configured postgres target`)
    },
    warnings: [...problems.values()].map((p) => p.message),
    describe: (name) => descriptions.get(name) ?? 'not a postgres target',
  }
}
