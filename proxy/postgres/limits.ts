// Per-message work limits of a PostgreSQL session. Judging runs on the socket thread, so the largest text the
// gateway accepts bounds how long one session can keep every other one waiting.
// The statement count limit lives with the parser (engine/normalize/sql/parse.ts, MAX_STATEMENTS).

/**
 * Largest SQL text of a Query or Parse message, in bytes. Judging cost follows the parse tree more than the
 * bytes. Measured on 2 busy cores (best of 3, with column lineage): dense SQL (10,000 computed columns) took
 * 240 ms at 64 KiB, 100 ms at 32 KiB and 25-35 ms at 16 KiB; 100 joined statements in 16 KiB, 21 ms. 16 KiB keeps
 * the heaviest text well inside the 100 ms another session may wait. Larger values belong in bind parameters
 * (not limited here) or COPY.
 */
export const MAX_SQL_TEXT_BYTES = 16 * 1024

/** PostgreSQL keeps NAMEDATALEN-1 = 63 bytes of a prepared statement or portal name; longer ones are refused. */
export const MAX_NAME_BYTES = 63
