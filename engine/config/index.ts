// engine/config: the gateway's configuration as data — its types, embedded defaults, and validation.
export type * from './types.ts'
export { defaultConfig } from './defaults.ts'
export { ConfigError, type ConfigErrorCode, type ConfigIssue, invalidConfig } from './errors.ts'
export { parseConfig } from './parse.ts'
