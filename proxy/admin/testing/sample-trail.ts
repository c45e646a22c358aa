// A small audit trail written through the gateway's own wiring (openAuditTrail: redaction, chain, signed and
// exported checkpoints): two sessions of three statements' worth of events, one of them carrying a token
// where a careless frontend might put one. For the readers' tests: local, admin API, CLI.
import { join } from 'node:path'
import { pino } from 'pino'
import type { AuditEvent } from '../../../engine/audit/types.ts'
import { defaultConfig } from '../../../engine/config/defaults.ts'
import type { Config } from '../../../engine/config/types.ts'
import { openAuditTrail } from '../../server/audit-trail.ts'

export const SAMPLE_JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjdXJzb3IifQ.c2lnbmF0dXJlc2lnbmF0dXJlc2ln'
const at = (s: number) => `2026-11-29T10:00:${String(s).padStart(2, '0')}.000Z`

function session(id: string, who: { sub: string; issuer: string; kind: string }, t0: number): AuditEvent[] {
  // As the gateway records them: the labels on the connection record, none on the session's statements.
  const base = { session_id: id, protocol: 'postgres', identity: who, target: 'demo' }
  return [
    { type: 'connection', time: at(t0), ...base, labels: { id: 'gw-test', version: '0.1.0' }, client: { address: '127.0.0.1', tls: true }, application_name: 'psql', password: SAMPLE_JWT },
    { type: 'statement', time: at(t0 + 1), ...base, statement: 'SELECT email FROM users WHERE id = 42', fingerprint: 'fp1', decision_id: `${id}-d1`, decision: 'allow', reasons: [], via: 'simple', effect: 'allow', rows: 1, masked: 1, duration_ms: 1.5, bundle_revision: 'sha256:test' },
    { type: 'statement', time: at(t0 + 2), ...base, statement: 'DROP TABLE users', fingerprint: 'fp2', decision_id: `${id}-d2`, decision: 'deny', reasons: [{ rule: 'destructive', message: 'DROP is destructive' }], via: 'simple', effect: 'deny', error: '42501', rows: 0, masked: 0, duration_ms: 0, bundle_revision: 'sha256:test' },
    { type: 'disconnect', time: at(t0 + 3), session_id: id, protocol: 'postgres', target: 'demo', statements: 2, duration_ms: 3000, reason: 'client_terminate' },
  ]
}

/** A config whose SQLite trail lives in `stateDir`, with checkpoints every 4 records exported beside it. */
export function sampleTrailConfig(stateDir: string): Config {
  const config = defaultConfig(stateDir)
  config.audit = { ...config.audit, destination: 'off', checkpoints: { every_records: 4, every_seconds: 60, file: join(stateDir, 'exported-checkpoints.jsonl') } }
  return config
}

/** Writes sessions sess-a (cursor, an agent) and sess-b (bob, a human), then `extra`, and closes the trail. */
export async function writeSampleTrail(config: Config, extra: AuditEvent[] = []): Promise<void> {
  const trail = await openAuditTrail(config, { log: pino({ level: 'silent' }), env: {} })
  const cursor = { sub: 'cursor', issuer: 'warden-dev', kind: 'agent' }
  for (const e of [...session('sess-a', cursor, 0), ...session('sess-b', { ...cursor, sub: 'bob', kind: 'human' }, 10), ...extra]) trail.sink.record(e)
  await trail.sink.durable!()
  await trail.close()
}
