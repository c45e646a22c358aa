// How a command reaches a running gateway's admin API: the URL (--admin, $WARDEN_ADMIN_URL, else the config's
// admin listener) and the caller's token (--token, $WARDEN_TOKEN, else with the dev issuer a short-lived token
// minted for --as SUBJECT --group G). Shared by `warden approvals`, `warden grants` and `warden audit … --admin`.
import type { Config } from '../engine/config/types.ts'
import { signDevToken } from '../engine/identity/dev-issuer.ts'
import { oneLine } from '../engine/printable.ts'
import { type AdminClient, AdminClientError, createAdminClient } from '../proxy/admin/client.ts'
import { loadOrCreateDevKey } from '../proxy/server/dev-key.ts'
import { loadCommandConfig } from './command-config.ts'
import { type ExitCode, type Io, UsageError } from './io.ts'

export const ADMIN_FLAGS = {
  admin: { type: 'string' },
  token: { type: 'string' },
  as: { type: 'string' },
  group: { type: 'string', multiple: true },
} as const

export const ADMIN_USAGE = `  --token JWT      your token (default: $WARDEN_TOKEN)
  --as SUBJECT     without a token: mint a 5-minute dev token for SUBJECT (the config must trust the dev issuer)
  --group G        groups of that dev token; repeat or comma-separate`

const DEV_TOKEN_TTL_SECONDS = 300

export interface AdminAccessValues {
  admin?: unknown
  token?: unknown
  as?: unknown
  group?: unknown
}

export function adminUrlOf(config: Config): string {
  const { host, port } = config.listeners.admin
  // A wildcard listen address is reached through loopback.
  const reach = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host
  return `http://${reach}:${port}`
}

/** The admin API's URL and the caller's token; `config` is loaded only when a default needs it. */
export async function adminAccess(values: AdminAccessValues, env: Record<string, string | undefined>, config: () => Promise<Config>): Promise<{ url: string; token: string }> {
  const url = (values.admin as string | undefined) ?? env.WARDEN_ADMIN_URL ?? adminUrlOf(await config())
  const token = (values.token as string | undefined) ?? env.WARDEN_TOKEN ?? await devToken(values.as as string | undefined, values.group as string[] | undefined, config)
  return { url, token }
}

/**
 * The action and its ID from the positionals: `list` takes none, every other action exactly one. `example` is
 * an action's usage with an ID, e.g. `warden grants revoke grt_abc123`.
 */
export function actionAndId<A extends string>(positionals: readonly string[], actions: readonly A[], usage: string, example: (action: A) => string): { action: A; id: string | undefined } {
  const [action, id, ...extra] = positionals
  if (!actions.includes(action as A)) {
    const names = actions.map((a) => (a === 'list' ? a : `${a} ID`))
    throw new UsageError('usage.action', `${action ? `unknown action ${JSON.stringify(action)}` : 'an action is required'}: ${names.slice(0, -1).join(', ')} or ${names.at(-1)}\n\n${usage}`)
  }
  if (action === 'list' ? id !== undefined : id === undefined || extra.length) {
    throw new UsageError('usage.arguments', `${action === 'list' ? 'list takes no ID' : `${action} takes exactly one ID, e.g. ${example(action as A)}`}\n\n${usage}`)
  }
  return { action: action as A, id }
}

/** A client of the admin API for a command's flags; the config (--config, --state-dir) is loaded only when needed. */
export async function adminClientFor(values: AdminAccessValues & { config?: unknown; 'state-dir'?: unknown }, io: Io): Promise<AdminClient> {
  let config: Config | undefined
  const { url, token } = await adminAccess(values, io.env, async () => (config ??= (await loadCommandConfig(values, io)).config))
  return createAdminClient(url, token)
}

/** What a command exits with when the admin API failed it: 2 unreachable, 1 refused; anything else is rethrown. */
export function adminFailure(err: unknown, io: Io, command: string): ExitCode {
  if (!(err instanceof AdminClientError)) throw err
  // The server's message quotes what others wrote (a key id read from the store, a token's claims): one line, escaped.
  if (err.status === undefined) {
    io.err(`${oneLine(`${command}: ${err.message}; is the gateway running? start it with npm start`)}\n`)
    return 2
  }
  io.err(`${oneLine(`${command}: refused (HTTP ${err.status} ${err.code}): ${err.message}`)}\n`)
  return 1
}

async function devToken(sub: string | undefined, groupFlags: string[] | undefined, loaded: () => Promise<Config>): Promise<string> {
  if (!sub) {
    throw new UsageError('usage.token', 'no token: pass --token JWT, set WARDEN_TOKEN, or (with the dev issuer) --as SUBJECT --group G, e.g. --as alice --group dba')
  }
  const config = await loaded()
  const provider = config.identity.providers.find((p) => p.dev === true)
  if (!provider) {
    throw new UsageError('usage.no_dev_issuer', 'this config does not trust the development issuer, so --as cannot mint a token; pass --token JWT from your identity provider or set WARDEN_TOKEN')
  }
  const groups = [...new Set((groupFlags ?? []).flatMap((g) => g.split(',')).map((g) => g.trim()).filter(Boolean))]
  const { privateJwk } = await loadOrCreateDevKey(config.state_dir)
  return signDevToken(privateJwk, {
    issuer: provider.issuer,
    audience: provider.audience,
    sub,
    groups,
    ttlSeconds: DEV_TOKEN_TTL_SECONDS,
    groupsClaim: provider.groups_claim,
  })
}
