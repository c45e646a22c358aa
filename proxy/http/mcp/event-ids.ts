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
// The store is bounded per caller as well as in all (owned-lru.ts), so one caller's streams cannot push out
// another's ids, and their resumptions fail.
import type { MaskObligation } from '../../../engine/types.ts'
import { OwnedLru } from './owned-lru.ts'

/**
 * Event ids remembered in all; the least recently used is forgotten first (its client cannot resume from it and
 * starts a new stream). Every message on a stream has one, so this is larger than the session bound.
 */
export const MAX_MCP_EVENT_IDS = 500_000
/** Event ids remembered per caller; its least recently used is forgotten first. */
export const MAX_MCP_EVENT_IDS_PER_CALLER = 50_000
// The summed length of the keys kept, per id on average: ids and session ids are the server's, of any length.
const CHARS_PER_ID = 128

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

export function createMcpEventIds(max = MAX_MCP_EVENT_IDS, perCaller = MAX_MCP_EVENT_IDS_PER_CALLER): McpEventIds {
  // The masks are the decision's own array, shared by every id of one answer.
  const ids = new OwnedLru<readonly MaskObligation[]>(max, perCaller, CHARS_PER_ID)
  // JSON: a session id or an event id holding a newline cannot make two keys one.
  const key = (stream: EventStream, id: string) => JSON.stringify([stream.server, stream.session ?? null, id])
  return {
    forwarded(stream, id, owner, masks) {
      // One bound to another caller stays theirs.
      if (!ids.has(key(stream, id))) ids.set(key(stream, id), owner, masks)
    },
    resumable(stream, id, owner) {
      const entry = ids.get(key(stream, id))
      return entry?.owner === owner ? entry.value : undefined
    },
  }
}
