// Audit records of the PostgreSQL frontend. Statements are stored redacted (literals replaced); tokens and
// upstream credentials never appear in any event.
import { redactSql } from '../../engine/audit/index.ts'
import type { SessionState } from '../../engine/gateway.ts'
import type { Verdict } from './judge.ts'
import type { StatementRun } from './pending.ts'

export interface ClientInfo {
  address: string | undefined
  tls: boolean
}

const now = () => new Date().toISOString()

function who(session: SessionState) {
  return { sub: session.identity.sub, issuer: session.identity.issuer, kind: session.identity.kind }
}

export function connectionEvent(session: SessionState, client: ClientInfo, params: { application_name?: string; server_version?: string; settings: string[] }) {
  return {
    type: 'connection' as const,
    time: now(),
    session_id: session.id,
    protocol: 'postgres',
    identity: who(session),
    target: session.target.name,
    client,
    ...params,
  }
}

export function disconnectEvent(session: SessionState, stats: { statements: number; duration_ms: number; reason: string }) {
  return { type: 'disconnect' as const, time: now(), session_id: session.id, protocol: 'postgres', target: session.target.name, ...stats }
}

export function authFailureEvent(client: ClientInfo, attempt: { user?: string; database?: string; code: string; message: string }) {
  return { type: 'auth_failure' as const, time: now(), protocol: 'postgres', client, ...attempt }
}

export function errorEvent(client: ClientInfo, detail: { session_id?: string; target?: string; code: string; message: string }) {
  return { type: 'error' as const, time: now(), protocol: 'postgres', client, ...detail }
}

function statementBase(session: SessionState, text: string, verdict: Verdict) {
  const d = verdict.judgement.decision
  return {
    type: 'statement' as const,
    time: now(),
    session_id: session.id,
    protocol: 'postgres',
    identity: who(session),
    target: session.target.name,
    statement: redactSql(text),
    fingerprint: verdict.judgement.input.command?.fingerprint,
    decision: d.effect,
    reasons: d.reasons,
    ...(verdict.approvalId ? { approval_id: verdict.approvalId } : {}),
  }
}

/** A statement refused before it reached the server. */
export function deniedEvent(session: SessionState, text: string, verdict: Verdict, via: string) {
  const error = verdict.allow ? undefined : verdict.error.fields.code
  return { ...statementBase(session, text, verdict), via, effect: 'deny' as const, error, rows: 0, masked: 0, duration_ms: 0 }
}

/** A statement that was sent to the server, once its outcome is known. */
export function statementEvent(session: SessionState, run: StatementRun) {
  return {
    ...statementBase(session, run.text, run.verdict),
    via: run.protocol,
    effect: 'allow' as const,
    rows: run.rows,
    masked: run.masked,
    duration_ms: Math.round((performance.now() - run.startedAt) * 100) / 100,
    ...(run.error ? { error: run.error } : {}),
    ...(run.skipped ? { skipped: true } : {}),
  }
}
