// The gateway's configuration, as validated by schemas/config.schema.json.
import type { TargetKind } from '../types.ts'

export interface TlsConfig {
  /** PEM files; when both are absent a self-signed pair is generated into the state directory. */
  cert?: string
  key?: string
}

export interface PostgresListenerConfig {
  host: string
  port: number
  tls?: TlsConfig
  /** Accept plaintext (no SSLRequest) from non-loopback clients. Loopback plaintext is always accepted. */
  allow_plaintext: boolean
  /** Connections still starting up (not yet authenticated) from one client address, an IPv6 one's /64 (default 64). */
  max_starting_per_source?: number
  /** Bytes of unread client messages over every session; a large message past it is refused (default 256 MiB). */
  max_buffered_message_bytes?: number
  /** After startup, the base time one message may take from its first byte, plus 1 s per 64 KiB (default 30). */
  message_timeout_seconds?: number
}

export interface AdminListenerConfig {
  host: string
  port: number
  /** Accept reviewers' tokens over plain HTTP when bound off loopback; false when absent. */
  allow_plaintext?: boolean
}

/** The reverse-proxy listener: each HTTP-kind target is served under the path prefix /t/<target>/. */
export interface HttpListenerConfig {
  host: string
  port: number
  /** PEM files; without them the listener serves a certificate from the gateway's CA (<state_dir>/ca) for its host, 127.0.0.1 and localhost. */
  tls?: TlsConfig
  /** Serve plain HTTP instead (loopback only; kubectl will not send a token over it). */
  plaintext: boolean
}

/** The forward proxy (HTTPS_PROXY) that intercepts TLS with the gateway's own CA. */
export interface HttpProxyListenerConfig {
  host: string
  port: number
  /** Host patterns tunnelled uninspected (still authenticated and audited), e.g. `*.github.com`. */
  passthrough: string[]
  /** Accept agents' tokens over plain HTTP when bound off loopback (they cross the network in clear); false when absent. */
  allow_plaintext?: boolean
}

export type HttpCredentialKind = 'bearer' | 'basic' | 'header' | 'client_cert' | 'aws_sigv4'

/** The gateway's own credential for an HTTP upstream. Secrets come from the environment, files or a command. */
export interface HttpCredentialConfig {
  kind: HttpCredentialKind
  /** bearer / header: where the token is: an environment variable, a file (re-read when it changes), or a command (output cached, re-run when token_file changes or after token_ttl_seconds). */
  token_env?: string
  token_file?: string
  token_command?: string[]
  token_ttl_seconds?: number
  /** header: the header's name (e.g. X-API-Key); its value is the token. */
  header?: string
  /** basic */
  username?: string
  password_env?: string
  password_file?: string
  /** client_cert: PEM files. */
  cert_file?: string
  key_file?: string
  /** aws_sigv4: the held key, by environment variable names, and the signing scope. */
  access_key_id_env?: string
  secret_access_key_env?: string
  session_token_env?: string
  region?: string
  service?: string
}

export interface HttpUpstreamConfig {
  /** Where requests go: https://host[:port][/prefix]. Required for the reverse proxy; in forward mode, absent means the host the client asked for. */
  url?: string
  /** PEM bundle the upstream's certificate must chain to; the system CAs when absent. */
  ca_file?: string
  /** Reverse mode: the host requests are judged as (storage.googleapis.com) when url is not the API's own host, such as an emulator or a private endpoint; url's host otherwise. */
  api_host?: string
  credential?: HttpCredentialConfig
  /** Forward mode: host patterns (`*.googleapis.com`, `sts.*.amazonaws.com`, `api.example:8443`) whose traffic belongs to this target. */
  hosts: string[]
  /** Largest request body read whole to be judged (1 MiB when absent); object uploads stream instead. */
  max_body_bytes?: number
}

export interface IdentityProviderConfig {
  name: string
  issuer: string
  audience: string | string[]
  /** Exactly one key source: a JWKS URL, a JWKS file, or the local development issuer. */
  jwks_url?: string
  jwks_file?: string
  dev?: boolean
  /** Claim holding the groups array (dot path allowed, e.g. `realm_access.roles`). */
  groups_claim: string
  /** Members of these groups are agents; everyone else is human unless `kind_claim` says otherwise. */
  agent_groups: string[]
  kind_claim?: string
  algorithms?: string[]
}

export interface IdentityConfig {
  clock_skew_seconds: number
  providers: IdentityProviderConfig[]
}

export interface UpstreamConfig {
  host: string
  port: number
  database: string
  user: string
  password?: string
  /** Environment variable that holds the password (preferred over `password`). */
  password_env?: string
  /** As libpq's sslmode (see schemas/config.schema.json). */
  ssl?: 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full'
  /** PEM file of the CAs trusted for verify-ca and verify-full. */
  ssl_root_cert?: string
  /** Longest a Query or Execute may run before the gateway cancels it on the server (default 300; 0: no limit). */
  max_statement_seconds?: number
  /** Longest a session may sit idle inside a transaction before the gateway ends it (default 600; 0: no limit). */
  max_idle_in_transaction_seconds?: number
  /** Longest a transaction may stay open, busy or not, before the gateway ends the session (default 3600; 0: no limit). */
  max_transaction_seconds?: number
  /** Sessions one caller (issuer and subject) may hold open on the target at once (default 32; 0: no limit). */
  max_sessions_per_caller?: number
}

export interface TargetConfig {
  name: string
  kind: TargetKind
  environment: string
  labels: Record<string, string>
  /** For postgres targets: the real server. */
  upstream?: UpstreamConfig
  /** Demo only: serve this target from an embedded demo database (a private PostgreSQL cluster, or PGlite) seeded with sample data. */
  embedded?: boolean
  /** For http, kubernetes, gcp and aws targets: the real API and the gateway's credential for it. */
  upstream_http?: HttpUpstreamConfig
  /** For kubernetes targets: namespaces treated as production. */
  production_namespaces?: string[]
  /** For mcp targets: the server id policies see (command.mcp.server); the target name when absent. */
  mcp?: McpTargetConfig
}

export interface McpTargetConfig {
  server?: string
}

export interface PolicyConfig {
  /** Directory of Rego sources compiled at start-up, or a prebuilt bundle.tar.gz. */
  source?: string
  bundle?: string
  /** Passed to the policies as data.settings. */
  settings: Record<string, unknown>
  /** Upper bound on policy WASM memory, in 64 KiB pages. */
  memory_pages: number
  /** Threads that evaluate the policy off the socket thread (0: none). */
  decide_threads: number
  dry_run?: DryRunConfig
}

/** A policy judged beside the enforced one, recorded in the audit trail and never applied. */
export interface DryRunConfig {
  /** Directory of Rego sources, or a prebuilt bundle.tar.gz: exactly one. */
  source?: string
  bundle?: string
  /** Only these rule packages: the enforced policy.source with them taken from source instead. */
  packages?: string[]
}

export interface ApprovalsConfig {
  approver_groups: string[]
  /** How long a held statement waits for a reviewer before it fails. */
  hold_seconds: number
  /** Where requests and grants live: sqlite (default, in the state directory), postgres (shared), memory. */
  store: 'sqlite' | 'postgres' | 'memory'
  /** How long a held request can still be approved, whether or not its client still waits. */
  request_ttl_seconds: number
  sqlite: { path?: string }
  /** The shared database; audit.postgres when absent. */
  postgres?: StorePostgresConfig
  webhook?: ApprovalsWebhookConfig
}

/** Admin API roles by group (humans only); the approver role is approvals.approver_groups. */
export interface RolesConfig {
  /** Read the audit trail through the admin API. */
  auditor: string[]
  /** Everything the admin API offers. */
  admin: string[]
}

export interface ApprovalsWebhookConfig {
  url: string
  /** Where the HMAC secret is: an environment variable or a file (exactly one; never the secret itself). */
  secret_env?: string
  secret_file?: string
  /** The admin API as reviewers reach it, for the approve / deny links. */
  admin_url?: string
  max_attempts: number
  queue_size: number
}

/** A store on a shared PostgreSQL (audit trail, approvals). */
export interface StorePostgresConfig {
  host: string
  port: number
  database: string
  user: string
  /** Environment variable holding the password. */
  password_env?: string
  ssl: boolean
  max_connections: number
}

export interface AuditCheckpointsConfig {
  every_records: number
  every_seconds: number
  /** Append-only file each signed checkpoint is appended to. */
  file?: string
  /** Public keys (PEM files) of the other gateways signing checkpoints into the same trail. */
  trusted_keys?: string[]
  webhook?: { url: string; secret_env: string; max_attempts: number }
}

export interface AuditConfig {
  /** The tamper-evident trail: sqlite (default), postgres, or pino (JSON lines only). */
  store: 'sqlite' | 'postgres' | 'pino'
  /** JSON-lines copy of every event: `stdout`, `off`, or a file path. */
  destination: string
  /** fail: a statement whose record cannot be stored is refused; continue: logged opt-out. */
  on_failure: 'fail' | 'continue'
  sqlite: { path?: string }
  postgres?: StorePostgresConfig
  checkpoints: AuditCheckpointsConfig
}

export interface Config {
  state_dir: string
  listeners: { postgres: PostgresListenerConfig; admin: AdminListenerConfig; http: HttpListenerConfig; http_proxy: HttpProxyListenerConfig }
  identity: IdentityConfig
  policy: PolicyConfig
  approvals: ApprovalsConfig
  roles: RolesConfig
  audit: AuditConfig
  targets: TargetConfig[]
}
