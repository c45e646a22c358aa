// Per-message work limits of a PostgreSQL session. Judging runs on the socket thread, so the largest text the
// gateway accepts bounds how long one session can keep every other one waiting.
// The statement count limit lives with the parser (engine/normalize/sql/parse.ts, MAX_STATEMENTS).

/**
 * Largest SQL text of a Query or Parse message, in bytes. Measured on this machine: judging a 256 KiB literal
 * takes about 35 ms (a 1 MiB one about 140 ms); larger values belong in bind parameters or COPY.
 */
export const MAX_SQL_TEXT_BYTES = 256 * 1024

/** PostgreSQL keeps NAMEDATALEN-1 = 63 bytes of a prepared statement or portal name; longer ones are refused. */
export const MAX_NAME_BYTES = 63
