// The CLI's side of policy loading: find or build the OPA CLI (a build script), then use the runtime's
// compiler and loader (proxy/server/policy.ts) with it.
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureOpa } from '../scripts/ensure-opa.mjs'
import type { Config } from '../engine/config/types.ts'
import * as runtime from '../proxy/server/policy.ts'

export { PolicyBuildError, runOpa, type LoadedPolicy } from '../proxy/server/policy.ts'

export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** The OPA CLI: $OPA, `opa` on PATH, or the pinned build in .tools/bin (built on first use). */
export function opaBinary(env: Record<string, string | undefined> = process.env): string {
  if (env.OPA) return env.OPA
  try {
    return ensureOpa()
  } catch (err) {
    throw new runtime.PolicyBuildError(`find opa: ${(err as Error).message}`, { cause: err })
  }
}

export function buildBundle(source: string, outFile: string, opa = opaBinary()): Promise<string> {
  return runtime.buildBundle(source, outFile, opa)
}

export function loadPolicy(config: Config, opts: { opa?: string } = {}): Promise<runtime.LoadedPolicy> {
  return runtime.loadPolicy(config, { opa: config.policy.bundle ? opts.opa : opts.opa ?? opaBinary(), packageRoot })
}
