// The decision corpus a change to the shipped policies must leave untouched (a performance change, say): every
// SQL text the corpora, the masking corpus, the protocol-diff and leak-sweep generators and the policy fixtures
// hold, normalized for a production and a staging PostgreSQL target, and every policy fixture's input (SQL,
// HTTP, Kubernetes, cloud, MCP), each judged for an agent, a plain human and a break-glass human, with no grant
// and with grants of every scope (matching, expired, approved by the wrong group), under the default settings
// and under configured ones. Built without a server; the clock is fixed so grant expiry never drifts.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseCorpus } from '../../engine/adversarial-corpus.ts'
import type { Config } from '../../engine/config/types.ts'
import { parseFixtures } from '../../engine/fixtures/load.ts'
import { fixtureInput, rawRequest } from '../../engine/fixtures/run.ts'
import type { FixtureCase } from '../../engine/fixtures/types.ts'
import { buildInput, targetOf } from '../../engine/input.ts'
import { normalize } from '../../engine/normalize/index.ts'
import type { Grant, Identity, InputDocument } from '../../engine/types.ts'
import { wrappedStatements } from '../../proxy/postgres/testing/leak-sweep-statements.ts'
import { loadMaskingCorpus } from '../../proxy/postgres/testing/masking-corpus.ts'
import { diffStatements } from '../../proxy/postgres/testing/protocol-diff-statements.ts'

/** The fixed time every decision is taken at (grants expire relative to it). */
export const NOW_NS = 1_800_000_000 * 1e9

export const IDENTITIES: Record<string, Identity> = {
  agent: { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' },
  human: { sub: 'bob', issuer: 'warden-dev', groups: ['eng'], kind: 'human' },
  breakglass: { sub: 'alice', issuer: 'warden-dev', groups: ['eng', 'breakglass'], kind: 'human' },
}

/** data.settings variants: none (the shipped defaults) and one that changes every setting the SQL rules read. */
export const SETTINGS: Record<string, Record<string, unknown>> = {
  default: {},
  configured: {
    sensitive_columns: [
      { pattern: '*email*', strategy: 'hash' },
      { pattern: '*balance*', strategy: 'null' },
      { pattern: 'acct_?', strategy: 'partial' },
      { pattern: '*pass*', strategy: 'no-such-strategy' },
      { pattern: 'k.api_key', strategy: 'redact' },
      { pattern: '', strategy: 'redact' },
    ],
    content_detectors: ['email', 'jwt'],
    extra_safe_functions: ['My_Fn', 'get_api_key'],
    extra_safe_settings: ['app.tenant', 'ROLE'],
    production_environments: ['Production', 'staging'],
    break_glass_groups: ['breakglass', 'sre'],
    approver_groups: ['dba', 'security'],
    approval_scope: 'fingerprint',
    approval_ttl_seconds: 600,
  },
}

/** Grants for a judged input, by name: each scope matching it, one expired, one approved by the wrong group. */
export function grantVariants(input: InputDocument): Record<string, Grant[]> {
  const grant = (id: string, scope: Grant['scope'], extra: Partial<Grant> = {}): Grant => ({
    id, scope, approved_by: 'dana', approver_groups: ['dba', 'security'], approvals: 2, expires_at_ns: NOW_NS + 3600e9, ...extra,
  })
  return {
    none: [],
    statement: [grant('g_statement', 'statement', { digest: input.command.digest })],
    fingerprint: [grant('g_fingerprint', 'fingerprint', { fingerprint: input.command.fingerprint })],
    session: [grant('g_session', 'session')],
    target: [grant('g_target', 'target')],
    expired: [grant('g_expired', 'statement', { digest: input.command.digest, expires_at_ns: NOW_NS - 1e9 })],
    wrong_group: [grant('g_wrong', 'target', { approver_groups: ['nobody'], approvals: 1 })],
    one_of_two: [grant('g_one', 'session', { approver_groups: ['dba'], approvals: 1 }), grant('g_other', 'fingerprint', { fingerprint: 'other' })],
  }
}

export interface CorpusCase {
  /** Which digest the case's decision counts toward (decisions.json records one per section). */
  section: string
  /** Names the case in a report of differences. */
  label: string
  /** The grant variant (grantVariants) the case's session holds. */
  grants: string
  input: InputDocument
}

/** Every SQL text once: the generators' statements, each text of a leak-sweep statement, the fixtures' SQL. */
interface SqlText {
  source: string
  sql: string
  prepared?: Record<string, string>
}

export function sqlTexts(fixtures: FixtureCase[], root: string): SqlText[] {
  const corpora = ['sql-allowed.yaml', 'sql-never-allowed.yaml'].flatMap((f) =>
    parseCorpus(readFileSync(join(root, 'testdata', 'corpora', f), 'utf8'), f).map((e) => ({ source: `${f}: ${e.why}`, sql: e.sql, prepared: e.prepared })))
  const all: SqlText[] = [
    ...corpora,
    ...loadMaskingCorpus().map((e) => ({ source: `masking ${e.name}`, sql: e.sql })),
    ...diffStatements(),
    ...wrappedStatements().flatMap((s) => s.texts.map((sql, i) => ({ source: `leak sweep ${s.source} #${i + 1}`, sql }))),
    ...fixtures.filter((f) => f.sql !== undefined).map((f) => ({ source: `${f.file} #${f.index}`, sql: f.sql!, prepared: f.prepared })),
  ]
  const seen = new Set<string>()
  return all.filter((s) => {
    const key = `${s.sql}\u0000${JSON.stringify(s.prepared ?? null)}`
    return !seen.has(key) && (seen.add(key), true)
  })
}

export function loadFixtures(root: string): FixtureCase[] {
  const dir = join(root, 'testdata', 'policies')
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()
    .flatMap((f) => parseFixtures(readFileSync(join(dir, f), 'utf8'), `testdata/policies/${f}`))
}

const session = (grants: Grant[]) => ({ id: 'ses_equivalence', started_at: '2026-01-01T00:00:00Z', grants })

/** Every case of the corpus, in a fixed order. */
export function* decisionCorpus(config: Config, root: string): Generator<CorpusCase> {
  const fixtures = loadFixtures(root)
  const targetNamed = (name: string) => {
    const found = config.targets.find((t) => t.name === name)
    if (!found) throw new Error(`the default config has no target ${name}`)
    return targetOf(found)
  }
  for (const [targetName, withGrants] of [['prod-db', true], ['staging-db', false]] as const) {
    const target = targetNamed(targetName)
    for (const text of sqlTexts(fixtures, root)) {
      const prepared = text.prepared ? new Map(Object.entries(text.prepared)) : undefined
      const normalized = normalize({ kind: 'sql', text: text.sql, prepared }, target)
      for (const [who, identity] of Object.entries(IDENTITIES)) {
        const base = buildInput({ identity, session: session([]), target, normalized })
        const grants = withGrants && who !== 'breakglass' ? grantVariants(base) : { none: [] }
        for (const [name, list] of Object.entries(grants)) {
          yield { section: `sql ${targetName} ${who} ${name}`, label: `${text.source} (${targetName}, ${who}, grants ${name})`, grants: name, input: { ...base, session: session(list) } }
        }
      }
    }
  }
  for (const fixture of fixtures) {
    const label = `${fixture.file} #${fixture.index}`
    let own: InputDocument
    try {
      own = fixtureInput(fixture, config)
    } catch {
      continue
    }
    yield { section: 'fixtures as written', label, grants: 'as written', input: own }
    if (fixture.input) continue
    const target = targetNamed(fixture.target!)
    const normalized = normalize(rawRequest(fixture), target)
    for (const [who, identity] of Object.entries(IDENTITIES)) {
      const base = buildInput({ identity, session: session([]), target, normalized })
      for (const [name, list] of Object.entries(who === 'breakglass' ? { none: [] } : grantVariants(base))) {
        yield { section: `fixtures ${fixture.sql !== undefined ? 'sql' : 'http'} ${who} ${name}`, label: `${label} (${who}, grants ${name})`, grants: name, input: { ...base, session: session(list) } }
      }
    }
  }
}
