// The one error a bad configuration produces: every problem at once, each with its field path.
import { formatPath } from '../schema/issues.ts'
import type { SchemaIssue } from '../schema/validate.ts'

export type ConfigErrorCode = 'config.invalid' | 'config.unreadable' | 'config.syntax' | 'config.env'

export interface ConfigIssue {
  /** Field path, e.g. `targets[2].upstream.port`; empty for the whole document. */
  path: string
  message: string
  segments: Array<string | number>
  /** `file:line:col` when the loader could place the field in its source file. */
  location?: string
}

export class ConfigError extends Error {
  readonly code: ConfigErrorCode
  readonly issues: ConfigIssue[]
  constructor(code: ConfigErrorCode, message: string, issues: ConfigIssue[] = [], options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ConfigError'
    this.code = code
    this.issues = issues
  }
}

export function issueLines(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `  ${i.location ? `${i.location}: ` : ''}${i.path || '(root)'}: ${i.message}`).join('\n')
}

/** The config.invalid error for these issues; `source` names the file (or "embedded defaults"). */
export function invalidConfig(issues: ConfigIssue[], source = 'config'): ConfigError {
  const count = `${issues.length} ${issues.length === 1 ? 'problem' : 'problems'}`
  return new ConfigError('config.invalid', `${source} is invalid (${count}):\n${issueLines(issues)}`, issues)
}

export function issue(segments: Array<string | number>, message: string): ConfigIssue {
  return { path: formatPath(segments), message, segments }
}

export function fromSchemaIssues(issues: readonly SchemaIssue[]): ConfigIssue[] {
  return issues.map((i) => ({ path: i.path, message: i.message, segments: i.segments }))
}
