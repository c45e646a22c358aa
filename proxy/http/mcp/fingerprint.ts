// Tool fingerprints against "rug pulls": an MCP server may change a tool's description or schema after the
// tool was reviewed (or after a policy was written for it), and the agent would follow the new text. The
// gateway fingerprints every tool it sees in a tools/list answer and remembers the first definition it saw,
// or the one a reviewer approved: that is the recorded definition. A tools/call to a tool whose current
// definition differs is reported to the policy (command.mcp.tool_changed), which holds it for approval.
// Trust on first use: a tool first seen already altered cannot be told from a new one.
import { createHash } from 'node:crypto'
import { canonicalJson } from '../../../engine/normalize/mcp/canonical-json.ts'
import type { McpToolState } from '../../../engine/normalize/index.ts'

/** A tool as tools/list describes it. All of it is fingerprinted (see toolFingerprint). */
export interface McpToolDefinition {
  name: string
  description?: string
  inputSchema?: unknown
  annotations?: unknown
  [field: string]: unknown
}

/**
 * sha256 hex over the canonical JSON of the whole definition: key order and whitespace do not count, every
 * field does. Clients show the model more than the description: a title, the descriptions inside outputSchema,
 * annotations, _meta, fields newer than this code; a change in any of them is a change of the tool.
 */
export function toolFingerprint(tool: McpToolDefinition): string {
  return createHash('sha256').update(canonicalJson(tool)).digest('hex')
}

export interface ObservedTools {
  /** Each listed tool's state after recording: `recorded` (as trusted) or `changed`. */
  states: Record<string, McpToolState>
  /** Tools seen for the first time, now recorded. */
  added: string[]
  /** Tools whose current definition differs from the recorded one: to be audited. */
  changed: string[]
}

/**
 * Where fingerprints are kept, per server and tool. Asynchronous so that durable stores (a file, PostgreSQL)
 * fit the same interface; `createMemoryToolRegistry` is the in-process one.
 */
export interface ToolRegistry {
  /** Records a tools/list answer: first-seen tools become recorded; known ones keep their recorded fingerprint. */
  observe(server: string, tools: readonly McpToolDefinition[]): Promise<ObservedTools>
  /** The state of the named tools; `unseen` for tools never listed through the gateway. */
  states(server: string, names: readonly string[]): Promise<Record<string, McpToolState>>
  /**
   * Trusts a changed tool's current definition (a reviewer approved a call to it); until then a tool stays
   * changed, even when the recorded definition is listed again. Ignored unless
   * `fingerprint` is still the current one, so a tool that changed again meanwhile stays changed.
   */
  accept(server: string, tool: string, fingerprint: string): Promise<boolean>
  /** The names under `server` whose state is changed (a resource template a concrete URI may come from). */
  changed(server: string): Promise<string[]>
}

interface Entry {
  recorded: string
  current: string
  /**
   * A definition other than the recorded one was listed since it was recorded. Sticky until a reviewer accepts
   * the current one: the agent has read the changed text, so a server that lists the recorded definition
   * again (on the next page, later, or twice in one answer) does not make the tool trusted again.
   */
  strayed: boolean
}

export function createMemoryToolRegistry(): ToolRegistry {
  const servers = new Map<string, Map<string, Entry>>()
  const of = (server: string) => {
    let tools = servers.get(server)
    if (!tools) servers.set(server, (tools = new Map()))
    return tools
  }
  const state = (e: Entry | undefined): McpToolState =>
    e ? { status: e.strayed ? 'changed' : 'recorded', fingerprint: e.current } : { status: 'unseen' }

  return {
    async observe(server, tools) {
      const known = of(server)
      const out: ObservedTools = { states: {}, added: [], changed: [] }
      for (const tool of tools) {
        const fingerprint = toolFingerprint(tool)
        let entry = known.get(tool.name)
        if (!entry) {
          known.set(tool.name, (entry = { recorded: fingerprint, current: fingerprint, strayed: false }))
          out.added.push(tool.name)
        } else {
          if (fingerprint !== entry.current && fingerprint !== entry.recorded) out.changed.push(tool.name)
          if (fingerprint !== entry.recorded) entry.strayed = true
          entry.current = fingerprint
        }
        out.states[tool.name] = state(entry)
      }
      return out
    },
    async states(server, names) {
      const known = servers.get(server)
      return Object.fromEntries(names.map((name) => [name, state(known?.get(name))]))
    },
    async changed(server) {
      return [...(servers.get(server) ?? new Map<string, Entry>())].filter(([, e]) => e.strayed).map(([name]) => name)
    },
    async accept(server, tool, fingerprint) {
      const entry = servers.get(server)?.get(tool)
      if (!entry || entry.current !== fingerprint) return false
      entry.recorded = fingerprint
      entry.strayed = false
      return true
    },
  }
}
