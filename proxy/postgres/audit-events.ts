// Audit records of the PostgreSQL frontend. Statements are stored redacted (literals replaced); tokens and
// upstream credentials never appear in any event. Each judged statement gets a decision_id (a UUID, as in OPA
// decision logs), the same on the record made before it is sent (release) and the one made after it ran.
import { randomUUID } from 'node:crypto'
import { redactSql } from '../../engine/audit/index.ts'
import type { SessionState } from '../../engine/gateway.ts'
import type { Verdict } from './judge.ts'
import type { StatementRun } from './pending.ts'

export interface ClientInfo {
  address: string | undefined
  tls: boolean
}

const now = () => new Date().toISOString()

/** In Unicode mode \p{Cs} matches only unpaired surrogates. */
const LONE_SURROGATE = /\p{Cs}/u

const decisionIds = new WeakMap<Verdict, string>()

/** The decision id of this verdict: made on first use, so a release and its statement record share it. */
export function decisionIdOf(verdict: Verdict): string {
  let id = decisionIds.get(verdict)
  if (id === undefined) decisionIds.set(verdict, (id = randomUUID()))
  return id
}

// Groups ride along so `warden diff --corpus audit` can judge a recorded statement as the same identity.
function who(session: SessionState) {
  return { sub: session.identity.sub, issuer: session.identity.issuer, kind: session.identity.kind, groups: session.identity.groups }
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
    decision_id: decisionIdOf(verdict),
    decision: d.effect,
    reasons: d.reasons,
    ...(verdict.approvalId ? { approval_id: verdict.approvalId } : {}),
  }
}

/** A judged statement about to be sent to the server: on a durable trail, stored before it is sent. */
export function releaseEvent(session: SessionState, text: string, verdict: Verdict, via: string) {
  return { ...statementBase(session, text, verdict), type: 'release' as const, via, effect: 'allow' as const }
}

/** A statement refused before it reached the server. */
export function deniedEvent(session: SessionState, text: string, verdict: Verdict, via: string) {
  const error = verdict.allow ? undefined : verdict.error.fields.code
  const dryRun = verdict.judgement.dryRun?.()
  return { ...statementBase(session, text, verdict), via, effect: 'deny' as const, error, rows: 0, masked: 0, duration_ms: 0, ...(dryRun ? { dry_run: dryRun } : {}) }
}

/**
 * True when libpg-query parsed exactly this text: the judgement is of this very text, PostgreSQL, with
 * statements and no parse_error (engine/types.ts: parse_error is set whenever the text could not be parsed),
 * and the text is well-formed UTF-16 (the normalizer parses a copy with lone surrogates replaced otherwise).
 */
export function parsedByEngine(text: string, verdict: Verdict): boolean {
  const command = verdict.judgement.input.command
  const sql = command?.sql
  return command?.raw === text && sql?.dialect === 'postgres' && sql.parse_error === undefined &&
    Array.isArray(sql.statements) && sql.statements.length > 0 && !LONE_SURROGATE.test(text)
}

/**
 * A statement that was sent to the server, once its outcome is known. Built as one object literal, in the
 * same key order as deniedEvent: this runs for every statement, and spreading a base object (plus the
 * optional parts) measured several µs an event.
 */
export function statementEvent(session: SessionState, run: StatementRun) {
  const { verdict } = run
  const d = verdict.judgement.decision
  const event: Record<string, unknown> & { type: 'statement'; time: string } = {
    type: 'statement',
    time: now(),
    session_id: session.id,
    protocol: 'postgres',
    identity: who(session),
    target: session.target.name,
    statement: redactSql(run.text, { parsed: parsedByEngine(run.text, verdict) }),
    fingerprint: verdict.judgement.input.command?.fingerprint,
    decision_id: decisionIdOf(verdict),
    decision: d.effect,
    reasons: d.reasons,
  }
  if (verdict.approvalId) event.approval_id = verdict.approvalId
  event.via = run.protocol
  event.effect = 'allow'
  event.rows = run.rows
  event.masked = run.masked
  event.duration_ms = Math.round((performance.now() - run.startedAt) * 100) / 100
  if (run.error) event.error = run.error
  if (run.skipped) event.skipped = true
  // The statement has run and its result is on its way: only now is the dry-run policy judged.
  if (verdict.judgement.dryRun) event.dry_run = verdict.judgement.dryRun()
  return event
}
