// The errors the gateway sends to PostgreSQL clients, with real SQLSTATEs, and the errors its code throws.
// @see https://www.postgresql.org/docs/current/errcodes-appendix.html
import { CodedError } from '../../engine/errors.ts'

export type Severity = 'ERROR' | 'FATAL' | 'PANIC' | 'WARNING' | 'NOTICE'

export interface ErrorFields {
  severity: Severity
  /** SQLSTATE, five characters. */
  code: string
  message: string
  detail?: string
  hint?: string
}

/** An error destined for the client as an ErrorResponse; FATAL ends the connection. */
export class PgError extends Error {
  readonly fields: ErrorFields
  readonly code: string
  /** The audit event code of a session the gateway ends over it (e.g. postgres.pinned_setting). */
  readonly auditCode: string | undefined
  constructor(fields: ErrorFields, options?: { cause?: unknown; auditCode?: string }) {
    super(fields.message, options)
    this.name = 'PgError'
    this.fields = fields
    this.code = `pg.${fields.code}`
    this.auditCode = options?.auditCode
  }
  get fatal(): boolean {
    return this.fields.severity === 'FATAL'
  }
}

/** Malformed or unexpected bytes on the wire; the connection is closed with 08P01. */
export class ProtocolError extends CodedError<'pg.protocol_violation'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('pg.protocol_violation', message, options)
  }
}

export type UpstreamErrorCode = 'upstream.connect' | 'upstream.tls' | 'upstream.auth' | 'upstream.startup' | 'upstream.closed'

/** The real server could not be reached, refused the gateway's credentials, or went away. */
export class UpstreamError extends CodedError<UpstreamErrorCode> {}

/** PostgreSQL's NAMEDATALEN: identifiers, prepared statement and portal names keep NAMEDATALEN-1 bytes. */
export const NAMEDATALEN = 64

const PINNED_HINT = 'client_encoding=UTF8, standard_conforming_strings=on, backslash_quote=safe_encoding'

const err = (severity: Severity, code: string, message: string, extra: Partial<ErrorFields> = {}, auditCode?: string) =>
  new PgError({ severity, code, message, ...extra }, { auditCode })

export const pgErrors = {
  invalidPassword: (why: string) =>
    err('FATAL', '28P01', `authentication failed: ${why}`, { hint: 'Use a valid OIDC token as the password (e.g. `npx warden token --as <you> --group agents`).' }),
  authRefused: (why: string, hint?: string) => err('FATAL', '28000', why, hint ? { hint } : {}),
  unknownDatabase: (name: string) =>
    err('FATAL', '3D000', `database "${name}" does not exist`, { hint: 'The database name selects a Warden target; ask your administrator for the configured target names.' }),
  denied: (message: string, hint?: string) => err('ERROR', '42501', `warden: denied: ${message}`, hint ? { hint } : {}),
  startupRefused: (message: string) => err('FATAL', '42501', `warden: denied: ${message}`),
  startupParameterRefused: (name: string, why: string, hint: string) =>
    err('FATAL', '42501', `warden: denied: startup parameter ${name.slice(0, 64)}: ${why}`, { hint }),
  protocolViolation: (why: string) => err('FATAL', '08P01', `protocol violation: ${why}`),
  queryCanceled: () => err('ERROR', '57014', 'canceling statement due to user request'),
  featureNotSupported: (what: string, severity: Severity = 'ERROR') => err(severity, '0A000', what),
  maskingFailed: (why: string) =>
    err('ERROR', 'XX000', 'warden: masking failed', { detail: why, hint: 'No unmasked row was sent. Report this to the Warden administrators.' }),
  tooManySessions: (target: string, limit: number) =>
    err('FATAL', '53300', `warden: too many sessions: you already hold ${limit} sessions on target "${target}" (upstream.max_sessions_per_caller)`, {
      hint: 'Close sessions you no longer use (or share one), or ask the gateway operator to raise upstream.max_sessions_per_caller for this target.',
    }),
  tooManyStarting: (limit: number) =>
    err('FATAL', '53300', `warden: too many connections are starting up at once (${limit}); this one was refused`, {
      hint: 'Retry shortly. Connections that do not finish startup within the startup timeout are dropped.',
    }),
  startingDisplaced: (limit: number) =>
    err('FATAL', '53300', `warden: too many connections are starting up at once (${limit}); this one, the oldest from the address starting the most, was closed to make room for another address`, {
      hint: 'Finish startup promptly, or open fewer connections at once from this address.',
    }),
  tooManyStartingFromSource: (limit: number) =>
    err('FATAL', '53300', `warden: too many connections from this address are starting up at once (${limit}); this one was refused`, {
      hint: 'Retry shortly. Connections that do not finish startup within the startup timeout are dropped.',
    }),
  upstreamUnavailable: (target: string, why: string) =>
    err('FATAL', '08001', `warden: cannot connect to target "${target}": ${why}`),
  messageTooLarge: (type: string, bytes: number, limit: number) =>
    err('FATAL', '54000', `warden: message "${type}" of ${bytes} bytes exceeds the gateway limit of ${limit} bytes`, {
      hint: 'Send large data as several smaller messages (COPY data in chunks, large values split across statements).',
    }),
  /** 53200 as PostgreSQL reports an allocation that fails: the budget is shared, so a retry may succeed. */
  messageBudgetExhausted: (bytes: number, limit: number) =>
    err('FATAL', '53200', `out of memory: warden: a message of ${bytes} bytes would pass the gateway's limit of ${limit} bytes buffered for unread client messages across all sessions (listeners.postgres.max_buffered_message_bytes)`, {
      hint: 'Retry when fewer large messages are in flight, send large values in smaller messages, or ask the gateway operator to raise listeners.postgres.max_buffered_message_bytes.',
    }, 'postgres.message_budget'),
  messageBudgetShareExhausted: (bytes: number, limit: number) =>
    err('FATAL', '53200', `out of memory: warden: a message of ${bytes} bytes would pass this caller's share of ${limit} bytes buffered for unread client messages (a quarter of listeners.postgres.max_buffered_message_bytes, over all of the caller's sessions)`, {
      hint: 'Send large messages one at a time, send large values in smaller messages, or ask the gateway operator to raise listeners.postgres.max_buffered_message_bytes.',
    }, 'postgres.message_budget'),
  /** 08P01 as PostgreSQL reports a message that stops short ("incomplete message from client"). */
  messageTimeout: (bytes: number | undefined, allowedMs: number, baseMs: number) =>
    err('FATAL', '08P01', `incomplete message from client: warden: a message${bytes === undefined ? '' : ` of ${bytes} bytes`} did not arrive whole within ${(allowedMs / 1000).toFixed(1)} s of its first byte (listeners.postgres.message_timeout_seconds: ${baseMs / 1000} s, plus 1 s per 64 KiB)`, {
      hint: 'Send each message without pausing inside it, or ask the gateway operator to raise listeners.postgres.message_timeout_seconds.',
    }, 'postgres.message_timeout'),
  textTooLarge: (bytes: number, limit: number) =>
    err('ERROR', '54000', `warden: SQL text of ${bytes} bytes exceeds the limit of ${limit} bytes`, {
      hint: 'Send the statements in smaller query strings, or pass large values as bind parameters.',
    }),
  tooManyKept: (why: string) =>
    err('ERROR', '54000', `warden: ${why}`, {
      hint: 'Close prepared statements and portals no longer needed (Close, DEALLOCATE, CLOSE), or reuse their names.',
    }),
  nameTooLong: (what: string, bytes: number) =>
    err('ERROR', '42622', `warden: ${what} name of ${bytes} bytes is too long: PostgreSQL reads only the first ${NAMEDATALEN - 1} bytes`, {
      hint: `Use names of at most ${NAMEDATALEN - 1} bytes.`,
    }),
  invalidUtf8: (what: string) =>
    err('ERROR', '22021', 'invalid byte sequence for encoding "UTF8"', { detail: `warden: the ${what} is not valid UTF-8; the gateway session encoding is UTF8.` }),
  parameterType: (position: number, oid: number) =>
    err('ERROR', '42501', `warden: denied: Parse declares parameter $${position} of type OID ${oid}, a type created in the database: the server would run its input code (a domain's CHECK), which the statement's text does not show`, {
      hint: `Declare the parameter's type as unspecified (0) and write the cast in the statement, e.g. $${position}::schema.type, where it is judged.`,
    }),
  pinnedSetting: (name: string, how: string, severity: Severity = 'ERROR') =>
    err(severity, '42501', `warden: denied: ${how} changes ${name}, which the gateway pins`, {
      detail: `The gateway judges SQL as PostgreSQL reads it with ${PINNED_HINT}; changing ${name} would make the server read statements differently.`,
      hint: 'Leave client_encoding, standard_conforming_strings and backslash_quote at their session values; convert text to UTF-8 in the client.',
    }),
  searchPathNotAlone: () =>
    err('ERROR', '42501', 'warden: denied: a search_path change must be sent alone, not in a query string with other statements', {
      detail: 'The other statements were judged with the names search_path gave before the change; the server would read them with the new one.',
      hint: 'Send SET search_path as its own query, then the statements that use it.',
    }),
  searchPathMovedUnseen: () =>
    err('FATAL', '42501', 'warden: a function or trigger moved this session\'s search_path or role, and statements judged with the names it gave before were already sent; the session is closed', {
      detail: 'PostgreSQL does not report search_path; the gateway checks it after statements that may run code, and statements pipelined behind such a check were judged with the old names.',
      hint: 'Reconnect. Change search_path with SET, not from inside functions or triggers, or qualify table names with their schema.',
    }, 'postgres.search_path_moved'),
  searchPathUnchecked: () =>
    err('FATAL', '42501', 'warden: the gateway could not check this session\'s search_path after a statement that may have run code, and statements judged with the names it gave before were already sent; the session is closed', {
      detail: 'The server answered the check with an error (its statement timeout, say), so what those statements resolve is not known.',
      hint: 'Reconnect, and wait for each statement that calls functions or fires triggers to be answered before sending the next.',
    }, 'postgres.search_path_unchecked'),
  searchPathCheckAborted: () =>
    err('FATAL', '25P02', 'warden: the gateway\'s search_path check failed inside this session\'s open transaction, which the server then aborted; the session is closed', {
      detail: 'The server answered the check with an error (its statement timeout, say): the transaction\'s work is rolled back, and a COMMIT would not have said so.',
      hint: 'Reconnect and run the transaction again.',
    }, 'postgres.search_path_check_aborted'),
  searchPathMovedShow: () =>
    err('ERROR', '42501', 'warden: denied: a function or trigger moved this session\'s search_path, so its value may hold what that code read; SHOW search_path is refused', {
      hint: 'Set search_path with SET (its value is then one you wrote), or reconnect.',
    }),
  pinnedSettingChanged: (name: string, value: string) =>
    err('FATAL', '42501', `warden: the server changed ${name} to "${value.slice(0, 64)}", which the gateway pins; the session is closed`, {
      hint: 'Reconnect, and leave client_encoding and standard_conforming_strings at their session values.',
    }, 'postgres.pinned_setting'),
  settingChangedUnjudged: (name: string) =>
    err('FATAL', '42501', `warden: the server reported a new value of ${name.slice(0, 64)} that no statement the gateway judged set (code it could not see into, such as a function or trigger, set it); the value is withheld and the session is closed`, {
      detail: 'A session setting is read back unmasked (ParameterStatus, SHOW, current_setting), so a value of unknown origin could carry a masked one.',
      hint: 'Reconnect. Change session settings with SET, not from inside functions or triggers.',
    }, 'postgres.setting_changed'),
  auditUnavailable: (why: string) => err('ERROR', '58000', `warden: the statement was not run: the audit trail could not record it (${why})`, {
    hint: 'Every statement is recorded before it reaches the server. Retry once the audit store is back, or ask an administrator.',
  }),
  upstreamLost: (why: string) => err('FATAL', '08006', `warden: connection to the server was lost: ${why}`),
} as const
