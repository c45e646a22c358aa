// Denials must leave the server exactly where PostgreSQL itself would be after an error: a failed transaction
// inside BEGIN, the rest of an extended batch skipped until Sync, the implicit transaction rolled back. So in
// place of a refused message the gateway sends one the server is certain to reject without running anything,
// and shows the client its own error instead of the server's.
import { randomBytes } from 'node:crypto'
import { encodeDescribe } from './messages/describe.ts'
import { encodeQuery } from './messages/query.ts'

/** Fails in the server's raw parser (syntax error): nothing is looked up or executed. */
export const POISON_SQL = 'WARDEN_DENIED'

/** A prepared-statement name no client can guess, so describing it always fails with 26000. */
export const POISON_STATEMENT = `warden_denied_${randomBytes(16).toString('hex')}`

/** Stands in for a refused simple Query or FunctionCall: ErrorResponse, then ReadyForQuery. */
export const poisonQuery = (): Buffer => encodeQuery(POISON_SQL)

/** Stands in for a refused extended-protocol message: ErrorResponse, then the server skips until Sync. */
export const poisonExtended = (): Buffer => encodeDescribe({ kind: 'S', name: POISON_STATEMENT })
