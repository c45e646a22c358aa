// Which caller each MCP session belongs to. An MCP server tells its sessions apart by Mcp-Session-Id alone, and
// through the gateway every caller reaches it with the gateway's one credential: without this, a caller holding
// another's session id would read that session's stream (server requests, replayed results) and end it. The id
// a server gives in answer to a caller is bound to that caller (issuer and subject); a request naming a session
// bound to someone else, or one the gateway never saw issued (evicted, or from before a restart), is answered
// 404, on which an MCP client starts a new session. A caller holds at most MAX_MCP_SESSIONS_PER_CALLER sessions
// (its least recently used is forgotten first): one caller opening sessions without end forgets its own, never another's.
// @see https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#session-management
import { KeyedLru } from '../../../engine/keyed-lru.ts'

/** Sessions remembered; the least recently used is forgotten first (its client starts a new one). */
export const MAX_MCP_SESSIONS = 100_000
/** Sessions one caller holds at once; past it, its own least recently used is forgotten. */
export const MAX_MCP_SESSIONS_PER_CALLER = 1_000
/** Average length of a session id the bounds allow for (a UUID is 36 characters). */
const CHARS_PER_SESSION = 256

export interface McpSessionOwners {
  /** Whether `owner` may use session `id` of `server`. */
  owns(server: string, id: string, owner: string): boolean
  /** Binds a session id the server issued to `owner`; false when it is already bound to someone else. */
  claim(server: string, id: string, owner: string): boolean
  /** Forgets session `id` of `server`: nobody may use it through the gateway any more. */
  forget(server: string, id: string): void
}

export function createMcpSessionOwners(max = MAX_MCP_SESSIONS, perCaller = MAX_MCP_SESSIONS_PER_CALLER): McpSessionOwners {
  // Each caller's sessions, its least recently used first out: a session leaving it leaves the shared store too.
  const held = new Map<string, KeyedLru<true>>()
  const release = (k: string, owner: string) => {
    const mine = held.get(owner)
    mine?.delete(k)
    if (mine?.size === 0) held.delete(owner)
  }
  const owners = new KeyedLru<string>(max, max * CHARS_PER_SESSION, release)
  const key = (server: string, id: string) => `${server}\n${id}`
  const forgetKey = (k: string) => {
    const owner = owners.peek(k)
    if (owner === undefined) return
    owners.delete(k)
    release(k, owner)
  }
  return {
    owns(server, id, owner) {
      const k = key(server, id)
      if (owners.get(k) !== owner) return false
      // Now the caller's most recently used: a busy session outlives the idle ones it opened before.
      held.get(owner)?.get(k)
      return true
    },
    claim(server, id, owner) {
      const k = key(server, id)
      const current = owners.get(k)
      if (current !== undefined) return current === owner
      let mine = held.get(owner)
      if (!mine) held.set(owner, mine = new KeyedLru<true>(perCaller, perCaller * CHARS_PER_SESSION, (gone) => owners.delete(gone)))
      // The caller's own oldest go first, then the shared store makes room (for it, or pushing out the oldest of all).
      mine.set(k, true)
      owners.set(k, owner)
      return true
    },
    forget: (server, id) => forgetKey(key(server, id)),
  }
}
