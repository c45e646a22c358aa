// Removes secrets from an audit event before it is stored. Returns a copy; the event is not modified.
//   - values under secret-sounding keys (password, token, secret, authorization, cookie, api_key …)
//   - SQL text (keys sql/query/statement, `raw` of a postgres/mysql command, statement `text`) → redactSql
//   - the query of a request's URL (key url): values of parameters with secret-sounding names → [REDACTED]
//   - every string: spans found by the mask detectors (JWTs, keys, cards, emails …) → `[jwt]`, `[card]` …,
//     except identity and bookkeeping fields (sub, email, ids, digests, time) that make the log useful
//   - extraPaths: dot paths (`*` wildcards) from the decision's audit obligation, replaced whole
import { DETECTOR_NAMES } from '../obligations/mask/detectors/index.ts'
import { compileGlob } from '../obligations/mask/glob.ts'
import { maskDetected } from '../obligations/mask/text-spans.ts'
import { StringMemo } from './memo.ts'
import { SharedResults, sharedData } from './shared-data.ts'
import { redactSql } from './sql.ts'
import type { AuditEvent } from './types.ts'

export const REDACTED = '[REDACTED]'

const SECRET_KEY =
  /pass(?:word|wd|phrase)?$|^pwd$|secret|token|authori[sz]ation|cookie|api[-_]?key|private[-_]?key|credential|signature|^x-amz-security/i
const SQL_KEYS = new Set(['sql', 'query', 'statement', 'sql_text'])
// Query parameter names whose values are credentials, besides the secret-sounding keys: the normalizer redacts a
// narrower list in what the policy sees (normalize/http.ts), and a URL's query is the one place in an event where
// a parameter's name and value sit inside one string.
const SECRET_PARAM = /^(?:key|sig|auth|pass|apikey|access_?key|session_?id|sid|jwt|otp|code)$/i
const URL_KEYS = new Set(['url'])
const SQL_PROTOCOLS = new Set(['postgres', 'mysql'])
// Fields that identify who and what; detectors skip them (an email address as `sub` is the point).
const BOOKKEEPING_KEYS = new Set([
  'type', 'time', 'id', 'session_id', 'decision_id', 'sub', 'issuer', 'email', 'client_id', 'kind', 'groups',
  'approved_by', 'decided_by', 'digest', 'fingerprint', 'started_at', 'created_at', 'decided_at', 'rule',
])
const MAX_DEPTH = 64
/**
 * Reasons an event keeps (of a decision, a dry run, a held request). A policy gives one a column: a denied text of
 * 16 KiB naming 1,400 untraceable columns made a record of 350 KB, so an agent repeating it filled the trail (and
 * the durable sink's queue, bounded by count) at 20 times what it sent.
 */
export const MAX_REASONS = 64
const NO_KEY = new Uint8Array(0) // redact never hashes

interface Context {
  extra: RegExp[][]
  stack: Set<object>
  /** The path of the value being visited; pushed and popped as the walk goes (no copy per value). */
  path: string[]
  /** SQL texts redacted so far: their redaction changes once the parser has loaded (sql.ts), so is never shared. */
  sqlTexts: number
}

const detected = (text: string) => maskDetected(text, DETECTOR_NAMES, {}, NO_KEY).value ?? REDACTED
// Running every detector over a string costs a few µs; an event repeats most of its strings (target,
// protocol, effect, reasons, the redacted statement shape), and detection is a pure function of the text.
const detectedMemo = new StringMemo(512, 1024)

function redactText(text: string, bookkeeping: boolean): string {
  if (bookkeeping) return text
  return detectedMemo.get(text, detected)
}

function matchesExtra(ctx: Context): boolean {
  const path = ctx.path
  return ctx.extra.some((segments) => segments.length === path.length && segments.every((re, i) => re.test(path[i]!)))
}

/** plain: ordinary value; sql_text: this string is SQL; sql_tree: inside a parsed SQL command, where `text` is SQL. */
type Mode = 'plain' | 'sql_text' | 'sql_tree'

/** What a key says about its value, whatever the value: secret, bookkeeping, or SQL. */
interface KeyKind {
  secret: boolean
  bookkeeping: boolean
  sql: boolean
  url: boolean
}

// Events repeat a few dozen keys; classifying one runs a regular expression. Keys past the bound are classified
// each time (an event may carry many distinct keys, e.g. request headers).
const keyKinds = new Map<string, KeyKind>()
const MAX_KEY_KINDS = 1024

function kindOf(key: string): KeyKind {
  let kind = keyKinds.get(key)
  if (kind === undefined) {
    kind = { secret: SECRET_KEY.test(key), bookkeeping: BOOKKEEPING_KEYS.has(key), sql: SQL_KEYS.has(key), url: URL_KEYS.has(key) }
    if (keyKinds.size < MAX_KEY_KINDS) keyKinds.set(key, kind)
  }
  return kind
}

function childMode(parent: Record<string, unknown> | unknown[], key: string, kind: KeyKind, child: unknown, mode: Mode): Mode {
  if (Array.isArray(parent)) return mode
  // A postgres/mysql command: its raw text and its parsed statements' text are SQL.
  const protocol = parent.protocol
  const sqlCommand = typeof protocol === 'string' && SQL_PROTOCOLS.has(protocol)
  if (typeof child === 'string') {
    return kind.sql || (sqlCommand && key === 'raw') || (mode === 'sql_tree' && key === 'text') ? 'sql_text' : 'plain'
  }
  return (sqlCommand && key === 'sql') || mode === 'sql_tree' ? 'sql_tree' : 'plain'
}

// Redacted copies of frozen shared event parts (shared-data.ts). A part holding a secret-named key is never
// shared: its redaction holds a [REDACTED] (or a null) that a sink's second layer may overwrite in place
// (pino-sink.ts censorSecretPaths), which a frozen result forbids.
const shared = new SharedResults()
const isSecretKey = (key: string) => kindOf(key).secret

/** An own, enumerable, writable property, even for the key `__proto__` (which assignment would take as the prototype). */
function put(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  else out[key] = value
}

/**
 * The redacted copy of `value`, the last key of ctx.path being its own (`kind` that key's classification). No
 * try/finally around the path and cycle bookkeeping: a throw abandons the whole walk, and ctx with it.
 */
function visit(ctx: Context, value: unknown, mode: Mode, kind: KeyKind | undefined): unknown {
  if (kind !== undefined && (kind.secret || (ctx.extra.length > 0 && matchesExtra(ctx)))) return value === null || value === undefined ? value : REDACTED
  if (typeof value === 'string') {
    if (kind?.url === true && mode !== 'sql_text') return redactText(redactQuery(value), false)
    if (mode !== 'sql_text') return redactText(value, kind?.bookkeeping === true)
    ctx.sqlTexts++
    return redactText(redactSql(value), kind?.bookkeeping === true)
  }
  if (typeof value === 'function' || typeof value === 'symbol') return undefined
  if (typeof value !== 'object' || value === null) return value
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[binary ${value.byteLength} bytes]`
  if (ctx.stack.has(value)) return '[Circular]'
  if (ctx.path.length >= MAX_DEPTH) return '[Truncated]'
  // What a shared object redacts to depends on it, the mode and the depth (MAX_DEPTH) alone when no extra path
  // can match inside it: no cycle reaches back to the walk's stack, since shared data reaches only shared data.
  const context = ctx.extra.length === 0 && Object.isFrozen(value) && sharedData(value, isSecretKey) ? `${mode}:${ctx.path.length}` : undefined
  if (context !== undefined) {
    const known = shared.get(value, context)
    if (known !== undefined) return known
  }
  const sqlBefore = ctx.sqlTexts
  ctx.stack.add(value)
  const path = ctx.path
  let out: unknown
  if (Array.isArray(value)) {
    const items = new Array<unknown>(value.length)
    for (let i = 0; i < value.length; i++) {
      const key = String(i)
      path.push(key)
      items[i] = visit(ctx, value[i], mode, kindOf(key))
      path.pop()
    }
    out = items
  } else if (value instanceof Error) {
    const record = value as unknown as Record<string, unknown>
    out = Object.fromEntries(errorEntries(value).map(([k, v]) => {
      path.push(k)
      const kk = kindOf(k)
      const redacted = visit(ctx, v, childMode(record, k, kk, v, mode), kk)
      path.pop()
      return [k, redacted]
    }))
  } else {
    const record = value as Record<string, unknown>
    const copy: Record<string, unknown> = {}
    for (const k of Object.keys(record)) {
      const v = k === 'reasons' ? boundedReasons(record[k]) : record[k]
      const kk = kindOf(k)
      path.push(k)
      put(copy, k, visit(ctx, v, childMode(record, k, kk, v, mode), kk))
      path.pop()
    }
    out = copy
  }
  ctx.stack.delete(value)
  return context !== undefined && ctx.sqlTexts === sqlBefore ? shared.set(value, context, out) : out
}

/**
 * MAX_REASONS reasons, in their order: the first of each rule, then the others as they come; and one saying how many
 * more there were. The first MAX_REASONS alone could be one rule's only: decisions sort reasons by rule name, so 64
 * reasons of one rule (one per untraceable column) hid the reason of any rule named after it: why the text was denied.
 */
function boundedReasons(value: unknown): unknown {
  if (!Array.isArray(value) || value.length <= MAX_REASONS) return value
  const keep = new Set<number>()
  const rules = new Set<unknown>()
  for (let i = 0; i < value.length && keep.size < MAX_REASONS; i++) {
    const rule = (value[i] as { rule?: unknown } | null)?.rule
    if (rules.has(rule)) continue
    rules.add(rule)
    keep.add(i)
  }
  for (let i = 0; i < value.length && keep.size < MAX_REASONS; i++) keep.add(i)
  const more = value.length - MAX_REASONS
  return [...value.filter((_, i) => keep.has(i)), { rule: 'warden.audit.reasons', message: `${more} more reasons not recorded (an event keeps ${MAX_REASONS}: the first of each rule, then the first others)` }]
}

/** A URL (or `METHOD URL`) with the value of each query parameter whose name sounds secret replaced. */
export function redactQuery(text: string): string {
  const q = text.indexOf('?')
  if (q < 0) return text
  const end = text.indexOf('#', q)
  const query = text.slice(q + 1, end < 0 ? undefined : end)
  const redacted = query.split('&').map((part) => {
    const eq = part.indexOf('=')
    if (eq < 0) return part
    let name = part.slice(0, eq)
    try {
      name = decodeURIComponent(name.replaceAll('+', ' '))
    } catch {
      // Kept as sent: judged by its raw spelling.
    }
    return SECRET_KEY.test(name) || SECRET_PARAM.test(name) ? `${part.slice(0, eq)}=${REDACTED}` : part
  }).join('&')
  return `${text.slice(0, q + 1)}${redacted}${end < 0 ? '' : text.slice(end)}`
}

function errorEntries(value: Error): Array<[string, unknown]> {
  const own = Object.entries(value).filter(([k]) => k !== 'name' && k !== 'message' && k !== 'cause')
  const base: Array<[string, unknown]> = [['name', value.name], ['message', value.message], ...own]
  return value.cause === undefined ? base : [...base, ['cause', value.cause]]
}

function compilePath(path: string): RegExp[] {
  return (path.startsWith('$.') ? path.slice(2) : path).split('.').map(compileGlob)
}

export function redactEvent(event: AuditEvent, extraPaths: string[] = []): AuditEvent {
  const ctx: Context = { extra: extraPaths.map(compilePath), stack: new Set(), path: [], sqlTexts: 0 }
  return visit(ctx, event, 'plain', undefined) as AuditEvent
}
