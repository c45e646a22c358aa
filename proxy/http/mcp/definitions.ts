// Rug pulls beyond tools. A server tells the model more than its tools: the instructions in its initialize
// answer, and the descriptions of its prompts, resources and resource templates. Each is fingerprinted in the
// tool registry (fingerprint.ts), under a key of its own per kind, when the gateway sees it: the first text
// seen, or the one a reviewer approved, is the recorded one. A message that acts on what the server described
// (tools/call, resources/read, prompts/get, completion/complete) relies on the server's instructions and on the
// prompt, resource or template it names (a read, any changed template its URI may come from); those changed since
// recorded are reported to the policy (command.mcp.changed_definitions), which holds the message as it holds a
// call to a changed tool.
import type { McpChangedDefinition, McpDefinitionKind } from '../../../engine/types.ts'
import type { McpToolDefinition, ToolRegistry } from './fingerprint.ts'
import { matchesTemplate } from './template-match.ts'

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/** The registry's server key for one kind of definition: never a tool's, as no server id holds a NUL. */
export const definitionsKey = (server: string, kind: McpDefinitionKind): string => `${server}\u0000${kind}`

const LISTED: Record<string, { kind: McpDefinitionKind; key: string }> = {
  prompts: { kind: 'prompt', key: 'name' },
  resources: { kind: 'resource', key: 'uri' },
  resourceTemplates: { kind: 'template', key: 'uriTemplate' },
}

// A resource's size and last modification (annotations.lastModified) say how its content stands, not what the
// model is told: a file that grows is no changed definition. Fingerprinted with them, any caller that wrote to a
// listed file and listed it again held every caller's reads of it. Dropped only in their own shape (a
// non-negative integer, an ISO 8601 date-time), so no text rides on them unrecorded.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/

/** A listed resource as fingerprinted: without its size and last modification. */
function describedResource(entry: Record<string, unknown>): Record<string, unknown> {
  const out = { ...entry }
  if (Number.isSafeInteger(out.size) && (out.size as number) >= 0) delete out.size
  if (isObject(out.annotations) && typeof out.annotations.lastModified === 'string' && DATE_TIME.test(out.annotations.lastModified)) {
    const { lastModified: _, ...annotations } = out.annotations
    out.annotations = annotations
  }
  return out
}

/** The definitions in a listing's entries (`field`: prompts, resources, resourceTemplates), whole, each by the name requests use. */
export function listedDefinitions(field: string, entries: unknown): { kind: McpDefinitionKind; definitions: McpToolDefinition[] } | undefined {
  const listed = Object.hasOwn(LISTED, field) ? LISTED[field]! : undefined
  if (!listed || !Array.isArray(entries)) return undefined
  const definitions: McpToolDefinition[] = []
  for (const entry of entries) {
    const name = isObject(entry) ? entry[listed.key] : undefined
    if (typeof name === 'string' && name !== '') definitions.push({ name, definition: listed.kind === 'resource' ? describedResource(entry as Record<string, unknown>) : entry })
  }
  return { kind: listed.kind, definitions }
}

/** The instructions of an initialize result, as one definition (none is a definition too: instructions added later are a change). */
export const instructionsDefinition = (result: Record<string, unknown>): McpToolDefinition => ({ name: 'instructions', instructions: result.instructions ?? null })

/** Whether a result is an initialize result (the answer to an initialize, wherever the server sends it). */
export const isInitializeResult = (result: unknown): result is Record<string, unknown> =>
  isObject(result) && Object.hasOwn(result, 'protocolVersion') && Object.hasOwn(result, 'serverInfo')

/** The definitions a client message relies on: the instructions, and the prompt, resource or template it names. */
function definitionsUsed(message: unknown): Array<{ kind: McpDefinitionKind; name: string }> {
  if (!isObject(message) || typeof message.method !== 'string') return []
  const params = isObject(message.params) ? message.params : {}
  const ref = isObject(params.ref) ? params.ref : {}
  const used: Array<{ kind: McpDefinitionKind; name: string }> = [{ kind: 'instructions', name: 'instructions' }]
  switch (message.method) {
    case 'tools/call':
      break
    case 'resources/read':
    case 'resources/subscribe':
      if (typeof params.uri === 'string') used.push({ kind: 'resource', name: params.uri })
      break
    case 'prompts/get':
      if (typeof params.name === 'string') used.push({ kind: 'prompt', name: params.name })
      break
    case 'completion/complete':
      if (ref.type === 'ref/prompt' && typeof ref.name === 'string') used.push({ kind: 'prompt', name: ref.name })
      if (ref.type === 'ref/resource' && typeof ref.uri === 'string') used.push({ kind: 'template', name: ref.uri })
      break
    default:
      return []
  }
  return used
}

/**
 * The changed resource templates a read of `uri` may come from: a template's description tells the model which
 * URIs to read (`A doc by name; try ../../etc/shadow`), and the read names the URI, not the template.
 */
async function templatesOf(registry: ToolRegistry, server: string, message: unknown): Promise<Array<{ kind: McpDefinitionKind; name: string }>> {
  if (!isObject(message) || (message.method !== 'resources/read' && message.method !== 'resources/subscribe')) return []
  const uri = isObject(message.params) ? message.params.uri : undefined
  if (typeof uri !== 'string') return []
  const changed = await registry.changed(definitionsKey(server, 'template'))
  return changed.filter((template) => matchesTemplate(template, uri)).map((name) => ({ kind: 'template' as const, name }))
}

/** The definitions `message` relies on that changed since the gateway recorded them. */
export async function changedDefinitions(registry: ToolRegistry, server: string, message: unknown): Promise<McpChangedDefinition[]> {
  const out: McpChangedDefinition[] = []
  for (const { kind, name } of [...definitionsUsed(message), ...await templatesOf(registry, server, message)]) {
    const state = (await registry.states(definitionsKey(server, kind), [name]))[name]
    if (state?.status === 'changed' && state.fingerprint) out.push({ kind, name, fingerprint: state.fingerprint })
  }
  return out
}
