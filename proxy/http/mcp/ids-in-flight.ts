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
// that id: its id stays taken (the caller's own loss, as MCP forbids reusing it), until MAX_MCP_IDS_IN_FLIGHT
// newer ones push it out.
// @see https://modelcontextprotocol.io/specification/2025-06-18/basic#requests

export interface InFlightKey {
  server: string
  session: string
  id: string | number
}

export interface McpIdsInFlight {
  /** Marks request `key.id` in flight; returns its release, or undefined when a request of that id already is. */
  take(key: InFlightKey): (() => void) | undefined
}

/** Ids kept at most; the oldest is forgotten first. */
export const MAX_MCP_IDS_IN_FLIGHT = 100_000

// The id as JSON, so the number 1 and the string "1" stay apart (the server tells them apart too).
const keyOf = (k: InFlightKey) => JSON.stringify([k.server, k.session, k.id])

export function createMcpIdsInFlight(max = MAX_MCP_IDS_IN_FLIGHT): McpIdsInFlight {
  // A Set iterates in insertion order: the first is the oldest.
  const inFlight = new Set<string>()
  return {
    take(key) {
      const k = keyOf(key)
      if (inFlight.has(k)) return undefined
      while (inFlight.size >= max) inFlight.delete(inFlight.values().next().value!)
      inFlight.add(k)
      let released = false
      return () => {
        if (released) return
        released = true
        inFlight.delete(k)
      }
    },
  }
}
