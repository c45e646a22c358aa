// Versioned schema of the audit store, per dialect (component 'audit' of engine/store/migrate.ts).
import type { Migration } from '../../store/migrate.ts'

export const SQLITE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'audit records and checkpoints, append-only',
    sql: `
      CREATE TABLE warden_audit_records (
        id INTEGER PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        time TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        event TEXT NOT NULL,
        session_id TEXT, type TEXT, sub TEXT, target TEXT, effect TEXT
      );
      CREATE INDEX warden_audit_records_session ON warden_audit_records (session_id, seq);
      CREATE TABLE warden_audit_checkpoints (
        id INTEGER PRIMARY KEY,
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL,
        time TEXT NOT NULL,
        key_id TEXT NOT NULL,
        signature TEXT NOT NULL
      );
      CREATE TRIGGER warden_audit_records_no_update BEFORE UPDATE ON warden_audit_records
        BEGIN SELECT RAISE(ABORT, 'warden audit records are append-only'); END;
      CREATE TRIGGER warden_audit_records_no_delete BEFORE DELETE ON warden_audit_records
        BEGIN SELECT RAISE(ABORT, 'warden audit records are append-only'); END;
      CREATE TRIGGER warden_audit_checkpoints_no_update BEFORE UPDATE ON warden_audit_checkpoints
        BEGIN SELECT RAISE(ABORT, 'warden audit checkpoints are append-only'); END;
      CREATE TRIGGER warden_audit_checkpoints_no_delete BEFORE DELETE ON warden_audit_checkpoints
        BEGIN SELECT RAISE(ABORT, 'warden audit checkpoints are append-only'); END;
    `,
  },
]

export const POSTGRES_MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'audit records and checkpoints, append-only',
    sql: `
      CREATE TABLE warden_audit_records (
        id bigserial PRIMARY KEY,
        seq bigint NOT NULL UNIQUE,
        time text NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        event text NOT NULL,
        session_id text, type text, sub text, target text, effect text
      );
      CREATE INDEX warden_audit_records_session ON warden_audit_records (session_id, seq);
      CREATE TABLE warden_audit_checkpoints (
        id bigserial PRIMARY KEY,
        seq bigint NOT NULL,
        hash text NOT NULL,
        time text NOT NULL,
        key_id text NOT NULL,
        signature text NOT NULL
      );
      CREATE FUNCTION warden_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'warden audit % are append-only', TG_TABLE_NAME; END $$;
      CREATE TRIGGER warden_audit_records_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON warden_audit_records
        FOR EACH STATEMENT EXECUTE FUNCTION warden_audit_append_only();
      CREATE TRIGGER warden_audit_checkpoints_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON warden_audit_checkpoints
        FOR EACH STATEMENT EXECUTE FUNCTION warden_audit_append_only();
    `,
  },
]
