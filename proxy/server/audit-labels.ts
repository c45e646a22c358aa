// Stamps what an OPA decision log calls labels and bundles onto audit records as they are recorded: records get
// `labels` {id, version} (which gateway, which Warden), and every decision record (and MCP record) the revision
// of the policy bundle that made it (`bundle_revision`). They are part of the hashed record, so an exported
// decision-log entry carries them as the chain holds them.
// The statements of an open PostgreSQL session (its release and outcome records, two per statement) carry no
// labels of their own: the session's connection record has them, and the export takes them from there
// (engine/audit/decision-log.ts). Measured with the real builders, statementEvent then storableEvent, best CPU
// time of 8 rounds at load 11-13 on 2 cores: 21-23 µs a record before decision_id and the revision, 27-28 with
// them, 31 with the labels object as well: the labels were the priciest part, on the busiest records.
import type { AuditEvent, AuditSink } from '../../engine/audit/types.ts'

export interface AuditLabels {
  /** The gateway's id (state.ts loadOrCreateGatewayId). */
  id: string
  /** The Warden version. */
  version: string
}

/**
 * The sink the engine records into. The event is stamped in place (frontends build a fresh object per record
 * and never reuse it): no copy on the data path.
 */
/** A statement of an established PostgreSQL session: refusals at startup come before the connection record. */
const inSession = (e: AuditEvent) => (e.type === 'statement' || e.type === 'release') && e.protocol === 'postgres' && e.session_id !== undefined && e.via !== 'startup'

export function labelledAuditSink(sink: AuditSink, labels: AuditLabels, revision: () => string): AuditSink {
  const frozen = Object.freeze({ id: labels.id, version: labels.version })
  return {
    record(event: AuditEvent) {
      if (!inSession(event)) event.labels = frozen
      if (event.decision !== undefined || event.type === 'mcp') event.bundle_revision = revision()
      sink.record(event)
    },
    flush: () => sink.flush(),
    ...(sink.durable ? { durable: () => sink.durable!() } : {}),
  }
}
