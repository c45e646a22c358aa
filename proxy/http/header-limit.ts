// How many bytes of request headers an HTTP listener reads (node's maxHeaderSize). Node's default, 16 KiB,
// answered 431 with no reason to tokens of 16-64 KiB that the PostgreSQL listener and `warden eval` accepted:
// every listener must take the longest token the verifier reads, also as a Basic proxy password (base64, 4/3
// longer), with room for the rest of a request's headers.
import { MAX_TOKEN_CHARS } from '../../engine/identity/index.ts'

export const MAX_HEADER_BYTES = Math.ceil((MAX_TOKEN_CHARS + 'agent:'.length) * 4 / 3) + 32 * 1024
