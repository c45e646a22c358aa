import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { defaultConfig } from './defaults.ts'
import { ConfigError } from './errors.ts'
import { parseConfig } from './parse.ts'

const dev = { name: 'dev', issuer: 'warden-dev', audience: 'warden', dev: true }
const minimal = () => ({ identity: { providers: [{ ...dev }] }, targets: [{ name: 'demo', kind: 'postgres', environment: 'production', embedded: true }] })

function problems(doc: unknown): string[] {
  try {
    parseConfig(doc)
  } catch (err) {
    assert.instance(err, ConfigError)
    assert.is((err as ConfigError).code, 'config.invalid')
    return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`)
  }
  assert.unreachable('config was accepted')
  return []
}

test('the embedded defaults are a valid config and parse to themselves', () => {
  assert.equal(parseConfig(defaultConfig()), defaultConfig())
})

test('the embedded defaults hold what the gateway promises out of the box', () => {
  const d = defaultConfig()
  assert.is(d.state_dir, '.warden')
  assert.equal(d.listeners.postgres, { host: '127.0.0.1', port: 6432, allow_plaintext: false })
  assert.equal(d.identity.providers.map((p) => [p.name, p.issuer, p.dev]), [['dev', 'warden-dev', true]])
  assert.equal(d.targets.map((t) => t.name), ['demo', 'prod-db', 'staging-db', 'prod-k8s', 'prod-gcp', 'prod-aws', 'prod-mcp'])
  assert.is(d.targets.find((t) => t.name === 'prod-db')?.upstream?.password_env, 'WARDEN_PROD_DB_PASSWORD')
})

test('schema defaults fill in everything not given, without changing the document passed in', () => {
  const doc = minimal()
  const config = parseConfig(doc)
  assert.is(config.state_dir, '.warden')
  assert.equal(config.listeners.admin, { host: '127.0.0.1', port: 8181 })
  assert.is(config.identity.clock_skew_seconds, 30)
  assert.equal(config.identity.providers[0]!.agent_groups, ['agents'])
  assert.is(config.identity.providers[0]!.groups_claim, 'groups')
  assert.equal(config.policy, { settings: {}, memory_pages: 1024, decide_threads: 0 })
  assert.equal(config.approvals, { approver_groups: ['dba'], hold_seconds: 120, store: 'sqlite', request_ttl_seconds: 86400, sqlite: {} })
  assert.equal(config.targets[0]!.labels, {})
  assert.not.ok('state_dir' in doc)
})

test('the audit destination defaults to audit.jsonl in the state directory', () => {
  assert.is(parseConfig({ ...minimal(), state_dir: '/var/lib/warden/' }).audit.destination, '/var/lib/warden/audit.jsonl')
})

test('audit: the SQLite trail by default, failing closed, with checkpoints every 1000 records and 60 s', () => {
  const { audit } = parseConfig(minimal())
  assert.equal({ ...audit, destination: undefined }, { store: 'sqlite', destination: undefined, on_failure: 'fail', sqlite: {}, checkpoints: { every_records: 1000, every_seconds: 60 } })
  const pg = parseConfig({ ...minimal(), audit: { store: 'postgres', postgres: { host: 'db', database: 'warden', user: 'w', password_env: 'PGPW' }, checkpoints: { webhook: { url: 'https://x/h', secret_env: 'HOOK' } } } }).audit
  assert.equal(pg.postgres, { host: 'db', port: 5432, database: 'warden', user: 'w', password_env: 'PGPW', ssl: false, max_connections: 4 })
  assert.equal(pg.checkpoints.webhook, { url: 'https://x/h', secret_env: 'HOOK', max_attempts: 8 })
})

test('audit: store postgres needs its connection, store pino needs an output, the webhook needs a secret', () => {
  assert.equal(problems({ ...minimal(), audit: { store: 'postgres' } }), ['audit.postgres: audit.store is postgres but audit.postgres is missing; give host, database, user and password_env of the shared audit database, or use store: sqlite'])
  assert.match(problems({ ...minimal(), audit: { store: 'pino', destination: 'off' } })[0]!, /^audit\.destination: with store: pino/)
  assert.match(problems({ ...minimal(), audit: { store: 'sqlit' } })[0]!, /^audit\.store: must be one of "sqlite", "postgres", "pino", got "sqlit"/)
  assert.match(problems({ ...minimal(), audit: { checkpoints: { webhook: { url: 'https://x' } } } })[0]!, /^audit\.checkpoints\.webhook\.secret_env: missing required field "secret_env"/)
  assert.match(problems({ ...minimal(), audit: { on_failure: 'ignore' } })[0]!, /^audit\.on_failure: must be one of "fail", "continue"/)
})

test('schema problems are all listed with their field paths', () => {
  const doc = { ...minimal(), listeners: { postgres: { port: 'abc' } }, targets: [{ name: 'x', kind: 'postgress', environment: 'p', embedded: true }] }
  assert.equal(problems(doc), [
    'listeners.postgres.port: must be integer, got "abc"',
    'targets[0].kind: must be one of "postgres", "mysql", "http", "kubernetes", "gcp", "aws", "mcp", got "postgress" (did you mean "postgres"?)',
  ])
})

test('a document that is not a mapping is refused', () => {
  assert.equal(problems(null), [': must be a mapping of settings (state_dir, listeners, identity, policy, approvals, roles, audit, targets), got null'])
  assert.equal(problems([1]).length, 1)
})

test('identity and targets are required; HS* and none are not allowed algorithms', () => {
  assert.equal(problems({}), ['identity: missing required field "identity"', 'targets: missing required field "targets"'])
  const doc = minimal()
  Object.assign(doc.identity.providers[0]!, { algorithms: ['HS256'] })
  assert.match(problems(doc)[0]!, /^identity\.providers\[0\]\.algorithms\[0\]: must be one of "RS256"/)
})

test('each provider needs exactly one key source, names and issuers are unique, one dev provider at most', () => {
  const doc = { ...minimal(), identity: { providers: [
    { name: 'a', issuer: 'https://idp', audience: 'w' },
    { name: 'a', issuer: 'https://idp', audience: 'w', jwks_url: 'https://idp/jwks', jwks_file: 'k.json' },
    { ...dev },
    { ...dev, name: 'dev2', issuer: 'other' },
  ] } }
  assert.equal(problems(doc).map((p) => p.split(';')[0]), [
    'identity.providers[0]: needs exactly one key source: jwks_url (your IdP\'s JWKS endpoint), jwks_file, or dev: true (the local development issuer)',
    'identity.providers[1].name: duplicate provider name "a" (also identity.providers[0])',
    'identity.providers[1].issuer: issuer "https://idp" is already trusted by identity.providers[0]',
    'identity.providers[1]: needs exactly one key source: jwks_url (your IdP\'s JWKS endpoint), jwks_file, or dev: true (the local development issuer)',
    'identity.providers[3].dev: only one provider may trust the development issuer (identity.providers[2] already does)',
  ])
})

test('targets: unique names, postgres needs upstream or embedded, kind-specific fields, one password source', () => {
  const upstream = { host: 'h', database: 'd', user: 'u' }
  const doc = { ...minimal(), targets: [
    { name: 'db', kind: 'postgres', environment: 'p' },
    { name: 'DB', kind: 'postgres', environment: 'p', embedded: true, upstream },
    { name: 'k', kind: 'kubernetes', environment: 'p', upstream, embedded: true },
    { name: 'g', kind: 'gcp', environment: 'p', production_namespaces: ['x'] },
    { name: 'm', kind: 'mysql', environment: 'p', embedded: true },
    { name: 'pw', kind: 'postgres', environment: 'p', upstream: { ...upstream, password: 's', password_env: 'PW' } },
  ] }
  assert.equal(problems(doc).map((p) => p.split(';')[0]), [
    'targets[0]: a postgres target needs upstream (the real server: host, port, database, user) or embedded: true (the demo database)',
    'targets[1].name: duplicate target name "DB" (also targets[0])',
    'targets[1]: has both upstream and embedded: true',
    'targets[2].upstream: upstream is only for postgres and mysql targets, not kubernetes',
    'targets[2].embedded: embedded is only for postgres targets, not kubernetes',
    'targets[3].production_namespaces: production_namespaces is only for kubernetes targets, not gcp',
    'targets[4].embedded: only postgres targets can be embedded',
    'targets[5].upstream: has both password and password_env',
  ])
})

test('policy source and bundle exclude each other; tls needs cert and key together; listeners must not collide', () => {
  const doc = {
    ...minimal(),
    policy: { source: 'policies', bundle: 'b.tar.gz' },
    listeners: { postgres: { port: 7000, tls: { cert: 'c.pem' } }, admin: { port: 7000 } },
  }
  assert.equal(problems(doc).map((p) => p.split(';')[0]), [
    'policy: has both source and bundle',
    'listeners.postgres.tls: has cert without key',
    'listeners.admin.port: 127.0.0.1:7000 is also the postgres listener',
  ])
})

test('policy.dry_run: exactly one of source or bundle; packages are rule packages taken from a source over policy.source', () => {
  const withDryRun = (dry_run: unknown, policy: Record<string, unknown> = {}) => ({ ...minimal(), policy: { ...policy, dry_run } })
  assert.equal(parseConfig(withDryRun({ source: 'next', packages: ['warden.rules.sql_bulk'] })).policy.dry_run, { source: 'next', packages: ['warden.rules.sql_bulk'] })
  assert.equal(parseConfig(withDryRun({ bundle: 'next.tar.gz' })).policy.dry_run, { bundle: 'next.tar.gz' })
  assert.equal(problems(withDryRun({})).map((p) => p.split(';')[0]), ['policy.dry_run: needs exactly one of source (Rego directory compiled at start-up) or bundle (a prebuilt bundle.tar.gz)'])
  assert.match(problems(withDryRun({ source: 'a', bundle: 'b' }))[0]!, /it has both/)
  assert.match(problems(withDryRun({ bundle: 'b', packages: ['warden.rules.x'] }))[0]!, /^policy\.dry_run\.packages: packages are taken from dry_run\.source/)
  assert.match(problems(withDryRun({ source: 'a', packages: ['warden.rules.x'] }, { bundle: 'enforced.tar.gz' }))[0]!, /the enforced policy is a prebuilt bundle/)
  assert.match(problems(withDryRun({ source: 'a', packages: ['sql'] }))[0]!, /^policy\.dry_run\.packages\[0\]: must match the pattern/)
})

test('approvals: a postgres store needs a database (its own or the audit one); the webhook secret is a reference', () => {
  const pgStore = { host: 'db', database: 'warden', user: 'warden', password_env: 'PGPW' }
  assert.match(problems({ ...minimal(), approvals: { store: 'postgres' } })[0] ?? '', 'approvals.store is postgres but there is no database')
  assert.is(parseConfig({ ...minimal(), approvals: { store: 'postgres' }, audit: { store: 'postgres', postgres: pgStore } }).approvals.store, 'postgres', 'the audit database is shared')
  assert.is(parseConfig({ ...minimal(), approvals: { store: 'postgres', postgres: pgStore } }).approvals.postgres?.port, 5432)
  assert.match(problems({ ...minimal(), approvals: { postgres: pgStore } })[0] ?? '', 'only read with store: postgres')
  assert.match(problems({ ...minimal(), approvals: { webhook: { url: 'https://hooks.example/x' } } })[0] ?? '', 'needs exactly one of secret_env')
  assert.match(problems({ ...minimal(), approvals: { webhook: { url: 'https://hooks.example/x', secret: 'literal' } } })[0] ?? '', 'approvals.webhook')
  assert.equal(parseConfig({ ...minimal(), approvals: { webhook: { url: 'https://hooks.example/x', secret_env: 'HOOK_SECRET' } } }).approvals.webhook, { url: 'https://hooks.example/x', secret_env: 'HOOK_SECRET', max_attempts: 8, queue_size: 1000 })
})

test('the approvals and audit stores never share a database with a target (an agent writing through it could forge grants or records)', () => {
  const pgStore = { host: 'db', database: 'warden', user: 'warden', password_env: 'PGPW' }
  const staging = { name: 'staging-db', kind: 'postgres', environment: 'staging', upstream: { host: 'DB', port: 5432, database: 'warden', user: 'app', password_env: 'APPPW' } }
  const withStaging = (more: object) => ({ ...minimal(), targets: [...minimal().targets, staging], ...more })
  assert.match(problems(withStaging({ approvals: { store: 'postgres', postgres: pgStore } })).join('\n'), /^approvals\.postgres: .*is also the database of target staging-db/m)
  assert.match(problems(withStaging({ approvals: { store: 'postgres' }, audit: { store: 'postgres', postgres: pgStore } })).join('\n'), /^audit\.postgres: .*is also the database of target staging-db/m)
  const local = { ...staging, upstream: { ...staging.upstream, host: '127.0.0.1' } }
  assert.match(problems({ ...minimal(), targets: [local], approvals: { store: 'postgres', postgres: { ...pgStore, host: 'localhost' } } }).join('\n'), 'is also the database of target staging-db')
  assert.is(parseConfig(withStaging({ approvals: { store: 'postgres', postgres: { ...pgStore, database: 'warden_state' } } })).approvals.store, 'postgres', 'another database on the same server is accepted')
})

test('approver groups must not be empty', () => {
  assert.equal(problems({ ...minimal(), approvals: { approver_groups: [] } }), ['approvals.approver_groups: must have at least 1 item, got 0'])
})

test('mcp targets: mcp.server names the server policies see; mcp is refused on other kinds', () => {
  const ok = parseConfig({ ...minimal(), targets: [{ name: 'tools', kind: 'mcp', environment: 'production', mcp: { server: 'github' } }] })
  assert.equal(ok.targets[0]?.mcp, { server: 'github' })
  const bad = { ...minimal(), targets: [{ name: 'db', kind: 'gcp', environment: 'p', mcp: { server: 'x' } }] }
  assert.equal(problems(bad).map((p) => p.split(';')[0]), ['targets[0].mcp: mcp is only for mcp targets, not gcp'])
})

test('mcp targets take upstream_http (url, CA, credential, forward-mode hosts) like http targets', () => {
  const upstream_http = { url: 'https://mcp.example/mcp', ca_file: 'ca.pem', credential: { kind: 'bearer', token_env: 'MCP_TOKEN' }, hosts: ['mcp.example'] }
  const ok = parseConfig({ ...minimal(), targets: [{ name: 'tools', kind: 'mcp', environment: 'production', upstream_http }] })
  assert.equal(ok.targets[0]?.upstream_http, upstream_http)
  const bad = { ...minimal(), targets: [{ name: 'tools', kind: 'mcp', environment: 'p', upstream_http: { credential: { kind: 'bearer' } } }] }
  assert.match(problems(bad).join('\n'), 'a bearer credential needs exactly one of token_env, token_file or token_command')
})

test.run()

test('upstream_http: credential fields are checked per kind, and only HTTP-kind targets take it', () => {
  const target = (t: Record<string, unknown>) => ({ ...minimal(), targets: [{ name: 'api', kind: 'http', environment: 'production', ...t }] })
  assert.equal(problems(target({ upstream_http: { url: 'https://api.example', credential: { kind: 'bearer' } } })), [
    'targets[0].upstream_http.credential: a bearer credential needs exactly one of token_env, token_file or token_command; it has none',
  ])
  assert.match(problems(target({ upstream_http: { credential: { kind: 'bearer', token_env: 'A', token_file: 'f' } } }))[0]!, 'it has token_env and token_file')
  assert.match(problems(target({ upstream_http: { credential: { kind: 'basic', username: 'u', token_env: 'A' } } })).join('\n'), 'token_env does not apply to a basic credential')
  assert.match(problems(target({ upstream_http: { credential: { kind: 'header', token_env: 'A' } } })).join('\n'), 'needs header')
  assert.match(problems(target({ upstream_http: { credential: { kind: 'aws_sigv4', access_key_id_env: 'A', secret_access_key_env: 'B' } } })).join('\n'), 'aws_sigv4 signs AWS requests')
  assert.match(problems(target({ upstream_http: { url: 'https://user:pw@api.example' } })).join('\n'), 'upstream_http.url')
  assert.match(problems(target({ upstream_http: { credential: { kind: 'bearer', token_env: 'not valid' } } })).join('\n'), 'token_env')
  const pg = { ...minimal(), targets: [{ name: 'db', kind: 'postgres', environment: 'p', embedded: true, upstream_http: { hosts: [] } }] }
  assert.match(problems(pg).join('\n'), 'upstream_http is only for http, kubernetes, gcp, aws and mcp targets')
  const ok = parseConfig(target({ upstream_http: { url: 'https://api.example/prefix', ca_file: 'ca.pem', credential: { kind: 'client_cert', cert_file: 'c.pem', key_file: 'k.pem' } } }))
  assert.equal(ok.targets[0]!.upstream_http!.hosts, [])
  assert.equal(ok.listeners.http, { host: '127.0.0.1', port: 8480, plaintext: false })
  assert.equal(ok.listeners.http_proxy, { host: '127.0.0.1', port: 8479, passthrough: [] })
})

test('the default HTTP targets read their secrets from the environment and files, never literals', () => {
  const d = defaultConfig()
  const k8s = d.targets.find((t) => t.name === 'prod-k8s')!.upstream_http!
  assert.equal(k8s.credential, { kind: 'bearer', token_env: 'WARDEN_PROD_K8S_TOKEN' })
  assert.is(d.targets.find((t) => t.name === 'prod-aws')!.upstream_http!.credential!.kind, 'aws_sigv4')
  assert.ok(d.targets.find((t) => t.name === 'prod-gcp')!.upstream_http!.credential!.token_file)
  assert.match(problems({ ...minimal(), listeners: { http: { port: 9000 }, http_proxy: { port: 9000 } } }).join('\n'), 'listeners.http_proxy.port: 127.0.0.1:9000 is also the http listener')
})
