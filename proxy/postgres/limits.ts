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

/**
 * Prepared statements and portals (named ones, with SQL PREPARE and DECLARE) one session may keep at once. PostgreSQL
 * sets no limit, but the gateway keeps each with its judgement, about 12 times the text's size for dense SQL
 * (measured: 800 statements of 16 KiB with 970 computed columns held 158 MB). pgjdbc caches at most 256 statements
 * by default; psycopg 100.
 */
export const MAX_KEPT_STATEMENTS = 1000

/** SQL text of every kept prepared statement and portal together: about 25 MB of judgements at most (see above). */
export const MAX_KEPT_TEXT_BYTES = 2 * 1024 * 1024

/**
 * Bound values of every kept named portal together. A portal keeps its Bind's values (shown to a reviewer should its
 * Execute be held), and a portal lives until its transaction ends: 20 named portals of 30 MiB held 630 MB. One Bind
 * of the largest message the gateway reads (framing.ts, MAX_FRAME_BYTES) still fits.
 */
export const MAX_KEPT_VALUE_BYTES = 64 * 1024 * 1024
