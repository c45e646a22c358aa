// A config document (already parsed from YAML or built in code) → a validated Config with defaults applied.
import { validator } from '../schema/validate.ts'
import { ConfigError, fromSchemaIssues, invalidConfig, issue } from './errors.ts'
import { semanticIssues } from './semantic.ts'
import type { Config } from './types.ts'

export { ConfigError } from './errors.ts'

const schema = validator<Config>('config')

/**
 * Applies the schema's defaults (to a copy; `doc` is not changed), validates, and runs the cross-field checks.
 * Throws ConfigError `config.invalid` listing every problem with its field path.
 */
export function parseConfig(doc: unknown): Config {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw invalidConfig([issue([], `must be a mapping of settings (state_dir, listeners, identity, policy, approvals, roles, audit, targets), got ${doc === null ? 'null' : Array.isArray(doc) ? 'a list' : typeof doc}`)])
  }
  let config: unknown
  try {
    config = structuredClone(doc)
  } catch (err) {
    throw new ConfigError('config.invalid', `config must be plain data (mappings, lists, strings, numbers, booleans): ${(err as Error).message}`, [], { cause: err })
  }
  const schemaIssues = schema.issues(config)
  // Cross-field checks assume the shapes the schema guarantees, so they run only on a well-formed document.
  if (schemaIssues.length) throw invalidConfig(fromSchemaIssues(schemaIssues))
  const valid = config as Config
  valid.audit.destination ??= `${valid.state_dir.replace(/[\\/]+$/, '')}/audit.jsonl`
  const problems = semanticIssues(valid)
  if (problems.length) throw invalidConfig(problems)
  return valid
}
