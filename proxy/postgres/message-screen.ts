// Server text that is not a result row can still carry values: `invalid input syntax for type integer: "<the
// email>"`, a RAISE's message, xmlparse's DETAIL, a NOTIFY payload. Two rules:
// - during a statement that reads masked columns, an ErrorResponse / NoticeResponse keeps only its severity,
//   SQLSTATE, position and the names of objects (schema, table, column, type, constraint) and source location;
//   its texts (message, detail, hint, context, internal query) are replaced by a gateway message saying why;
// - where column masking applies, one raised inside a function or trigger (its context names one) keeps the same
//   fields only: code the statement does not show (a trigger, a function's dynamic SQL) may have read masked
//   values the judgement never saw; a DO block's own body (inline_code_block) was judged with the statement;
// - where column masking applies, one naming a table (its table field) with masked columns keeps the same fields
//   only: its DETAIL may repeat that table's row or key ("Failing row contains (…)") though the statement names
//   none of its columns, as when a foreign key's ON DELETE SET NULL / ON UPDATE CASCADE writes a referencing table;
// - otherwise, wherever content masking applies, detectors scan every text field of ErrorResponse,
//   NoticeResponse and NotificationResponse (also outside statements, e.g. a notice from another backend).
// Where column masking applies, a NOTIFY payload is also held to its own rule (screenNotification): it comes from
// another session or a trigger, not from a column the gateway can name.
// A text longer than MAX_MASKED_CHARS is replaced whole (bounded work, as for rows).
import {
  type DetectorName,
  type DetectorStrategies,
  type JsonMasker,
  MAX_MASKED_CHARS,
  maskDetected,
  REDACTED,
} from '../../engine/obligations/mask/index.ts'
import { decodeFields, encodeFields, type FieldMap } from './messages/error-response.ts'
import { decodeNotificationResponse, encodeNotificationResponse } from './messages/notification-response.ts'
import { conditionName } from './sqlstate-names.ts'

export interface Detection {
  detectors: DetectorName[]
  strategies: DetectorStrategies
  key: Uint8Array
}

/** Fields kept when the texts are withheld: severity, SQLSTATE, positions, object names, source location. */
const KEPT = new Set(['S', 'V', 'C', 'P', 's', 't', 'c', 'd', 'n', 'F', 'L', 'R'])
/** Fields never scanned: severity, SQLSTATE, positions and line number hold no values. */
const NOT_TEXT = new Set(['S', 'V', 'C', 'P', 'p', 'L'])

function scan(text: string, d: Detection): string | undefined {
  if (text.length > MAX_MASKED_CHARS) return REDACTED
  const r = maskDetected(text, d.detectors, d.strategies, d.key)
  if (!r.masked) return undefined
  return r.value ?? REDACTED
}

/**
 * The gateway's text standing in for the server's. `inTransaction`: the columns are not the statement's own but
 * those of earlier statements of its transaction whose work runs on to its end (a write's deferred checks, a WITH
 * HOLD cursor's query).
 */
export function withheldMessage(kind: 'E' | 'N', code: string, columns: readonly string[], inTransaction = false): string {
  const what = kind === 'E' ? 'error' : 'notice'
  const why = inTransaction
    ? `an earlier statement of this transaction wrote or holds a cursor over masked columns (${columns.join(', ')}), and its checks run until the transaction ends`
    : `the statement reads masked columns (${columns.join(', ')})`
  return `warden: the server's ${what} text was withheld because ${why}; SQLSTATE ${code} (${conditionName(code)})`
}

/**
 * The first routine a message's context (W) names other than a DO block's body, innermost first: `PL/pgSQL function
 * trg() line 3 at RAISE`, `SQL function "f" statement 1`, `PL/Python function "f"`; undefined when none.
 */
export function raisingRoutine(context: string | undefined): string | undefined {
  if (!context) return undefined
  for (const m of context.matchAll(/^(?:PL\/\S+|SQL) function (.+?)(?: line \d+| statement \d+|$)/gm)) {
    const name = m[1]!.trim()
    if (name !== 'inline_code_block') return name
  }
  return undefined
}

/** The gateway's text standing in for that of a message raised inside a routine. */
export function routineWithheldMessage(kind: 'E' | 'N', code: string, routine: string): string {
  const what = kind === 'E' ? 'error' : 'notice'
  return `warden: the server's ${what} text was withheld because it was raised inside function ${routine.slice(0, 64)}, whose reads the gateway does not judge, ` +
    `where results are masked; SQLSTATE ${code} (${conditionName(code)})`
}

const WITHHELD_HINT = 'Masked values never leave the gateway, error and notice texts included. To see the server\'s message, ' +
  'run the statement without the masked columns, or ask for break-glass access.'

function withhold(kind: 'E' | 'N', fields: FieldMap, message: string): Buffer {
  const out: FieldMap = new Map()
  for (const [k, v] of fields) if (KEPT.has(k)) out.set(k, v)
  out.set('M', message)
  out.set('H', WITHHELD_HINT)
  return encodeFields(kind, out)
}

/** Which masked columns a server text may carry values of, and whose they are. */
export interface MaskedNow {
  /** Masked columns the current statement reads (empty: scan with detectors only, when there are any). */
  columns: readonly string[]
  /** None of them is the statement's own: all are of earlier statements of its transaction (withheldMessage). */
  inTransaction?: boolean
  /**
   * The masked columns of a table a message names (its schema and table fields): its row or key may be in the
   * text. Unknown tables count as masked (fail closed).
   */
  ofTable?: (schema: string | null, table: string) => readonly string[]
}

/** The gateway's text standing in for that of a message naming a table with masked columns. */
export function tableWithheldMessage(kind: 'E' | 'N', code: string, table: string, columns: readonly string[]): string {
  const what = kind === 'E' ? 'error' : 'notice'
  return `warden: the server's ${what} text was withheld because it is about table ${table.slice(0, 64)}, whose row or key it may repeat, ` +
    `and that table has masked columns (${columns.join(', ')}); SQLSTATE ${code} (${conditionName(code)})`
}

/**
 * An ErrorResponse / NoticeResponse payload screened; undefined when it goes out unchanged. `columnMasking`:
 * column rules apply, so a text raised inside a routine is withheld.
 */
export function screenNotice(kind: 'E' | 'N', payload: Buffer, masked: MaskedNow, detection: Detection | undefined, columnMasking = false): Buffer | undefined {
  const fields = decodeFields(payload, kind === 'E' ? 'ErrorResponse' : 'NoticeResponse')
  const code = fields.get('C') ?? 'XX000'
  if (masked.columns.length) return withhold(kind, fields, withheldMessage(kind, code, masked.columns, masked.inTransaction))
  const routine = columnMasking ? raisingRoutine(fields.get('W')) : undefined
  if (routine) return withhold(kind, fields, routineWithheldMessage(kind, code, routine))
  const table = columnMasking ? fields.get('t') : undefined
  if (table !== undefined && masked.ofTable) {
    const columns = masked.ofTable(fields.get('s') ?? null, table)
    if (columns.length) return withhold(kind, fields, tableWithheldMessage(kind, code, table, columns))
  }
  if (!detection?.detectors.length) return undefined
  let changed = false
  for (const [k, v] of fields) {
    if (NOT_TEXT.has(k)) continue
    const masked = scan(v, detection)
    if (masked !== undefined) {
      fields.set(k, masked)
      changed = true
    }
  }
  return changed ? encodeFields(kind, fields) : undefined
}

/** How to screen a NotificationResponse. */
export interface NotificationScreen {
  detection?: Detection
  /**
   * Column masking applies (the masks' column rules, compiled): a payload's origin is unknown (another session, a
   * trigger), so it is kept only as a JSON object, whose keys name its values as columns name theirs (a change feed's
   * row_to_json(NEW)); values under a key a column rule matches are masked, and the detectors scan the rest. Any
   * other payload is replaced whole.
   */
  json?: JsonMasker
  /** The statement running now reads masked columns: a payload it sent may hold them under any name; replaced whole. */
  withhold?: boolean
}

function screenPayload(text: string, s: NotificationScreen): string | undefined {
  if (!s.json) return s.detection ? scan(text, s.detection) : undefined
  if (text === '') return undefined
  if (s.withhold || text.length > MAX_MASKED_CHARS) return REDACTED
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    return REDACTED
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return REDACTED
  const out = s.json.mask(doc)
  return out.masked ? JSON.stringify(out.doc) : undefined
}

/**
 * A NotificationResponse payload with its channel (detectors) and payload screened; undefined when unchanged.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-NOTIFICATIONRESPONSE
 */
export function screenNotification(payload: Buffer, s: NotificationScreen): Buffer | undefined {
  if (!s.json && !s.detection?.detectors.length) return undefined
  const m = decodeNotificationResponse(payload)
  const channel = s.detection?.detectors.length ? scan(m.channel, s.detection) : undefined
  const text = screenPayload(m.payload, s)
  if (channel === undefined && text === undefined) return undefined
  return encodeNotificationResponse({ processId: m.processId, channel: channel ?? m.channel, payload: text ?? m.payload })
}
