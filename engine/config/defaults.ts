// The embedded configuration used when no config file is given: a local gateway with the development
// issuer, the shipped policies and a demo database, plus example production targets. Files the gateway keeps
// (the audit copy, upstream credentials) live under the state directory, wherever that is.
import type { Config } from './types.ts'

export function defaultConfig(stateDir = '.warden'): Config {
  const state = stateDir.replace(/[\\/]+$/, '')
  return {
    state_dir: stateDir,
    listeners: {
      postgres: { host: '127.0.0.1', port: 6432, allow_plaintext: false },
      admin: { host: '127.0.0.1', port: 8181 },
      http: { host: '127.0.0.1', port: 8480, plaintext: false },
      http_proxy: { host: '127.0.0.1', port: 8479, passthrough: [] },
    },
    identity: {
      clock_skew_seconds: 30,
      providers: [{
        name: 'dev',
        issuer: 'warden-dev',
        audience: 'warden',
        dev: true,
        groups_claim: 'groups',
        agent_groups: ['agents'],
        // Lets `warden token --kind` say what the bearer is; without it kind follows agent_groups.
        kind_claim: 'kind',
      }],
    },
    policy: { source: 'policies', settings: {}, memory_pages: 1024, decide_threads: 0 },
    approvals: { approver_groups: ['dba'], hold_seconds: 120, store: 'sqlite', request_ttl_seconds: 86400, sqlite: {} },
    roles: { auditor: ['auditors'], admin: ['admins'] },
    audit: { store: 'sqlite', destination: `${state}/audit.jsonl`, on_failure: 'fail', sqlite: {}, checkpoints: { every_records: 1000, every_seconds: 60 } },
    targets: [
      { name: 'demo', kind: 'postgres', environment: 'production', labels: { demo: 'true' }, embedded: true },
      {
        name: 'prod-db', kind: 'postgres', environment: 'production', labels: {},
        upstream: { host: '127.0.0.1', port: 5432, database: 'app', user: 'warden', password_env: 'WARDEN_PROD_DB_PASSWORD' },
      },
      {
        name: 'staging-db', kind: 'postgres', environment: 'staging', labels: {},
        upstream: { host: '127.0.0.1', port: 5432, database: 'app_staging', user: 'warden', password_env: 'WARDEN_STAGING_DB_PASSWORD' },
      },
      {
        name: 'prod-k8s', kind: 'kubernetes', environment: 'production', labels: {},
        production_namespaces: ['default', 'production', 'prod', 'payments'],
        // Secrets are read from the environment and files at request time; without them the target answers 503
        // saying which variable or file to set.
        upstream_http: {
          url: 'https://kubernetes.example:6443',
          ca_file: `${state}/upstreams/prod-k8s-ca.pem`,
          credential: { kind: 'bearer', token_env: 'WARDEN_PROD_K8S_TOKEN' },
          hosts: ['kubernetes.example', 'kubernetes.example:6443'],
        },
      },
      {
        name: 'prod-gcp', kind: 'gcp', environment: 'production', labels: {},
        upstream_http: {
          // No url: through the forward proxy a request goes to the googleapis.com host the client asked for.
          credential: { kind: 'bearer', token_file: `${state}/upstreams/prod-gcp-access-token` },
          hosts: ['*.googleapis.com'],
        },
      },
      {
        name: 'prod-aws', kind: 'aws', environment: 'production', labels: {},
        upstream_http: {
          credential: { kind: 'aws_sigv4', access_key_id_env: 'WARDEN_PROD_AWS_ACCESS_KEY_ID', secret_access_key_env: 'WARDEN_PROD_AWS_SECRET_ACCESS_KEY', session_token_env: 'WARDEN_PROD_AWS_SESSION_TOKEN' },
          hosts: ['*.amazonaws.com'],
        },
      },
      { name: 'prod-mcp', kind: 'mcp', environment: 'production', labels: {} },
    ],
  }
}
