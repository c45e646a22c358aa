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
  constructor(fields: ErrorFields, options?: { cause?: unknown }) {
    super(fields.message, options)
    this.name = 'PgError'
    this.fields = fields
    this.code = `pg.${fields.code}`
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

const err = (severity: Severity, code: string, message: string, extra: Partial<ErrorFields> = {}) =>
  new PgError({ severity, code, message, ...extra })

export const pgErrors = {
  invalidPassword: (why: string) =>
    err('FATAL', '28P01', `authentication failed: ${why}`, { hint: 'Use a valid OIDC token as the password (e.g. `npx warden token --as <you> --group agents`).' }),
  authRefused: (why: string, hint?: string) => err('FATAL', '28000', why, hint ? { hint } : {}),
  unknownDatabase: (name: string) =>
    err('FATAL', '3D000', `database "${name}" does not exist`, { hint: 'The database name selects a Warden target; ask your administrator for the configured target names.' }),
  denied: (message: string, hint?: string) => err('ERROR', '42501', `warden: denied: ${message}`, hint ? { hint } : {}),
  startupRefused: (message: string) => err('FATAL', '42501', `warden: denied: ${message}`),
  protocolViolation: (why: string) => err('FATAL', '08P01', `protocol violation: ${why}`),
  queryCanceled: () => err('ERROR', '57014', 'canceling statement due to user request'),
  featureNotSupported: (what: string, severity: Severity = 'ERROR') => err(severity, '0A000', what),
  maskingFailed: (why: string) =>
    err('ERROR', 'XX000', 'warden: masking failed', { detail: why, hint: 'No unmasked row was sent. Report this to the Warden administrators.' }),
  upstreamUnavailable: (target: string, why: string) =>
    err('FATAL', '08001', `warden: cannot connect to target "${target}": ${why}`),
  upstreamLost: (why: string) => err('FATAL', '08006', `warden: connection to the server was lost: ${why}`),
} as const
