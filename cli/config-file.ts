// Reads the gateway's YAML config file (or takes the embedded defaults), expands its `${NAME}` environment
// references, places the state directory, validates it, and resolves its relative paths against the file's
// directory so the config means the same thing from any working directory.
import { readFile } from 'node:fs/promises'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Document, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from 'yaml'
import { defaultConfig } from '../engine/config/defaults.ts'
import { ConfigError, type ConfigIssue, invalidConfig, issueLines } from '../engine/config/errors.ts'
import { parseConfig } from '../engine/config/parse.ts'
import type { Config } from '../engine/config/types.ts'
import { expandEnvReferences } from './config-env.ts'

export interface LoadedConfig {
  config: Config
  /** The config file's path, or `embedded defaults`. */
  source: string
  /** Directory relative paths were resolved against. */
  baseDir: string
  /** What placed the state directory: --state-dir, $WARDEN_STATE_DIR, the file's state_dir, or the default. */
  stateDirFrom: StateDirSource
}

export type StateDirSource = 'flag' | 'env' | 'config' | 'default'

export interface LoadOptions {
  /** For `${NAME}` references in the file and for WARDEN_STATE_DIR; none when absent. */
  env?: Record<string, string | undefined>
  /** --state-dir as typed: wins over $WARDEN_STATE_DIR, which wins over the file's state_dir. */
  stateDir?: string
}

export const STATE_DIR_ENV = 'WARDEN_STATE_DIR'

/**
 * The one place the state directory's precedence lives: --state-dir, then $WARDEN_STATE_DIR, then the config
 * file's state_dir, then the default. A flag or variable is resolved against the working directory (where it
 * was typed), the file's state_dir against the file's directory (later, with the file's other paths).
 */
export function stateDirOverride(opts: LoadOptions, cwd: string): { dir: string; from: 'flag' | 'env' } | undefined {
  if (opts.stateDir !== undefined) return { dir: resolve(cwd, opts.stateDir), from: 'flag' }
  const fromEnv = opts.env?.[STATE_DIR_ENV]
  if (fromEnv) return { dir: resolve(cwd, fromEnv), from: 'env' }
  return undefined
}

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const defaultPolicySource = join(packageRoot, 'policies')

/** Makes every path-valued field absolute, relative to `base`. */
export function resolvePaths(config: Config, base: string): Config {
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p))
  config.state_dir = at(config.state_dir)
  const tls = config.listeners.postgres.tls
  if (tls?.cert !== undefined) tls.cert = at(tls.cert)
  if (tls?.key !== undefined) tls.key = at(tls.key)
  const httpTls = config.listeners.http.tls
  if (httpTls) Object.assign(httpTls, { cert: at(httpTls.cert!), key: at(httpTls.key!) })
  for (const target of config.targets) {
    if (target.upstream?.ssl_root_cert !== undefined) target.upstream.ssl_root_cert = at(target.upstream.ssl_root_cert)
    const u = target.upstream_http
    if (!u) continue
    if (u.ca_file !== undefined) u.ca_file = at(u.ca_file)
    const c = u.credential
    for (const field of ['token_file', 'password_file', 'cert_file', 'key_file'] as const) if (c?.[field] !== undefined) c[field] = at(c[field]!)
  }
  for (const provider of config.identity.providers) {
    if (provider.jwks_file !== undefined) provider.jwks_file = at(provider.jwks_file)
  }
  if (config.policy.source !== undefined) config.policy.source = at(config.policy.source)
  if (config.policy.bundle !== undefined) config.policy.bundle = at(config.policy.bundle)
  const dryRun = config.policy.dry_run
  if (dryRun?.source !== undefined) dryRun.source = at(dryRun.source)
  if (dryRun?.bundle !== undefined) dryRun.bundle = at(dryRun.bundle)
  if (config.audit.destination !== 'stdout' && config.audit.destination !== 'off') config.audit.destination = at(config.audit.destination)
  if (config.audit.sqlite.path !== undefined) config.audit.sqlite.path = at(config.audit.sqlite.path)
  if (config.approvals.sqlite.path !== undefined) config.approvals.sqlite.path = at(config.approvals.sqlite.path)
  if (config.approvals.webhook?.secret_file !== undefined) config.approvals.webhook.secret_file = at(config.approvals.webhook.secret_file)
  if (config.audit.checkpoints.file !== undefined) config.audit.checkpoints.file = at(config.audit.checkpoints.file)
  if (config.audit.checkpoints.trusted_keys) config.audit.checkpoints.trusted_keys = config.audit.checkpoints.trusted_keys.map(at)
  return config
}

/** `file:line:col` of the deepest key (or list item) on the issue's path that exists in the document. */
function locate(doc: Document, lines: LineCounter, file: string, segments: ReadonlyArray<string | number>): string {
  const at = (range: [number, number, number] | null | undefined) => {
    if (!range) return undefined
    const { line, col } = lines.linePos(range[0])
    return `${file}:${line}:${col}`
  }
  for (let n = segments.length; n > 0; n--) {
    const parent = n === 1 ? doc.contents : doc.getIn(segments.slice(0, n - 1), true)
    const key = segments[n - 1]
    let found: string | undefined
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === key)
      found = pair && isScalar(pair.key) ? at(pair.key.range) : undefined
    } else if (isSeq(parent) && typeof key === 'number') {
      const item = parent.items[key]
      found = isNode(item) ? at(item.range) : undefined
    }
    if (found) return found
  }
  return at(doc.contents?.range) ?? file
}

async function readConfigFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message
    throw new ConfigError('config.unreadable', `read config file ${file}: ${why}; check the --config path, or leave it out to use the embedded defaults`, [], { cause: err })
  }
}

function parseYaml(text: string, file: string): { doc: Document; lines: LineCounter } {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true })
  const first = doc.errors[0]
  if (first) {
    const pos = first.linePos?.[0]
    const where = pos ? `${file}:${pos.line}:${pos.col}` : file
    throw new ConfigError('config.syntax', `${where}: invalid YAML in config file: ${first.message.split('\n')[0]}`, [], { cause: first })
  }
  return { doc, lines }
}

export async function loadConfig(path: string | undefined, cwd: string, opts: LoadOptions = {}): Promise<LoadedConfig> {
  const override = stateDirOverride(opts, cwd)
  if (path === undefined) {
    const config = defaultConfig(override?.dir ?? resolve(cwd, '.warden'))
    config.audit.destination = resolve(cwd, config.audit.destination)
    config.policy.source = resolve(packageRoot, config.policy.source ?? 'policies')
    return { config, source: 'embedded defaults', baseDir: cwd, stateDirFrom: override?.from ?? 'default' }
  }
  const file = resolve(cwd, path)
  const { doc, lines } = parseYaml(await readConfigFile(file), file)
  const unset = expandEnvReferences(doc, lines, path, opts.env ?? {})
  if (unset.length) {
    throw new ConfigError('config.env', `config file ${file} refers to environment variables it cannot use (${unset.length}):\n${issueLines(unset)}`, unset)
  }
  const raw = doc.toJS({ maxAliasCount: 100 }) as unknown
  const plain = raw !== null && typeof raw === 'object' && !Array.isArray(raw)
  const fileStateDir = plain && (raw as { state_dir?: unknown }).state_dir !== undefined
  // Placed before validation, so what derives from the state directory (the audit copy) follows it.
  if (override && plain) (raw as { state_dir?: unknown }).state_dir = override.dir
  let config: Config
  try {
    config = parseConfig(raw)
  } catch (err) {
    if (!(err instanceof ConfigError) || err.code !== 'config.invalid') throw err
    const issues: ConfigIssue[] = err.issues.map((i) => ({ ...i, location: locate(doc, lines, path, i.segments) }))
    const wrapped = invalidConfig(issues, `config file ${file}`)
    throw new ConfigError(wrapped.code, wrapped.message, issues, { cause: err })
  }
  const baseDir = dirname(file)
  resolvePaths(config, baseDir)
  if (config.policy.source === undefined && config.policy.bundle === undefined) config.policy.source = defaultPolicySource
  return { config, source: file, baseDir, stateDirFrom: override?.from ?? (fileStateDir ? 'config' : 'default') }
}
