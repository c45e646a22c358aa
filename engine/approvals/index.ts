// Holding statements for human approval and the grants approvals create.
export { ApprovalError, type ApprovalErrorCode } from './errors.ts'
export { createMemoryApprovalStore, type MemoryApprovalStoreOptions } from './memory.ts'
export { openSqliteApprovalStore } from './sqlite.ts'
export { openPostgresApprovalStore, type PostgresApprovalOptions } from './postgres.ts'
export { type ApprovalEvent, type ApprovalStoreOptions } from './store.ts'
export { createReviewCipher, REVIEW_KEY_BYTES, type ReviewCipher } from './review-cipher.ts'
export type { ApprovalRequest, ApprovalStatus, ApprovalStore, ApprovalVote, GrantHolder, GrantRecord, NewApprovalRequest } from './types.ts'
export { type BoundValues, reviewJson, reviewText } from './review-text.ts'
