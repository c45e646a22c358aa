// Per-message work limits of a PostgreSQL session. Judging runs on the socket thread, so the largest text the
// gateway accepts bounds how long one session can keep every other one waiting.
// The statement count limit lives with the parser (engine/normalize/sql/parse.ts, MAX_STATEMENTS).

/**
 * Largest SQL text of a Query or Parse message, in bytes. Judging cost follows the parse tree more than the
 * bytes. Measured (2 shared cores, medians): a 64 KiB literal 8 ms, 64 KiB of dense SQL (an IN list of
 * 10,000 numbers) 25-55 ms, 100 joins 9 ms; at 256 KiB dense SQL took 400-600 ms. Larger values belong in
 * bind parameters (not limited here) or COPY.
 */
export const MAX_SQL_TEXT_BYTES = 64 * 1024

/** PostgreSQL keeps NAMEDATALEN-1 = 63 bytes of a prepared statement or portal name; longer ones are refused. */
export const MAX_NAME_BYTES = 63
