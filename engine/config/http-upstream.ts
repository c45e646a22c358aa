// Cross-field checks of a target's upstream_http: which credential fields each kind needs, and that the
// settings fit the target's kind. Each issue names the field and says how to fix it.
import { type ConfigIssue, issue } from './errors.ts'
import type { HttpCredentialConfig, TargetConfig } from './types.ts'

export const HTTP_TARGET_KINDS: ReadonlySet<string> = new Set(['http', 'kubernetes', 'gcp', 'aws'])

type Field = keyof HttpCredentialConfig
const FIELDS_OF_KIND: Record<HttpCredentialConfig['kind'], Field[]> = {
  bearer: ['token_env', 'token_file', 'token_command', 'token_ttl_seconds'],
  header: ['header', 'token_env', 'token_file', 'token_command', 'token_ttl_seconds'],
  basic: ['username', 'password_env', 'password_file'],
  client_cert: ['cert_file', 'key_file'],
  aws_sigv4: ['access_key_id_env', 'secret_access_key_env', 'session_token_env', 'region', 'service'],
}

function credentialIssues(c: HttpCredentialConfig, at: Array<string | number>): ConfigIssue[] {
  const out: ConfigIssue[] = []
  const allowed = new Set<string>(['kind', ...FIELDS_OF_KIND[c.kind]])
  for (const key of Object.keys(c)) {
    if (!allowed.has(key)) out.push(issue([...at, key], `${key} does not apply to a ${c.kind} credential (it takes ${FIELDS_OF_KIND[c.kind].join(', ')}); remove it`))
  }
  if (c.kind === 'bearer' || c.kind === 'header') {
    const sources = (['token_env', 'token_file', 'token_command'] as const).filter((k) => c[k] !== undefined)
    if (sources.length !== 1) out.push(issue(at, `a ${c.kind} credential needs exactly one of token_env, token_file or token_command; it has ${sources.length ? sources.join(' and ') : 'none'}`))
    if (c.kind === 'header' && !c.header) out.push(issue([...at, 'header'], 'a header credential needs header: the name of the header that carries the token'))
  }
  if (c.kind === 'basic') {
    if (c.username === undefined) out.push(issue([...at, 'username'], 'a basic credential needs username'))
    if ((c.password_env === undefined) === (c.password_file === undefined)) out.push(issue(at, 'a basic credential needs exactly one of password_env or password_file'))
  }
  if (c.kind === 'client_cert' && (!c.cert_file || !c.key_file)) out.push(issue(at, 'a client_cert credential needs cert_file and key_file (PEM)'))
  if (c.kind === 'aws_sigv4' && (!c.access_key_id_env || !c.secret_access_key_env)) {
    out.push(issue(at, 'an aws_sigv4 credential needs access_key_id_env and secret_access_key_env (the variables holding the key)'))
  }
  return out
}

export function httpUpstreamIssues(t: TargetConfig, at: Array<string | number>): ConfigIssue[] {
  const u = t.upstream_http
  if (!u) return []
  if (!HTTP_TARGET_KINDS.has(t.kind)) return [issue([...at, 'upstream_http'], `upstream_http is only for http, kubernetes, gcp and aws targets, not ${t.kind}; remove it`)]
  const out = u.credential ? credentialIssues(u.credential, [...at, 'upstream_http', 'credential']) : []
  if (u.credential?.kind === 'aws_sigv4' && t.kind !== 'aws') out.push(issue([...at, 'upstream_http', 'credential', 'kind'], `aws_sigv4 signs AWS requests; target ${t.name} is ${t.kind}`))
  return out
}
