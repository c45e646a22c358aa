// Stamps what an OPA decision log calls labels and bundles onto audit records as they are recorded: every
// record gets `labels` {id, version} (which gateway, which Warden), and every decision record (and MCP record)
// the revision of the policy bundle that made it (`bundle_revision`). They are part of the hashed record, so an exported
// decision-log entry carries them as the chain holds them.
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
export function labelledAuditSink(sink: AuditSink, labels: AuditLabels, revision: () => string): AuditSink {
  const frozen = Object.freeze({ id: labels.id, version: labels.version })
  return {
    record(event: AuditEvent) {
      event.labels = frozen
      if (event.decision !== undefined || event.type === 'mcp') event.bundle_revision = revision()
      sink.record(event)
    },
    flush: () => sink.flush(),
    ...(sink.durable ? { durable: () => sink.durable!() } : {}),
  }
}
