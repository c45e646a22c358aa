// Obligations a decision carries that the gateway enforces on the data. Approvals and audit live in their
// own layers (engine/approvals, engine/audit).
export * from './mask/index.ts'
