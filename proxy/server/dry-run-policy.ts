// Loads policy.dry_run: a whole policy (a Rego directory or a prebuilt bundle), or the enforced policy.source
// with some rule packages taken from dry_run.source, compiled the same way as the enforced policy.
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import type { Logger } from 'pino'
import type { Config } from '../../engine/config/types.ts'
import { type Decider, prepareDecider, readBundle } from '../../engine/decide/index.ts'
import type { DryRunPolicy } from '../../engine/diff/dry-run.ts'
import { buildBundle, PolicyBuildError } from './policy.ts'

const PACKAGE = /^\s*package\s+(?:data\.)?([A-Za-z_][A-Za-z0-9_.]*)/m

/** The package a Rego file declares, or undefined when it declares none. */
export function regoPackage(text: string): string | undefined {
  return PACKAGE.exec(text)?.[1]
}

const inPackages = (pkg: string | undefined, packages: readonly string[]) =>
  pkg !== undefined && packages.some((p) => pkg === p || pkg.startsWith(`${p}.`))

async function files(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name))
  }
  return out
}

/**
 * A source directory: everything of `enforced` except the Rego files of `packages`, plus the Rego files of
 * `packages` from `next` (under a subdirectory of their own; data files are the enforced ones).
 */
export async function assembleSource(enforced: string, next: string, packages: readonly string[], into: string): Promise<void> {
  for (const file of await files(enforced)) {
    if (file.endsWith('.rego') && inPackages(regoPackage(await readFile(file, 'utf8')), packages)) continue
    const to = join(into, relative(enforced, file))
    await mkdir(dirname(to), { recursive: true })
    await copyFile(file, to)
  }
  const found = new Set<string>()
  for (const file of await files(next)) {
    if (!file.endsWith('.rego') || file.endsWith('_test.rego')) continue
    const pkg = regoPackage(await readFile(file, 'utf8'))
    if (!inPackages(pkg, packages)) continue
    for (const p of packages) if (pkg === p || pkg!.startsWith(`${p}.`)) found.add(p)
    const to = join(into, '__dry_run__', relative(next, file))
    await mkdir(dirname(to), { recursive: true })
    await copyFile(file, to)
  }
  const missing = packages.filter((p) => !found.has(p))
  if (missing.length) throw new PolicyBuildError(`policy.dry_run.packages names ${missing.join(', ')}, but no .rego file in ${next} declares ${missing.length === 1 ? 'it' : 'them'}`)
}

export interface DryRunLoadOptions {
  /** The OPA binary that compiles the sources; not needed for a prebuilt bundle. */
  opa?: string
  /** The enforced policy.source as the gateway compiles it (the default policies when the config names none). */
  enforcedSource?: string
}

/** Prepares the dry-run decider; throws PolicyBuildError (or DecideError) saying what is wrong. */
export async function loadDryRunPolicy(config: Config, opts: DryRunLoadOptions): Promise<{ decider: Decider; bundlePath: string }> {
  const dry = config.policy.dry_run
  if (!dry) throw new PolicyBuildError('policy.dry_run is not configured')
  let bundlePath = dry.bundle
  if (!bundlePath) {
    if (!opts.opa) throw new PolicyBuildError('no OPA binary to compile policy.dry_run.source with; set OPA, or start the gateway with `warden up`')
    const out = join(config.state_dir, 'bundle', 'dry-run.tar.gz')
    if (dry.packages) {
      if (!opts.enforcedSource) throw new PolicyBuildError('policy.dry_run.packages needs the enforced policy.source')
      const work = await mkdtemp(join(tmpdir(), 'warden-dry-run-'))
      try {
        await assembleSource(opts.enforcedSource, dry.source!, dry.packages, work)
        bundlePath = await buildBundle(work, out, opts.opa)
      } finally {
        await rm(work, { recursive: true, force: true })
      }
    } else {
      bundlePath = await buildBundle(dry.source!, out, opts.opa)
    }
  }
  const bytes = await readFile(bundlePath).catch((err: unknown) => {
    throw new PolicyBuildError(`read dry-run bundle ${bundlePath}: ${(err as Error).message}`, { cause: err })
  })
  const decider = await prepareDecider(await readBundle(bytes), { maxMemoryPages: config.policy.memory_pages, data: { settings: config.policy.settings } })
  return { decider, bundlePath }
}

/**
 * The dry-run policy for the engine, or undefined when none is configured. A dry-run policy that cannot be
 * loaded never stops the gateway: the failure is logged and recorded as the `error` of every dry-run record.
 */
export async function openDryRunPolicy(config: Config, opts: DryRunLoadOptions & { log: Logger }): Promise<DryRunPolicy | undefined> {
  if (!config.policy.dry_run) return undefined
  try {
    const { decider, bundlePath } = await loadDryRunPolicy(config, opts)
    opts.log.info({ bundle: bundlePath, packages: config.policy.dry_run.packages }, 'dry-run policy loaded: its decisions are recorded in the audit trail, never applied')
    return { decider }
  } catch (err) {
    const message = `dry-run policy not loaded: ${(err as Error).message}`
    opts.log.error({ err }, `${message}; the gateway runs the enforced policy alone and records this error in every dry-run record`)
    return { error: message }
  }
}
