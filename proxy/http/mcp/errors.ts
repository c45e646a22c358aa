// Errors of the MCP translation layer. Each has a stable code; the HTTP core turns them into a 502 (upstream
// answers it cannot vouch for) and never forwards the unprocessed bytes.
import { CodedError } from '../../../engine/errors.ts'

export type McpErrorCode =
  /** An SSE stream that does not follow the event-stream format, or an event too large to hold. */
  | 'mcp.sse_malformed'
  /** An upstream message that must be inspected (masked, filtered, judged) but is not JSON-RPC. */
  | 'mcp.upstream_malformed'
  /** Masking a result failed: the result is withheld. */
  | 'mcp.mask_failed'

export class McpError extends CodedError<McpErrorCode> {}
