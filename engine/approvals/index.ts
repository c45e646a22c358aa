// Holding statements for human approval and the grants approvals create.
export { ApprovalError, type ApprovalErrorCode } from './errors.ts'
export { createMemoryApprovalStore, type MemoryApprovalStoreOptions } from './memory.ts'
export type { ApprovalRequest, ApprovalStatus, ApprovalStore } from './types.ts'
export { type BoundValues, reviewText } from './review-text.ts'
