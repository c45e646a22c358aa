// Rules a JSON Schema cannot say well: uniqueness across entries, exactly one of several fields, fields that
// only make sense for some target kinds. Each issue names the field and how to fix it.
import { type ConfigIssue, issue } from './errors.ts'
import { httpUpstreamIssues } from './http-upstream.ts'
import { plainHttpIssues } from './plain-http.ts'
import { settingsIssues } from './settings.ts'
import type { Config, IdentityProviderConfig, TargetConfig } from './types.ts'

function providerIssues(providers: readonly IdentityProviderConfig[]): ConfigIssue[] {
  const out: ConfigIssue[] = []
  const names = new Map<string, number>()
  const issuers = new Map<string, number>()
  let dev: number | undefined
  providers.forEach((p, i) => {
    const at = ['identity', 'providers', i]
    const sameName = names.get(p.name)
    if (sameName !== undefined) out.push(issue([...at, 'name'], `duplicate provider name ${JSON.stringify(p.name)} (also identity.providers[${sameName}]); give each provider its own name`))
    else names.set(p.name, i)
    const sameIssuer = issuers.get(p.issuer)
    if (sameIssuer !== undefined) out.push(issue([...at, 'issuer'], `issuer ${JSON.stringify(p.issuer)} is already trusted by identity.providers[${sameIssuer}]; tokens are matched to a provider by issuer, so each issuer may appear once`))
    else issuers.set(p.issuer, i)
    const sources = [p.jwks_url !== undefined && 'jwks_url', p.jwks_file !== undefined && 'jwks_file', p.dev === true && 'dev: true'].filter(Boolean)
    if (sources.length !== 1) {
      const found = sources.length ? `it has ${sources.join(' and ')}` : 'it has none'
      out.push(issue(at, `needs exactly one key source: jwks_url (your IdP's JWKS endpoint), jwks_file, or dev: true (the local development issuer); ${found}`))
    }
    if (p.dev === true) {
      if (dev !== undefined) out.push(issue([...at, 'dev'], `only one provider may trust the development issuer (identity.providers[${dev}] already does)`))
      else dev = i
    }
  })
  return out
}

function targetIssues(targets: readonly TargetConfig[]): ConfigIssue[] {
  const out: ConfigIssue[] = []
  const names = new Map<string, number>()
  targets.forEach((t, i) => {
    const at = ['targets', i]
    const folded = t.name.toLowerCase()
    const same = names.get(folded)
    if (same !== undefined) out.push(issue([...at, 'name'], `duplicate target name ${JSON.stringify(t.name)} (also targets[${same}]); clients select targets by name, so names must be unique (ignoring case)`))
    else names.set(folded, i)
    const database = t.kind === 'postgres' || t.kind === 'mysql'
    if (database) {
      if (t.upstream && t.embedded) out.push(issue(at, 'has both upstream and embedded: true; keep upstream for a real server or embedded for the demo database'))
      if (!t.upstream && t.embedded !== true) out.push(issue(at, `a ${t.kind} target needs upstream (the real server: host, port, database, user) or embedded: true (the demo database)`))
      if (t.embedded && t.kind !== 'postgres') out.push(issue([...at, 'embedded'], 'only postgres targets can be embedded'))
    } else {
      if (t.upstream) out.push(issue([...at, 'upstream'], `upstream is only for postgres and mysql targets, not ${t.kind}; remove it`))
      if (t.embedded !== undefined) out.push(issue([...at, 'embedded'], `embedded is only for postgres targets, not ${t.kind}; remove it`))
    }
    out.push(...httpUpstreamIssues(t, at))
    if (t.mcp && t.kind !== 'mcp') out.push(issue([...at, 'mcp'], `mcp is only for mcp targets, not ${t.kind}; remove it`))
    if (t.production_namespaces && t.kind !== 'kubernetes') out.push(issue([...at, 'production_namespaces'], `production_namespaces is only for kubernetes targets, not ${t.kind}; remove it`))
    if (t.upstream?.password !== undefined && t.upstream.password_env !== undefined) {
      out.push(issue([...at, 'upstream'], 'has both password and password_env; keep password_env (the variable holding the password) and remove password'))
    }
  })
  return out
}

function auditIssues(audit: Config['audit']): ConfigIssue[] {
  const out: ConfigIssue[] = []
  if (audit.store === 'postgres' && !audit.postgres) {
    out.push(issue(['audit', 'postgres'], 'audit.store is postgres but audit.postgres is missing; give host, database, user and password_env of the shared audit database, or use store: sqlite'))
  }
  if (audit.store !== 'postgres' && audit.postgres) {
    out.push(issue(['audit', 'postgres'], `audit.postgres is only read with store: postgres (store is ${audit.store}); set store: postgres or remove it`))
  }
  if (audit.store === 'pino' && audit.destination === 'off') {
    out.push(issue(['audit', 'destination'], 'with store: pino the JSON lines are the only audit record, so destination cannot be off; give stdout or a file, or use store: sqlite'))
  }
  return out
}

function dryRunIssues(policy: Config['policy']): ConfigIssue[] {
  const d = policy.dry_run
  if (!d) return []
  const at = ['policy', 'dry_run']
  if ((d.source === undefined) === (d.bundle === undefined)) {
    return [issue(at, `needs exactly one of source (Rego directory compiled at start-up) or bundle (a prebuilt bundle.tar.gz); it has ${d.source !== undefined ? 'both' : 'neither'}`)]
  }
  if (d.packages && d.source === undefined) return [issue([...at, 'packages'], 'packages are taken from dry_run.source; give source instead of bundle')]
  if (d.packages && policy.bundle !== undefined) return [issue([...at, 'packages'], 'packages replace rule packages of the enforced policy.source, but the enforced policy is a prebuilt bundle; give policy.source, or a whole dry-run policy without packages')]
  return []
}

function approvalsIssues(config: Config): ConfigIssue[] {
  const { approvals, audit } = config
  const out: ConfigIssue[] = []
  if (approvals.store === 'postgres' && !approvals.postgres && !(audit.store === 'postgres' && audit.postgres)) {
    out.push(issue(['approvals', 'postgres'], 'approvals.store is postgres but there is no database: give approvals.postgres (host, database, user, password_env), or share the audit one (audit.store: postgres with audit.postgres)'))
  }
  if (approvals.store !== 'postgres' && approvals.postgres) {
    out.push(issue(['approvals', 'postgres'], `approvals.postgres is only read with store: postgres (store is ${approvals.store}); set store: postgres or remove it`))
  }
  const hook = approvals.webhook
  if (hook && (hook.secret_env === undefined) === (hook.secret_file === undefined)) {
    out.push(issue(['approvals', 'webhook'], 'needs exactly one of secret_env (a variable holding the HMAC secret) or secret_file (a file holding it)'))
  }
  return out
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])
const hostKey = (host: string) => (LOCAL_HOSTS.has(host.toLowerCase()) ? 'localhost' : host.toLowerCase())

/**
 * The approvals and audit stores hold what the gateway trusts (grants, the trail): a database that is also a
 * target's would let an agent allowed to write there (a staging target, say) insert a grant for production,
 * and NOTIFY the gateway to load it. Another database on the same server is fine.
 */
function storeIssues(config: Config): ConfigIssue[] {
  const stores: [string, Config['audit']['postgres']][] = [['audit', config.audit.store === 'postgres' ? config.audit.postgres : undefined]]
  if (config.approvals.store === 'postgres') stores.push(['approvals', config.approvals.postgres ?? config.audit.postgres])
  const out: ConfigIssue[] = []
  for (const [name, store] of stores) {
    if (!store) continue
    for (const t of config.targets) {
      const u = t.kind === 'postgres' ? t.upstream : undefined
      if (!u || hostKey(u.host) !== hostKey(store.host) || u.port !== store.port || u.database !== store.database) continue
      const at = name === 'approvals' && !config.approvals.postgres ? ['audit', 'postgres'] : [name, 'postgres']
      out.push(issue(at, `the ${name} store's database ${store.database} on ${store.host}:${store.port} is also the database of target ${t.name}: anyone allowed to write through that target could change what the gateway trusts; give the store a database of its own`))
    }
  }
  return out
}

export function semanticIssues(config: Config): ConfigIssue[] {
  const out = [...providerIssues(config.identity.providers), ...targetIssues(config.targets), ...auditIssues(config.audit), ...approvalsIssues(config), ...storeIssues(config)]
  if (config.policy.source !== undefined && config.policy.bundle !== undefined) {
    out.push(issue(['policy'], 'has both source and bundle; give source (Rego directory compiled at start-up) or bundle (a prebuilt bundle.tar.gz), not both'))
  }
  out.push(...dryRunIssues(config.policy))
  out.push(...settingsIssues(config.policy.settings))
  out.push(...plainHttpIssues(config))
  const tls = config.listeners.postgres.tls
  if (tls && (tls.cert === undefined) !== (tls.key === undefined)) {
    out.push(issue(['listeners', 'postgres', 'tls'], `has ${tls.cert === undefined ? 'key' : 'cert'} without ${tls.cert === undefined ? 'cert' : 'key'}; give both PEM files, or neither to have a self-signed pair generated`))
  }
  const seen = new Map<string, string>()
  for (const [name, l] of Object.entries(config.listeners)) {
    const other = seen.get(`${l.host}:${l.port}`)
    if (other) out.push(issue(['listeners', name, 'port'], `${l.host}:${l.port} is also the ${other} listener; give the ${name} listener another port`))
    else seen.set(`${l.host}:${l.port}`, name)
  }
  return out
}
