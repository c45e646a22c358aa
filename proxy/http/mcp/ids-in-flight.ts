// Request ids in flight in each MCP session. A server routes its answer to a request by the request's id alone:
// the SDK's transport sends it on the HTTP response of the POST that last carried that id. With two requests of
// one id in flight, the answer to the first goes out on the second's POST, where the gateway processes it as the
// answer to the second: a tools/list answer arriving on a tools/call's POST was never filtered nor fingerprinted
// (a hidden tool's name and description reached the client), and one call's result was masked by another
// call's obligations. MCP forbids the reuse ("the ID MUST NOT have been previously used by the requestor within
// the same session"); the gateway refuses a request whose id is in flight in its session, and frees the id
// when the server is done with it: its answer was read whole, or the request never reached the server. Ids are
// not kept after that: a client that numbers every request 1, one after the other, keeps working. A request whose
// client went away mid-answer may still be running on the server, and its answer would go to the next POST of
// that id: its id stays taken (the caller's own loss, as MCP forbids reusing it). An id is never simply
// forgotten while its session lives, as a forgotten id could be reused in flight: a session past
// MAX_MCP_IDS_PER_SESSION ids in flight, or the least recently used one when all sessions together pass
// MAX_MCP_IDS_IN_FLIGHT, is ended through the gateway instead (`forget`: its next request is "session not
// found", on which an MCP client starts a new session). A release frees only the take it came from.
// @see https://modelcontextprotocol.io/specification/2025-06-18/basic#requests

export interface InFlightKey {
  server: string
  session: string
  id: string | number
}

export interface McpIdsInFlight {
  /**
   * Marks request `key.id` in flight; returns its release, or undefined when a request of that id already is
   * (or its session had too many in flight, and was forgotten).
   */
  take(key: InFlightKey): (() => void) | undefined
}

/** Ids kept at most, over all sessions; past it the least recently used session is forgotten whole. */
export const MAX_MCP_IDS_IN_FLIGHT = 100_000
/** Ids kept at most in one session; past it the session is forgotten. */
export const MAX_MCP_IDS_PER_SESSION = 1_000

/** Ends a session through the gateway (session-owners.ts `forget`). */
export type ForgetSession = (server: string, session: string) => void

interface SessionIds {
  server: string
  session: string
  /** Id (as JSON) to the token of the take holding it. */
  ids: Map<string, object>
}

export function createMcpIdsInFlight(forget: ForgetSession, max = MAX_MCP_IDS_IN_FLIGHT, perSession = MAX_MCP_IDS_PER_SESSION): McpIdsInFlight {
  // A Map iterates in insertion order: the first is the least recently used session.
  const sessions = new Map<string, SessionIds>()
  let count = 0
  function drop(key: string) {
    const s = sessions.get(key)
    if (!s) return
    sessions.delete(key)
    count -= s.ids.size
    // Its releases still to come free nothing.
    s.ids.clear()
    forget(s.server, s.session)
  }
  return {
    take({ server, session, id }) {
      // JSON, so the number 1 and the string "1" stay apart (the server tells them apart too).
      const sk = JSON.stringify([server, session])
      const ik = JSON.stringify(id)
      let s = sessions.get(sk)
      if (s?.ids.has(ik)) return undefined
      if (s && s.ids.size >= perSession) {
        drop(sk)
        return undefined
      }
      if (s) sessions.delete(sk)
      s ??= { server, session, ids: new Map() }
      sessions.set(sk, s)
      while (count >= max && sessions.size > 1) drop(sessions.keys().next().value!)
      const token = {}
      s.ids.set(ik, token)
      count++
      const mine = s
      return () => {
        if (mine.ids.get(ik) !== token) return
        mine.ids.delete(ik)
        count--
        if (mine.ids.size === 0 && sessions.get(sk) === mine) sessions.delete(sk)
      }
    },
  }
}
