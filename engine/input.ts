// Assembles the input document: who asks (identity), in which session, against what target, for what.
import type { TargetConfig } from './config/types.ts'
import type { Normalized } from './normalize/index.ts'
import type { Grant, Identity, InputDocument, Target } from './types.ts'

export function targetOf(config: TargetConfig): Target {
  const labels = { ...config.labels }
  // Policies read a Kubernetes target's production namespaces from this label (comma-separated).
  if (config.production_namespaces?.length) labels.production_namespaces = config.production_namespaces.join(',')
  // An MCP target's server id (command.mcp.server), when configured apart from the target name.
  if (config.kind === 'mcp' && config.mcp?.server) labels.mcp_server = config.mcp.server
  return { name: config.name, kind: config.kind, environment: config.environment, labels }
}

export interface InputParts {
  identity: Identity
  session: { id: string; started_at: string; grants: Grant[] }
  target: Target
  normalized: Normalized
}

export function buildInput({ identity, session, target, normalized }: InputParts): InputDocument {
  return { identity, session, target, command: normalized.command, risk: normalized.risk }
}
