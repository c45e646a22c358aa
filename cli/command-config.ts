// The --config and --state-dir flags every command that reads the gateway's config or state shares, and the
// one call that turns them (with the environment) into a loaded config: each command then reads the same
// state directory as `warden up` for the same flags and environment.
import { type LoadedConfig, loadConfig, STATE_DIR_ENV } from './config-file.ts'
import type { Io } from './io.ts'

export const CONFIG_FLAGS = {
  config: { type: 'string' },
  'state-dir': { type: 'string' },
} as const

export const CONFIG_USAGE = `  --config FILE    the gateway config (default: the embedded defaults); \${NAME} in it reads the environment
  --state-dir DIR  the gateway's state directory (default: $${STATE_DIR_ENV}, else state_dir of the config, else .warden)`

export function loadCommandConfig(values: { config?: unknown; 'state-dir'?: unknown }, io: Io): Promise<LoadedConfig> {
  return loadConfig(values.config as string | undefined, io.cwd, { env: io.env, stateDir: values['state-dir'] as string | undefined })
}
