// The human start-up summary: where to connect, what each target points at, and how to get a token.
import type { Config } from '../../engine/config/types.ts'

export interface SummaryFacts {
  postgres: { host: string; port: number }
  adminUrl: string
  /** e.g. `self-signed, .warden/tls/cert.pem` or `off`. */
  tls: string
  policy: string
  /** Target name → where its upstream is. */
  describe(name: string): string
  warnings: string[]
  /** Which backend serves the embedded demo targets, and its limits; absent without such targets. */
  demo?: string
  /** The flags the gateway was started with that the commands shown must repeat (commandFlags). */
  commandFlags?: string
  /** The state directory, and what placed it when not the config. */
  stateDir?: string
  /** The HTTP(S) gateway's listeners and CA certificate, when it runs. */
  http?: { reverse: string; proxy: string; ca: string }
  /** How the audit trail is kept (store, key, failure mode); audit.destination when absent. */
  audit?: string
  /** Where approvals and grants are kept. */
  approvals?: string
}

function httpDescription(t: Config['targets'][number], facts: SummaryFacts): string {
  if (!facts.http) return 'not served (no HTTP listener)'
  const u = t.upstream_http
  const where = u?.url ?? (u?.hosts.length ? `the host asked for (${u.hosts.join(', ')})` : 'no upstream_http.url')
  return `${facts.http.reverse}/t/${t.name}/ → ${where}`
}

export function startupSummary(config: Config, facts: SummaryFacts): string {
  const pgHost = facts.postgres.host.includes(':') ? `[${facts.postgres.host}]` : facts.postgres.host
  const dev = config.identity.providers.some((p) => p.dev)
  const cfg = facts.commandFlags ?? ''
  const reviewer = dev ? ` --as alice --group ${config.approvals.approver_groups[0] ?? 'dba'}` : ''
  const sample = config.targets.find((t) => t.kind === 'postgres')?.name
  const width = Math.max(0, ...config.targets.map((t) => t.name.length))
  const lines = [
    'Warden gateway is up',
    `  PostgreSQL  ${pgHost}:${facts.postgres.port}   TLS: ${facts.tls}`,
    `  Admin API   ${facts.adminUrl}`,
    ...(facts.http ? [`  HTTP        ${facts.http.reverse}/t/<target>/   (kubectl server:, gcloud endpoint overrides, aws --endpoint-url)`, `  HTTPS proxy ${facts.http.proxy}   CA ${facts.http.ca}  (\`npx warden ca\` prints the client settings)`] : []),
    `  Policy      ${facts.policy}`,
    `  Audit       ${facts.audit ?? config.audit.destination}`,
    ...(facts.stateDir ? [`  State       ${facts.stateDir}`] : []),
    ...(facts.approvals ? [`  Approvals   ${facts.approvals}`] : []),
    '  Targets',
    ...config.targets.map((t) => `    ${t.name.padEnd(width)}  ${t.kind} · ${t.environment} · ${t.kind === 'postgres' ? facts.describe(t.name) : httpDescription(t, facts)}`),
  ]
  if (!config.targets.length) lines.push('    (none: add targets to the config)')
  if (facts.demo) lines.push(`  Demo DB     ${facts.demo}`)
  for (const w of facts.warnings) lines.push(`  WARNING: ${w}`)
  lines.push('')
  if (dev) {
    lines.push(
      'Get a development token (signed by the local dev issuer):',
      `  npx warden token --as cursor --group agents${cfg}`,
    )
  } else {
    lines.push('Tokens come from your identity provider; pass one as the PostgreSQL password.')
  }
  if (sample) {
    const token = dev ? `$(npx warden token --as cursor --group agents${cfg})` : '<your OIDC token>'
    lines.push(
      'Connect with psql (the token is the password):',
      `  PGPASSWORD="${token}" psql "host=${facts.postgres.host} port=${facts.postgres.port} dbname=${sample} user=cursor"`,
    )
  }
  lines.push(
    'Review held statements:',
    `  npx warden approvals list${reviewer}${cfg}`,
    `  npx warden approvals approve <id>${reviewer}${cfg}`,
    `  npx warden grants list${reviewer}${cfg}   (revoke <id> ends one)`,
    'Stop with Ctrl-C.',
  )
  return `${lines.join('\n')}\n`
}

/** ` --config FILE --state-dir DIR` as the gateway was started, for the commands it suggests ('' without them). */
export function commandFlags(args: { configArg?: string; stateDirArg?: string }): string {
  return `${args.configArg ? ` --config ${shellQuote(args.configArg)}` : ''}${args.stateDirArg ? ` --state-dir ${shellQuote(args.stateDirArg)}` : ''}`
}

/** Quotes a path for a POSIX shell only when it needs it. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`
}
