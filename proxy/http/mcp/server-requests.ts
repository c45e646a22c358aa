// Server requests forwarded to each caller, which only that caller may answer. A server that asks the client
// something (roots/list, ping; sampling and elicitation when a policy allows them) waits for a JSON-RPC response
// with its request's id, and takes the first that comes. The gateway judges each such request and answers the
// denied ones itself (a post-back), but a client's response went to the server whatever it answered: a caller
// could answer a request it was never sent (a denied elicitation, guessing its id while the post-back was held
// up behind an unread stream, or one the server sent on no stream at all), or one sent to another caller. A
// client response is now forwarded only when it answers a server request forwarded to that caller, in that MCP
// session, and only once.
// @see https://modelcontextprotocol.io/specification/2025-06-18/basic#responses
import type { EventStream } from './event-ids.ts'
import { OwnedLru } from './owned-lru.ts'

/**
 * Open server requests remembered, in all and per caller (owned-lru.ts: one caller's cannot push out another's);
 * the least recently used is forgotten first (its answer is then refused).
 */
export const MAX_MCP_SERVER_REQUESTS = 100_000
export const MAX_MCP_SERVER_REQUESTS_PER_CALLER = 10_000

export interface McpServerRequests {
  /** Server request `id` of `stream` was forwarded to `owner`, who may answer it. */
  forwarded(stream: EventStream, id: string | number, owner: string): void
  /** Whether `owner` may answer server request `id` of `stream`; true once per request. */
  answer(stream: EventStream, id: string | number, owner: string): boolean
}

export function createMcpServerRequests(max = MAX_MCP_SERVER_REQUESTS, perCaller = MAX_MCP_SERVER_REQUESTS_PER_CALLER): McpServerRequests {
  const open = new OwnedLru<true>(max, perCaller, 256)
  // JSON, so the number 1 and the string "1" stay apart, and no session or id can make two keys one.
  const key = (stream: EventStream, id: string | number) => JSON.stringify([stream.server, stream.session ?? null, id])
  return {
    forwarded(stream, id, owner) {
      open.set(key(stream, id), owner, true)
    },
    answer(stream, id, owner) {
      const k = key(stream, id)
      if (open.get(k)?.owner !== owner) return false
      open.delete(k)
      return true
    },
  }
}
