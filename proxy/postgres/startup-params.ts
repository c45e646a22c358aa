// The StartupMessage's parameters: who (user, ignored for access: the token decides), which target (database),
// and run-time settings. Only allowlisted settings are accepted (including `-c name=value` inside `options`);
// they are judged by the policy as the SET statements they are equivalent to before they reach the server.
// Pinned settings may only repeat their pinned value; replication connections are refused.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-STARTUPMESSAGE
import { pgErrors } from './errors.ts'
import { isPinned, PINNED_SETTINGS, pinnedValueHolds } from './pinned-settings.ts'

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

/**
 * Settings a client may give at startup, each still judged by the policy as its SET statement. Anything
 * else is refused: a startup parameter is read by the server before any statement, so one the gateway does
 * not know could change what the session is (database, role, encoding, lexer).
 */
export const FORWARDED_SETTINGS: ReadonlyMap<string, string> = new Map([
  ['application_name', 'application_name'],
  ['datestyle', 'DateStyle'],
  ['intervalstyle', 'IntervalStyle'],
  ['timezone', 'TimeZone'],
  ['extra_float_digits', 'extra_float_digits'],
  ['statement_timeout', 'statement_timeout'],
  ['lock_timeout', 'lock_timeout'],
  ['idle_in_transaction_session_timeout', 'idle_in_transaction_session_timeout'],
  ['search_path', 'search_path'],
])

/** PostgreSQL compares encoding names without case or punctuation (utf-8 = UTF8 = unicode). */
const encodingKey = (v: string) => v.toLowerCase().replace(/[^a-z0-9]/g, '')
/** Encodings a client may ask for: the session is UTF8, and SQL_ASCII / auto (psql in a C locale) read as UTF8. */
const ACCEPTED_CLIENT_ENCODINGS = new Set(['utf8', 'unicode', 'sqlascii', 'auto'])

function refuseParameter(name: string, why: string, hint: string): never {
  throw pgErrors.startupParameterRefused(name, why, hint)
}

const ACCEPTED_LIST = [...FORWARDED_SETTINGS.values(), 'client_encoding (UTF8)'].join(', ')

/**
 * A startup setting as the gateway forwards it: the canonical name of an allowlisted setting, undefined for a
 * pinned one given its pinned value (the gateway sends that itself), or a refusal.
 */
export function acceptSetting(s: Setting, via: 'parameter' | 'options'): Setting | undefined {
  const key = s.name.toLowerCase()
  const forwarded = FORWARDED_SETTINGS.get(key)
  if (forwarded) return { name: forwarded, value: s.value }
  if (key === 'client_encoding') {
    if (ACCEPTED_CLIENT_ENCODINGS.has(encodingKey(s.value))) return undefined
    refuseParameter(s.name, `client encoding "${s.value.slice(0, 32)}" is not supported: the gateway reads SQL as UTF-8`, 'Connect with client_encoding=UTF8 (PGCLIENTENCODING=UTF8) and convert text in the client.')
  }
  if (isPinned(key)) {
    if (pinnedValueHolds(key, s.value)) return undefined
    refuseParameter(s.name, `${key} is pinned to ${PINNED_SETTINGS.get(key)} on every gateway session`, `Remove ${s.name} from the connection ${via === 'options' ? 'options' : 'parameters'}.`)
  }
  if (key === 'database' || key === 'user' || key === 'role' || key === 'session_authorization') {
    refuseParameter(s.name, `the ${key} of a gateway session is set by the gateway configuration`, 'The database name in the connection string selects the Warden target; remove this setting.')
  }
  refuseParameter(s.name, `${s.name.slice(0, 64)} is not a startup parameter the gateway accepts (accepted: ${ACCEPTED_LIST})`, 'Remove it from the connection string, or run SET after connecting, where the policy judges it.')
}

export function readStartupParams(params: ReadonlyMap<string, string>): StartupParams {
  const user = params.get('user')
  if (!user) throw pgErrors.authRefused('no PostgreSQL user name specified in startup packet')
  const replication = params.get('replication')
  if (replication !== undefined && isTrue(replication)) {
    throw pgErrors.startupRefused('replication connections are not allowed through the gateway')
  }
  const settings: Setting[] = []
  const protocolOptions: string[] = []
  const add = (s: Setting, via: 'parameter' | 'options') => {
    const accepted = acceptSetting(s, via)
    if (!accepted) return
    const i = settings.findIndex((x) => x.name === accepted.name)
    if (i >= 0) refuseParameter(s.name, `${accepted.name} is given more than once`, 'Give each setting once.')
    settings.push(accepted)
  }
  for (const [name, value] of params) {
    if (name === 'user' || name === 'database' || name === 'replication') continue
    if (name.startsWith('_pq_.')) protocolOptions.push(name)
    else if (name === 'options') for (const s of parseOptions(value)) add(s, 'options')
    else add(setting(name, value), 'parameter')
  }
  return { user, database: params.get('database') || user, settings, protocolOptions }
}

/** The SET statement equivalent to a startup setting, for the policy to judge. */
export function setStatementOf(s: Setting): string {
  return `SET ${s.name} TO '${s.value.replace(/'/g, "''")}'`
}
