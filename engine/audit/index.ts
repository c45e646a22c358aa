// Recording what happened, with secrets removed first; the tamper-evident trail and its readers. The stores
// (store/sqlite.ts, store/postgres.ts) are imported directly by whoever opens one, so importing this index
// loads neither driver.
export { type Checkpoint, type CheckpointSigner, checkpointSignatureValid, createCheckpointSigner, keyIdOf } from './chain/checkpoint.ts'
export { type ChainHead, type ChainRecord, canonicalJson, GENESIS_HASH, recordHash } from './chain/record.ts'
export { type StoredRecord, type TamperReason, type VerifyFailure, type VerifyReport, verifyChain } from './chain/verify.ts'
export { type Checkpointer, type CheckpointExporter, createCheckpointer } from './checkpointer.ts'
export { type DecisionLogEntry, decisionLog, toDecisionLog } from './decision-log.ts'
export { createDurableAuditSink, type DurableAuditSink, type DurableSinkOptions, storableEvent } from './durable-sink.ts'
export { AuditError, type AuditErrorCode } from './errors.ts'
export { createMemoryAuditSink } from './memory-sink.ts'
export { createPinoAuditSink, type PinoAuditSink } from './pino-sink.ts'
export { REDACTED, redactEvent } from './redact.ts'
export { type AuditReader, createStoreReader, parseSince, type StoreReaderOptions } from './reader.ts'
export { formatReplay, type ReplayStep, replaySession, type SessionReplay } from './replay.ts'
export { loadAuditRedaction, redactSql, type RedactSqlOptions, UNREDACTABLE_SQL } from './sql.ts'
export type { AuditStore, PendingRecord, SessionFilter, SessionSummary } from './store/types.ts'
export type { AuditEvent, AuditEventType, AuditSink } from './types.ts'
