// Held MCP requests a client may still cancel. A client that gives up on a request sends notifications/cancelled
// naming its id, and the SDK's client does so without closing the POST that carries the request: the hold
// would wait on, and a reviewer's approval would run a call the client had abandoned. Each held request is
// registered under its server, MCP session, caller and JSON-RPC id; a cancellation from the same caller in the
// same session ends its hold as cancelled, so it never runs.
// @see https://modelcontextprotocol.io/specification/2025-06-18/basic/utilities/cancellation

export interface HeldCallKey {
  server: string
  session: string
  owner: string
  id: string | number
}

export interface McpHeldCalls {
  /** Registers a held request: its signal aborts with reason `cancel` when the client cancels it. */
  hold(key: HeldCallKey): { signal: AbortSignal; release(): void }
  /** The client cancelled request `key.id`: ends its hold. False when no such request is held. */
  cancel(key: HeldCallKey): boolean
}

// The id as JSON, so the number 1 and the string "1" stay apart.
const keyOf = (k: HeldCallKey) => JSON.stringify([k.server, k.session, k.owner, k.id])

export function createMcpHeldCalls(): McpHeldCalls {
  const held = new Map<string, AbortController>()
  return {
    hold(key) {
      const k = keyOf(key)
      const controller = new AbortController()
      held.set(k, controller)
      return { signal: controller.signal, release: () => { if (held.get(k) === controller) held.delete(k) } }
    },
    cancel(key) {
      const controller = held.get(keyOf(key))
      if (!controller) return false
      controller.abort('cancel')
      return true
    },
  }
}
