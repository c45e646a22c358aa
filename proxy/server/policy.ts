// Compiles Rego sources into a WASM bundle with the OPA CLI and loads bundles into a Decider. This is the
// I/O side of engine/decide: the engine only ever sees bundle bytes. The caller says which OPA binary to run
// (the CLI finds or builds it); runtime code never looks for build tools itself.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import type { Config } from '../../engine/config/types.ts'
import { type Decider, decisionEntrypoint, prepareDecider, readBundle } from '../../engine/decide/index.ts'
import { CodedError } from '../../engine/errors.ts'
import { checkTrustedPath } from './trusted-files.ts'

const run = promisify(execFile)

export class PolicyBuildError extends CodedError<'policy.build_failed'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('policy.build_failed', message, options)
  }
}

export async function runOpa(opa: string, args: string[], cwd?: string): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(opa, args, { cwd, maxBuffer: 64 * 1024 * 1024 })
    return { stdout, stderr, code: 0 }
  } catch (err) {
    const failed = err as { stdout?: string; stderr?: string; code?: number | string }
    if (typeof failed.code !== 'number') throw new PolicyBuildError(`run ${opa}: ${(err as Error).message}`, { cause: err })
    return { stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', code: failed.code }
  }
}

/**
 * `opa build -t wasm -e warden/decision`, test files and `warden diff`'s acknowledgements (diff-acknowledged.yaml,
 * which OPA would load as data) excluded. Compile errors keep OPA's file:line text.
 */
export async function buildBundle(source: string, outFile: string, opa: string): Promise<string> {
  await stat(source).catch((err: unknown) => {
    throw new PolicyBuildError(`policy source ${source} does not exist; point policy.source at a directory of .rego files`, { cause: err })
  })
  await mkdir(dirname(outFile), { recursive: true })
  // Build beside the target and rename: concurrent builds into one state directory never see a half file.
  const partial = `${outFile}.${process.pid}.${randomBytes(4).toString('hex')}.partial`
  const result = await runOpa(opa, ['build', '-t', 'wasm', '-e', decisionEntrypoint, '--ignore', '*_test.rego', '--ignore', 'diff-acknowledged.yaml', '-o', partial, source])
  if (result.code !== 0) {
    await rm(partial, { force: true })
    throw new PolicyBuildError(`compile policies in ${source}:\n${(result.stderr || result.stdout).trim()}`)
  }
  await rename(partial, outFile)
  return outFile
}

export interface LoadedPolicy {
  decider: Decider
  bundlePath: string
}

export interface LoadPolicyOptions {
  /** The OPA binary that compiles policy.source; not needed when config.policy.bundle is set. */
  opa?: string
  /** Where the shipped policies live (<packageRoot>/policies), used when policy.source is not set. */
  packageRoot: string
}

/** Builds config.policy.source (or reads config.policy.bundle) and prepares the decider with data.settings. */
export async function loadPolicy(config: Config, opts: LoadPolicyOptions): Promise<LoadedPolicy> {
  let bundlePath = config.policy.bundle
  if (bundlePath) checkTrustedPath(bundlePath, 'policy.bundle', 'the policy')
  else checkTrustedPath(config.policy.source ?? join(opts.packageRoot, 'policies'), 'policy.source', 'the policy')
  if (!bundlePath) {
    if (!opts.opa) throw new PolicyBuildError('no OPA binary to compile policy.source with; set OPA, or start the gateway with `warden up`, which finds or builds it')
    bundlePath = await buildBundle(config.policy.source ?? join(opts.packageRoot, 'policies'), join(config.state_dir, 'bundle', 'bundle.tar.gz'), opts.opa)
  }
  const bytes = await readFile(bundlePath).catch((err: unknown) => {
    throw new PolicyBuildError(`read policy bundle ${bundlePath}: ${(err as Error).message}`, { cause: err })
  })
  const decider = await prepareDecider(await readBundle(bytes), {
    maxMemoryPages: config.policy.memory_pages,
    data: { settings: config.policy.settings },
  })
  return { decider, bundlePath }
}
