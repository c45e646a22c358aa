// warden token --as SUBJECT …: print a development token signed by the local dev issuer.
import type { IdentityProviderConfig } from '../../engine/config/types.ts'
import { signDevToken } from '../../engine/identity/dev-issuer.ts'
import type { IdentityKind } from '../../engine/types.ts'
import { parseFlags, withUsage } from '../args.ts'
import { CONFIG_FLAGS, CONFIG_USAGE, loadCommandConfig } from '../command-config.ts'
import { loadOrCreateDevKey } from '../../proxy/server/dev-key.ts'
import { type ExitCode, type Io, UsageError } from '../io.ts'

const usage = `usage: warden token --as SUBJECT [--group G]… [--ttl 1h] [--kind agent|human] [--email E] [--config FILE] [--state-dir DIR]

Prints a development token signed by the local dev issuer, for a config whose identity provider has
\`dev: true\` (the embedded defaults do). The signing key lives in <state_dir>/dev-issuer/key.json.

  --as SUBJECT     who the token is for (its sub claim)
  --group G        a group of the subject; repeat it or give a comma-separated list
  --ttl DURATION   how long the token is valid: 30s, 15m, 1h, 1d (default 1h, at most 24h)
  --kind KIND      agent or human; without it the provider's agent_groups decide
  --email E        the email claim
${CONFIG_USAGE}
  --exec-credential  print a Kubernetes ExecCredential (for a kubeconfig \`exec\` credential plugin)
`

const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 }
export const maxTtlSeconds = 86400

/** `30s`, `15m`, `1h`, `1d` → seconds; between 1s and 24h. */
export function parseTtl(text: string): number {
  const match = /^(\d+)([smhd])$/.exec(text.trim())
  const seconds = match ? Number(match[1]) * units[match[2]!]! : NaN
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > maxTtlSeconds) {
    throw new UsageError('usage.ttl', `--ttl must be a duration like 30s, 15m, 1h or 1d, from 1s to 24h; got ${JSON.stringify(text)}`)
  }
  return seconds
}

function devProvider(providers: readonly IdentityProviderConfig[], source: string): IdentityProviderConfig {
  const provider = providers.find((p) => p.dev === true)
  if (!provider) {
    throw new UsageError('usage.no_dev_issuer', `${source}: this config does not trust the development issuer; add a provider with dev: true or use your IdP`)
  }
  return provider
}

export async function runToken(args: string[], io: Io): Promise<ExitCode> {
  return withUsage(io, async () => {
    const { values } = parseFlags(args, {
      as: { type: 'string' },
      group: { type: 'string', multiple: true },
      ttl: { type: 'string' },
      kind: { type: 'string' },
      email: { type: 'string' },
      ...CONFIG_FLAGS,
      'exec-credential': { type: 'boolean' },
    }, usage)
    if (values.help) { io.out(usage); return 0 }
    const sub = values.as as string | undefined
    if (!sub) throw new UsageError('usage.subject', `--as SUBJECT is required: who the token is for\n\n${usage}`)
    const kind = values.kind as string | undefined
    if (kind !== undefined && kind !== 'agent' && kind !== 'human') {
      throw new UsageError('usage.kind', `--kind must be agent or human, got ${JSON.stringify(kind)}`)
    }
    const ttlSeconds = parseTtl((values.ttl as string | undefined) ?? '1h')
    const groups = ((values.group as string[] | undefined) ?? []).flatMap((g) => g.split(',')).map((g) => g.trim()).filter(Boolean)

    const { config, source } = await loadCommandConfig(values, io)
    const provider = devProvider(config.identity.providers, source)
    if (kind !== undefined && provider.kind_claim === undefined) {
      throw new UsageError('usage.kind', `provider ${provider.name} has no kind_claim, so a token cannot state its kind; add \`kind_claim: kind\` to it, or leave out --kind and let agent_groups (${provider.agent_groups.join(', ') || 'none'}) decide`)
    }
    const { privateJwk } = await loadOrCreateDevKey(config.state_dir)
    const token = await signDevToken(privateJwk, {
      issuer: provider.issuer,
      audience: provider.audience,
      sub,
      groups: [...new Set(groups)],
      ttlSeconds,
      groupsClaim: provider.groups_claim,
      ...(kind !== undefined ? { kind: kind as IdentityKind, kindClaim: provider.kind_claim } : {}),
      ...(values.email !== undefined ? { email: values.email as string } : {}),
    })
    if (values['exec-credential']) {
      // @see https://kubernetes.io/docs/reference/access-authn-authz/authentication/#input-and-output-formats
      const expirationTimestamp = new Date(Date.now() + (ttlSeconds - 30) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
      io.out(`${JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token, expirationTimestamp } })}\n`)
      return 0
    }
    io.out(`${token}\n`)
    return 0
  })
}
