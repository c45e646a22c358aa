// policy.settings shapes and near-miss keys: each case here made the shipped policies silently ignore what the
// operator wrote (checked with `warden eval`): a `live` target stayed outside production, or every column mask
// was dropped.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { ConfigError } from './errors.ts'
import { parseConfig } from './parse.ts'
import { VERDICT_CLASSES } from './settings.ts'

const withSettings = (settings: unknown) => ({
  identity: { providers: [{ name: 'dev', issuer: 'warden-dev', audience: 'warden', dev: true }] },
  policy: { settings },
  targets: [{ name: 'app', kind: 'postgres', environment: 'live', upstream: { host: 'db', database: 'app', user: 'warden' } }],
})

function problems(settings: unknown): string[] {
  try {
    parseConfig(withSettings(settings))
  } catch (err) {
    assert.instance(err, ConfigError)
    return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`)
  }
  return []
}

test('a misspelt setting is refused, naming the setting meant', () => {
  assert.equal(problems({ production_enviroments: ['live'] }), [
    'policy.settings.production_enviroments: unknown setting "production_enviroments", a misspelling of "production_environments"? The policies would not read it and keep the default; rename it (or give a key of your own a name further from Warden\'s)',
  ])
  assert.match(problems({ sensitive_colums: [] })[0]!, 'a misspelling of "sensitive_columns"')
  assert.match(problems({ verdict: {} })[0]!, 'a misspelling of "verdicts"')
  assert.match(problems({ verdicts: { destrutive: { agent_other: 'deny' } } })[0]!, 'policy.settings.verdicts.destrutive: unknown verdict class "destrutive", a misspelling of "destructive"')
})

test('a setting of the wrong shape is refused instead of matching nothing', () => {
  assert.match(problems({ production_environments: 'live' }).join('\n'), 'policy.settings.production_environments: must be array')
  assert.match(problems({ sensitive_columns: { pattern: '*email*', strategy: 'partial' } }).join('\n'), 'policy.settings.sensitive_columns: must be array')
  assert.match(problems({ sensitive_columns: [{ pattern: '*email*', stratgy: 'partial' }] }).join('\n'), 'unknown field "stratgy" (did you mean "strategy"?)')
  assert.match(problems({ sensitive_columns: [{ pattern: '*email*', strategy: 'last4' }] }).join('\n'), 'policy.settings.sensitive_columns[0].strategy')
  assert.match(problems({ content_detectors: ['emails'] }).join('\n'), 'policy.settings.content_detectors[0]')
  assert.match(problems({ kubernetes: { production_namespace: ['live'] } }).join('\n'), 'did you mean "production_namespaces"')
  assert.match(problems({ mcp: { tools: { alow: ['docs/*'] } } }).join('\n'), 'did you mean "allow"')
  assert.match(problems({ verdicts: { destructive: { agent_production: 'alow' } } }).join('\n'), 'policy.settings.verdicts.destructive.agent_production')
  assert.match(problems({ verdicts: { destructive: { agent_prod: 'allow' } } }).join('\n'), 'policy.settings.verdicts.destructive.agent_prod')
  assert.match(problems({ approval_ttl_seconds: '1h' }).join('\n'), 'policy.settings.approval_ttl_seconds')
})

test('keys of your own stay free, and every documented setting is accepted', () => {
  const defaults = JSON.parse(readFileSync(new URL('../../policies/warden/catalog/defaults/data.json', import.meta.url), 'utf8')) as Record<string, unknown>
  assert.equal(problems({ business_hours: { start: 9, end: 18 }, team: 'payments', verdicts: { my_rule_class: { agent_production: 'deny' } } }), [])
  assert.equal(problems(defaults), [], 'the shipped defaults do not fit the schema')
  assert.equal(Object.keys(defaults.verdicts as object), VERDICT_CLASSES)
})

test.run()
