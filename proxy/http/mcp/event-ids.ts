// Which caller each SSE event id was forwarded to. A client that lost a stream sends the last event id it read
// as Last-Event-ID, and the server replays the stream that event belongs to: an event id names a stream, not
// a session, and a server that keeps its events in one store (one database for all sessions; the SDK's
// event stores look the stream up by the id alone) replays it to whoever names it. Through the gateway every
// caller reaches the server with the gateway's one credential, so a caller holding another's event id would
// read that caller's tool results. The ids the gateway forwards are bound to the MCP session and the caller
// (issuer and subject) they reach; a Last-Event-ID never forwarded in that session to that caller (another's,
// evicted, or from before a restart) is refused before the server sees it. The session is part of the key as
// MCP asks event ids to be unique within a session only: a server may number each session's events 1, 2, 3.
// Each id also keeps the mask obligations of the answer it was forwarded in: a stream resumed from it replays
// that answer (a tool's result), which is masked by its own request's obligations, not only by the GET's.
// @see https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#resumability-and-redelivery
import { KeyedLru } from '../../../engine/keyed-lru.ts'
import type { MaskObligation } from '../../../engine/types.ts'

/**
 * Event ids remembered; the least recently used is forgotten first (its client cannot resume from it and
 * starts a new stream). Every message on a stream has one, so this is larger than the session bound.
 */
export const MAX_MCP_EVENT_IDS = 500_000

/** Where an event was forwarded: the server, and the MCP session (none for a server that keeps no sessions). */
export interface EventStream {
  server: string
  session: string | undefined
}

export interface McpEventIds {
  /**
   * Binds event `id` of `stream` to `owner`, who received it in an answer masked by `masks`; one bound to another
   * caller stays theirs.
   */
  forwarded(stream: EventStream, id: string, owner: string, masks: readonly MaskObligation[]): void
  /** The masks of the answer event `id` came in, when `owner` may resume `stream` from it; else undefined. */
  resumable(stream: EventStream, id: string, owner: string): readonly MaskObligation[] | undefined
}

export function createMcpEventIds(max = MAX_MCP_EVENT_IDS): McpEventIds {
  // The masks are the decision's own array, shared by every id of one answer.
  const ids = new KeyedLru<{ owner: string; masks: readonly MaskObligation[] }>(max, max * 128)
  // JSON: a session id or an event id holding a newline cannot make two keys one.
  const key = (stream: EventStream, id: string) => JSON.stringify([stream.server, stream.session ?? null, id])
  return {
    forwarded(stream, id, owner, masks) {
      if (ids.get(key(stream, id)) === undefined) ids.set(key(stream, id), { owner, masks })
    },
    resumable(stream, id, owner) {
      const entry = ids.get(key(stream, id))
      return entry?.owner === owner ? entry.masks : undefined
    },
  }
}
