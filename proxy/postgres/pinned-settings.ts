// The settings that change how the server reads the bytes of a statement. The gateway parses SQL as UTF-8
// with standard strings (libpg-query's only mode), so every upstream session is started with these values,
// checked at connect, watched in ParameterStatus, and every statement that could change them is refused.
import type { SqlStatement } from '../../engine/types.ts'

/** Pinned values, sent in the upstream StartupMessage. */
export const PINNED_SETTINGS: ReadonlyMap<string, string> = new Map([
  ['client_encoding', 'UTF8'],
  ['standard_conforming_strings', 'on'],
  // Only matters with client-only multibyte encodings, which are refused; pinned to its default anyway.
  ['backslash_quote', 'safe_encoding'],
])

/**
 * Server encodings whose text the gateway reads as the server does. Not SQL_ASCII: there the server cuts a name
 * over 63 bytes inside a character and folds the case of high bytes by its locale, so `<62 a>é` is a table the
 * gateway's UTF-8 parser names `<62 a>`.
 */
export const ACCEPTED_SERVER_ENCODINGS: ReadonlySet<string> = new Set(['UTF8'])

const PINNED_NAMES = [...PINNED_SETTINGS.keys()]

/** Whether a reported value equals the pinned one (PostgreSQL reports canonical spellings; be lenient on case). */
export function pinnedValueHolds(name: string, value: string): boolean {
  const want = PINNED_SETTINGS.get(name)
  return want === undefined || want.toLowerCase() === value.toLowerCase()
}

export function isPinned(name: string): boolean {
  return PINNED_SETTINGS.has(name.toLowerCase())
}

/** Statements whose SET clauses are not in the normalized detail: any mention of a pinned name refuses them. */
const SET_CLAUSE_NODES = new Set(['AlterDatabaseSetStmt', 'AlterFunctionStmt', 'CreateFunctionStmt', 'AlterRoleSetStmt', 'AlterSystemStmt'])

export interface PinnedChange {
  setting: string
  how: string
}

const SET_CONFIG_CALL = /"?set_config"?\s*\(/gi
// The literal must be the whole first argument: 'client_' || 'encoding' is not a plain literal.
const SET_CONFIG_LITERAL = /"?set_config"?\s*\(\s*'([^'\\]*)'\s*,/gi

/** set_config(name, …): the first argument must be a plain literal that names no pinned setting. */
function setConfigChange(s: SqlStatement): PinnedChange | undefined {
  if (!s.functions.some((f) => f.name === 'set_config')) return undefined
  const calls = s.text.match(SET_CONFIG_CALL)?.length ?? 0
  const literals = [...s.text.matchAll(SET_CONFIG_LITERAL)].map((m) => m[1]!.trim().toLowerCase())
  const pinned = literals.find((n) => isPinned(n))
  if (pinned) return { setting: pinned, how: `set_config('${pinned}', …)` }
  if (calls === 0 || literals.length !== calls) return { setting: 'a session setting', how: 'set_config with a setting name that is not a plain literal' }
  return undefined
}

/** The first pinned setting a judged statement would change, or undefined. RESET ALL / DISCARD ALL keep them. */
export function pinnedChange(s: SqlStatement): PinnedChange | undefined {
  const name = typeof s.detail.name === 'string' ? s.detail.name.toLowerCase() : ''
  if ((s.type === 'set' || s.type === 'reset') && isPinned(name)) {
    return { setting: name, how: `${s.type.toUpperCase()}${s.detail.local === true ? ' LOCAL' : ''} ${name}` }
  }
  if (SET_CLAUSE_NODES.has(s.node)) {
    const text = s.text.toLowerCase()
    const hit = PINNED_NAMES.find((n) => text.includes(n))
    if (hit) return { setting: hit, how: `a SET clause of ${s.node.replace(/Stmt$/, '')}` }
    // Unicode-escaped identifiers (U&"…") could spell a pinned name without containing it.
    if (/u&"/.test(text)) return { setting: 'a session setting', how: `a Unicode-escaped name in ${s.node.replace(/Stmt$/, '')}` }
  }
  if (s.tables.some((t) => t.name === 'pg_settings' && t.access !== 'read')) return { setting: 'a session setting', how: 'writing to pg_settings' }
  return setConfigChange(s)
}

/** The first pinned-setting change among the statements of a judgement (nested ones included). */
export function firstPinnedChange(statements: readonly SqlStatement[]): PinnedChange | undefined {
  for (const s of statements) {
    const c = pinnedChange(s)
    if (c) return c
  }
  return undefined
}
