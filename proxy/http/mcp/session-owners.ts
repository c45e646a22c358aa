// Which caller each MCP session belongs to. An MCP server tells its sessions apart by Mcp-Session-Id alone, and
// through the gateway every caller reaches it with the gateway's one credential: without this, a caller holding
// another's session id would read that session's stream (server requests, replayed results) and end it. The id
// a server gives in answer to a caller is bound to that caller (issuer and subject); a request naming a session
// bound to someone else, or one the gateway never saw issued (evicted, or from before a restart), is answered
// 404, on which an MCP client starts a new session.
// @see https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#session-management
import { KeyedLru } from '../../../engine/keyed-lru.ts'

/** Sessions remembered; the least recently used is forgotten first (its client starts a new one). */
export const MAX_MCP_SESSIONS = 100_000

export interface McpSessionOwners {
  /** Whether `owner` may use session `id` of `server`. */
  owns(server: string, id: string, owner: string): boolean
  /** Binds a session id the server issued to `owner`; false when it is already bound to someone else. */
  claim(server: string, id: string, owner: string): boolean
  /** Forgets session `id` of `server`: nobody may use it through the gateway any more. */
  forget(server: string, id: string): void
}

export function createMcpSessionOwners(max = MAX_MCP_SESSIONS): McpSessionOwners {
  const owners = new KeyedLru<string>(max, max * 256)
  const key = (server: string, id: string) => `${server}\n${id}`
  return {
    owns: (server, id, owner) => owners.get(key(server, id)) === owner,
    claim(server, id, owner) {
      const current = owners.get(key(server, id))
      if (current !== undefined && current !== owner) return false
      owners.set(key(server, id), owner)
      return true
    },
    forget: (server, id) => owners.delete(key(server, id)),
  }
}
