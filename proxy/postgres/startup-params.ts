// The StartupMessage's parameters: who (user, ignored for access: the token decides), which target (database),
// and run-time settings. Settings, including `-c name=value` inside `options`, are judged by the policy as the
// SET statements they are equivalent to before they reach the server; replication connections are refused.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-STARTUPMESSAGE
import { pgErrors } from './errors.ts'

export interface Setting {
  name: string
  value: string
}

export interface StartupParams {
  user: string
  database: string
  settings: Setting[]
  /** `_pq_.` protocol options, which the gateway does not support (reported in NegotiateProtocolVersion). */
  protocolOptions: string[]
}

const NAME = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/

function setting(name: string, value: string): Setting {
  if (!NAME.test(name)) throw pgErrors.startupRefused(`invalid startup parameter name "${name.slice(0, 64)}"`)
  return { name, value }
}

/** Splits libpq-style `options`: whitespace separates words, backslash escapes the next character. */
function words(options: string): string[] {
  const out: string[] = []
  let cur = ''
  let has = false
  for (let i = 0; i < options.length; i++) {
    const ch = options[i]!
    if (ch === '\\' && i + 1 < options.length) {
      cur += options[++i]
      has = true
    } else if (/\s/.test(ch)) {
      if (has) out.push(cur)
      cur = ''
      has = false
    } else {
      cur += ch
      has = true
    }
  }
  if (has) out.push(cur)
  return out
}

/** `-c name=value`, `-cname=value` and `--name=value`; other postmaster switches are refused. */
export function parseOptions(options: string): Setting[] {
  const ws = words(options)
  const out: Setting[] = []
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i]!
    let assignment: string | undefined
    if (w === '-c') assignment = ws[++i]
    else if (w.startsWith('-c')) assignment = w.slice(2)
    else if (w.startsWith('--')) assignment = w.slice(2).replace(/^[^=]*/, (n) => n.replace(/-/g, '_'))
    else throw pgErrors.startupRefused(`unsupported switch "${w.slice(0, 32)}" in the options startup parameter; only -c name=value is accepted`)
    const eq = assignment?.indexOf('=') ?? -1
    if (assignment === undefined || eq <= 0) throw pgErrors.startupRefused(`malformed setting "${(assignment ?? w).slice(0, 64)}" in the options startup parameter`)
    out.push(setting(assignment.slice(0, eq), assignment.slice(eq + 1)))
  }
  return out
}

const isTrue = (v: string) => !/^(false|off|no|0)$/i.test(v.trim())

export function readStartupParams(params: ReadonlyMap<string, string>): StartupParams {
  const user = params.get('user')
  if (!user) throw pgErrors.authRefused('no PostgreSQL user name specified in startup packet')
  const replication = params.get('replication')
  if (replication !== undefined && isTrue(replication)) {
    throw pgErrors.startupRefused('replication connections are not allowed through the gateway')
  }
  const settings: Setting[] = []
  const protocolOptions: string[] = []
  for (const [name, value] of params) {
    if (name === 'user' || name === 'database' || name === 'replication') continue
    if (name.startsWith('_pq_.')) protocolOptions.push(name)
    else if (name === 'options') settings.push(...parseOptions(value))
    else settings.push(setting(name, value))
  }
  return { user, database: params.get('database') || user, settings, protocolOptions }
}

/** The SET statement equivalent to a startup setting, for the policy to judge. */
export function setStatementOf(s: Setting): string {
  return `SET ${s.name} TO '${s.value.replace(/'/g, "''")}'`
}
