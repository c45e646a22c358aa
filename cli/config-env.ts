// Environment references in a config file: `${NAME}` inside any string value is replaced by the variable's
// value before the config is validated, so one file serves every deployment (issuer and JWKS URLs, hosts).
// `$${` stands for a literal `${`. A reference to an unset variable, or one that is not a variable name, is a
// config error naming the variable and where it is used; nothing starts on a half-filled config.
// Secrets still go through the *_env fields (password_env, secret_env …), which name a variable and are read
// when needed, so they never appear in the parsed config.
import { type Document, isPair, isScalar, isSeq, type LineCounter, type Node, type Pair, visit } from 'yaml'
import { type ConfigIssue, issue } from '../engine/config/errors.ts'

const REFERENCE = /\$\$\{|\$\{([^}]*)\}?/g
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Keys and list positions from the document root down to the node the visitor is at. */
function segmentsOf(path: readonly unknown[], node: Node): Array<string | number> {
  const out: Array<string | number> = []
  const chain = [...path, node]
  for (let i = 0; i < chain.length; i++) {
    const step = chain[i]
    if (isPair(step)) out.push(isScalar((step as Pair).key) ? String(((step as Pair).key as { value: unknown }).value) : '?')
    else if (isSeq(step)) out.push(step.items.indexOf(chain[i + 1] as never))
  }
  return out
}

/**
 * Replaces every `${NAME}` in the document's string values with env[NAME], in place. Returns one issue per
 * unset or malformed reference (each with `file:line:col`); the document is left partly expanded then.
 */
export function expandEnvReferences(doc: Document, lines: LineCounter, file: string, env: Record<string, string | undefined>): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  visit(doc, {
    Scalar(key, node, path) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return
      const text = node.value
      const problems: string[] = []
      const segments = segmentsOf(path, node)
      const field = segments.at(-1)
      // `password_env: ${DB_PASSWORD}` puts the secret where its variable's name goes: the field's pattern check
      // then quoted the secret in the error (on stderr, in CI and service logs). Refused before it is read.
      const reference = /\$\{([^}]*)\}/.exec(text.replace(/\$\$\{/g, ''))
      if (typeof field === 'string' && field.endsWith('_env') && reference) {
        const name = reference[1]
        const pos = node.range ? lines.linePos(node.range[0]) : undefined
        issues.push({ ...issue(segments, `${field} takes the name of the environment variable that holds the secret, not its value: write ${field}: ${name} instead of \${${name}} (the value was not read)`), ...(pos ? { location: `${file}:${pos.line}:${pos.col}` } : {}) })
        return
      }
      const expanded = text.replace(REFERENCE, (match, name: string | undefined) => {
        if (match === '$${') return '${'
        if (!match.endsWith('}')) {
          problems.push(`unterminated reference ${JSON.stringify(match)}: write \${NAME}, or $\${ for a literal \${`)
          return match
        }
        if (!NAME.test(name ?? '')) {
          problems.push(`${match} is not an environment reference (a name is letters, digits and _); write $\${ for a literal \${`)
          return match
        }
        const value = env[name!]
        if (value === undefined) {
          problems.push(`${match} refers to the environment variable ${name}, which is not set; export ${name} before starting`)
          return match
        }
        return value
      })
      if (problems.length) {
        const pos = node.range ? lines.linePos(node.range[0]) : undefined
        for (const message of problems) issues.push({ ...issue(segments, message), ...(pos ? { location: `${file}:${pos.line}:${pos.col}` } : {}) })
        return
      }
      node.value = expanded
    },
  })
  return issues
}
