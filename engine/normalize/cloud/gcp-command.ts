// Builds a GCP CloudCommand: read_only is derived here, from the allowlist of read verbs, and nowhere else.
import type { CloudCommand } from '../../types.ts'
import { GCP_READ_VERBS } from './gcp-services.ts'

export function gcpCommand(fields: Omit<CloudCommand, 'provider' | 'read_only'>): CloudCommand {
  const command: CloudCommand = { provider: 'gcp', ...fields, read_only: false }
  if (command.region === undefined) delete command.region
  command.read_only = command.method !== 'unknown' && GCP_READ_VERBS.has(command.operation)
  return command
}

export function gcpUnknown(service: string, resource: string): CloudCommand {
  return gcpCommand({ service, method: 'unknown', operation: 'unknown', resource })
}
