// Versioned schema of the approval store, per dialect (component 'approvals' of engine/store/migrate.ts).
// Each row keeps the whole request or grant as JSON (`body`, the review text sealed); the columns beside it
// are what queries select and lock on.
import type { Migration } from '../store/migrate.ts'

export const SQLITE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'approval requests and grants',
    sql: `
      CREATE TABLE warden_approval_requests (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL,
        dedupe TEXT NOT NULL,
        expires_at_ms INTEGER NOT NULL,
        ended_at_ms INTEGER,
        body TEXT NOT NULL
      );
      CREATE INDEX warden_approval_requests_pending ON warden_approval_requests (status, dedupe);
      CREATE TABLE warden_approval_grants (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        approval_id TEXT NOT NULL,
        subject_sub TEXT NOT NULL,
        target TEXT NOT NULL,
        expires_at_ms INTEGER NOT NULL,
        revoked_at_ms INTEGER,
        body TEXT NOT NULL
      );
      CREATE INDEX warden_approval_grants_expiry ON warden_approval_grants (expires_at_ms);
    `,
  },
]

export const POSTGRES_MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'approval requests and grants',
    sql: `
      CREATE TABLE warden_approval_requests (
        seq bigserial PRIMARY KEY,
        id text NOT NULL UNIQUE,
        status text NOT NULL,
        dedupe text NOT NULL,
        expires_at_ms bigint NOT NULL,
        ended_at_ms bigint,
        body text NOT NULL
      );
      CREATE INDEX warden_approval_requests_pending ON warden_approval_requests (status, dedupe);
      CREATE TABLE warden_approval_grants (
        seq bigserial PRIMARY KEY,
        id text NOT NULL UNIQUE,
        approval_id text NOT NULL,
        subject_sub text NOT NULL,
        target text NOT NULL,
        expires_at_ms bigint NOT NULL,
        revoked_at_ms bigint,
        body text NOT NULL
      );
      CREATE INDEX warden_approval_grants_expiry ON warden_approval_grants (expires_at_ms);
    `,
  },
]
