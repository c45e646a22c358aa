// warden eval: decide one request against a configured target and print the decision.
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Config } from '../../engine/config/types.ts'
import { buildInput, targetOf } from '../../engine/input.ts'
import { createVerifier } from '../../engine/identity/index.ts'
import { loadSqlParsers, normalize, type RawRequest } from '../../engine/normalize/index.ts'
import { refusedDecision } from '../../engine/refusal.ts'
import type { Identity, InputDocument } from '../../engine/types.ts'
import { parseFlags, withUsage } from '../args.ts'
import { CONFIG_FLAGS, CONFIG_USAGE, loadCommandConfig } from '../command-config.ts'
import { loadOrCreateDevKey } from '../../proxy/server/dev-key.ts'
import { type ExitCode, type Io, UsageError } from '../io.ts'
import { loadPolicy, PolicyBuildError } from '../policy.ts'

const usage = `usage: warden eval --target NAME (--sql TEXT | --http 'METHOD URL' [--body JSON] | --input FILE)
                   [--as SUBJECT [--group G]… [--kind agent|human] | --token JWT] [--explain] [--json] [--config FILE] [--state-dir DIR]

Decides one request the way the gateway would and prints the decision.
  --as/--group   act as this identity (kind: agent when a group is an agent group of the dev issuer)
  --token        verify this OIDC token with the config's identity providers instead
  --explain      also print the input document and the rules that fired
  --json         print only the decision object
${CONFIG_USAGE}
Exit 0 when a decision was made (whatever its effect), 1 when the policy does not compile, 2 on usage errors.
`

async function identityFrom(values: Record<string, unknown>, config: Config): Promise<Identity> {
  if (values.token) {
    const dev = config.identity.providers.some((p) => p.dev)
    const keys = dev ? { devPublicJwk: (await loadOrCreateDevKey(config.state_dir)).publicJwk } : {}
    return createVerifier(config.identity, keys).verify(values.token as string)
  }
  if (!values.as) throw new UsageError('usage.identity', `give an identity: --as SUBJECT [--group G…] or --token JWT\n\n${usage}`)
  const groups = (values.group as string[] | undefined) ?? []
  const provider = config.identity.providers.find((p) => p.dev) ?? config.identity.providers[0]
  const kind = (values.kind as Identity['kind'] | undefined) ?? (groups.some((g) => provider?.agent_groups.includes(g)) ? 'agent' : 'human')
  if (kind !== 'agent' && kind !== 'human') throw new UsageError('usage.kind', `--kind must be agent or human, got ${JSON.stringify(kind)}`)
  return { sub: values.as as string, issuer: provider?.issuer ?? 'warden-dev', groups, kind }
}

function requestFrom(values: Record<string, unknown>): RawRequest {
  const given = ['sql', 'http', 'input'].filter((k) => values[k] !== undefined)
  if (given.length !== 1) throw new UsageError('usage.request', `give exactly one of --sql, --http or --input\n\n${usage}`)
  if (values.sql !== undefined) return { kind: 'sql', text: values.sql as string }
  const match = /^\s*([A-Za-z]+)\s+(\S+)\s*$/.exec(values.http as string)
  if (!match) throw new UsageError('usage.http', `--http takes 'METHOD URL', e.g. --http 'GET https://compute.googleapis.com/compute/v1/projects/p/zones/z/instances'`)
  const body = values.body as string | undefined
  if (body !== undefined) {
    try {
      JSON.parse(body)
    } catch {
      throw new UsageError('usage.body', `--body must be JSON: ${body.slice(0, 80)}`)
    }
  }
  const headers = body !== undefined ? { 'content-type': 'application/json' } : undefined
  return { kind: 'http', request: { method: match[1]!, url: match[2]!, headers, body } }
}

export async function runEval(args: string[], io: Io): Promise<ExitCode> {
  return withUsage(io, async () => {
    const { values } = parseFlags(args, {
      target: { type: 'string' }, sql: { type: 'string' }, http: { type: 'string' }, body: { type: 'string' },
      input: { type: 'string' }, as: { type: 'string' }, group: { type: 'string', multiple: true }, kind: { type: 'string' },
      token: { type: 'string' }, explain: { type: 'boolean' }, json: { type: 'boolean' }, ...CONFIG_FLAGS,
    }, usage)
    if (values.help) { io.out(usage); return 0 }
    const { config } = await loadCommandConfig(values, io)
    let input: InputDocument
    let refusal: string | undefined
    if (values.input !== undefined) {
      const text = await readFile(resolve(io.cwd, values.input), 'utf8').catch((err: unknown) => {
        throw new UsageError('usage.input', `read --input ${values.input}: ${(err as Error).message}`)
      })
      try {
        input = JSON.parse(text) as InputDocument
      } catch (err) {
        throw new UsageError('usage.input', `--input ${values.input} is not JSON: ${(err as Error).message}`)
      }
    } else {
      if (!values.target) throw new UsageError('usage.target', `--target NAME is required\n\n${usage}`)
      const targetConfig = config.targets.find((t) => t.name === values.target)
      if (!targetConfig) throw new UsageError('usage.target', `unknown target ${JSON.stringify(values.target)}; the config defines: ${config.targets.map((t) => t.name).join(', ')}`)
      const request = requestFrom(values)
      const identity = await identityFrom(values, config)
      await loadSqlParsers()
      const target = targetOf(targetConfig)
      const session = { id: 'eval', started_at: new Date().toISOString(), grants: [] }
      const normalized = normalize(request, target)
      refusal = normalized.refusal
      input = buildInput({ identity, session, target, normalized })
    }
    let decider
    try {
      decider = (await loadPolicy(config)).decider
    } catch (err) {
      if (err instanceof PolicyBuildError) { io.err(`${err.message}\n`); return 1 }
      throw err
    }
    // As the gateway decides it: a request the normalizer refuses is never handed to the policy.
    const decision = refusal === undefined ? decider.decide(input) : refusedDecision(refusal)
    if (values.json) {
      io.out(`${JSON.stringify(decision, null, 2)}\n`)
    } else {
      if (values.explain) io.out(`input:\n${JSON.stringify(input, null, 2)}\n\n`)
      io.out(`effect: ${decision.effect}\n`)
      if (decision.reasons.length) io.out(`${values.explain ? 'rules fired' : 'reasons'}:\n${decision.reasons.map((r) => `  - ${r.rule}: ${r.message}`).join('\n')}\n`)
      if (decision.obligations.mask.length) io.out(`mask:\n${decision.obligations.mask.map((m) => `  - ${JSON.stringify(m)}`).join('\n')}\n`)
      if (decision.obligations.approval) io.out(`approval: ${JSON.stringify(decision.obligations.approval)}\n`)
    }
    return 0
  })
}
