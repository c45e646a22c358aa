// The two policies `warden diff` compares. Base: a bundle file used as is, or the policy source directory as
// it was at a git ref (extracted with `git archive` into a temporary directory); head: the working tree's
// policy.source (or policy.bundle). Sources are compiled the way `warden build` compiles them.
import { execFile } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, isAbsolute, join, normalize, relative, resolve } from 'node:path'
import { promisify } from 'node:util'
import { extract } from 'tar-stream'
import type { Config } from '../../engine/config/types.ts'
import { type PolicyBundle, readBundle } from '../../engine/decide/index.ts'
import { UsageError } from '../io.ts'
import { buildBundle } from '../policy.ts'

const run = promisify(execFile)

export interface ComparedPolicy {
  /** How the report names it: `git HEAD~1 (3f2a1c9)`, a bundle path, `working tree policies/`. */
  label: string
  bundle: PolicyBundle
  /** The Rego source directory, when the policy was compiled from one. */
  source?: string
}

async function git(cwd: string, args: string[], what: string): Promise<string> {
  try {
    return (await run('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' })).stdout
  } catch (err) {
    const e = err as { stderr?: string; message: string }
    throw new UsageError('usage.base', `${what}: ${(e.stderr || e.message).trim()}`, { cause: err })
  }
}

/** Writes the files of a tar archive (as `git archive` makes it) under `into`; nothing outside it. */
async function untar(tar: Buffer, into: string): Promise<number> {
  const reader = extract()
  let files = 0
  const done = new Promise<void>((res, rej) => {
    reader.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = []
      stream.on('data', (c: unknown) => void chunks.push(c as Buffer))
      stream.on('error', rej)
      stream.on('end', () => {
        const name = normalize(header.name)
        if (header.type !== 'file' || isAbsolute(name) || name.startsWith('..')) return next()
        const to = join(into, name)
        mkdir(dirname(to), { recursive: true }).then(() => writeFile(to, Buffer.concat(chunks))).then(() => { files++; next() }, rej)
      })
    })
    reader.on('finish', res)
    reader.on('error', rej)
  })
  reader.end(tar)
  await done
  return files
}

async function compile(source: string, opa: string, work: string, name: string): Promise<PolicyBundle> {
  return readBundle(await readFile(await buildBundle(source, join(work, `${name}.tar.gz`), opa)))
}

/** The policy source directory as it was at `ref`, compiled; `source` must be inside a git work tree. */
async function atGitRef(ref: string, source: string, opa: string, work: string): Promise<ComparedPolicy> {
  const top = (await git(source, ['rev-parse', '--show-toplevel'], `find the git repository of ${source}`)).trim()
  const path = relative(top, source) || '.'
  const commit = (await git(top, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], `${JSON.stringify(ref)} is neither a bundle file nor a git commit`).catch((err: UsageError) => {
    throw new UsageError('usage.base', `--base ${ref}: not a bundle file, and not a commit of the git repository at ${top}`, { cause: err })
  })).trim()
  let tar: Buffer
  try {
    tar = (await run('git', ['archive', '--format=tar', commit, '--', path], { cwd: top, maxBuffer: 256 * 1024 * 1024, encoding: 'buffer' })).stdout
  } catch (err) {
    throw new UsageError('usage.base', `--base ${ref}: ${path} does not exist at ${commit.slice(0, 7)} (${((err as { stderr?: Buffer }).stderr?.toString() ?? '').trim()})`, { cause: err })
  }
  const into = join(work, 'base-source')
  if (!(await untar(tar, into))) throw new UsageError('usage.base', `--base ${ref}: ${path} has no files at ${commit.slice(0, 7)}`)
  const bundle = await compile(join(into, path), opa, work, 'base')
  return { label: `git ${ref} (${commit.slice(0, 7)}) ${path}/`, bundle, source: join(into, path) }
}

/** --base: a bundle file, or a git ref of the repository holding policy.source. */
export async function basePolicy(base: string, config: Config, cwd: string, opa: () => string, work: string): Promise<ComparedPolicy> {
  const file = resolve(cwd, base)
  if (existsSync(file) && statSync(file).isFile()) {
    const bytes = await readFile(file)
    return { label: `bundle ${relative(cwd, file) || file}`, bundle: await readBundle(bytes) }
  }
  const source = config.policy.source
  if (!source) throw new UsageError('usage.base', `--base ${base} is not a bundle file, and policy.source is not set (the config names a prebuilt bundle): give --base a bundle file, or set policy.source`)
  return atGitRef(base, source, opa(), work)
}

/** The working tree's policy: policy.source compiled, or policy.bundle as is. */
export async function headPolicy(config: Config, cwd: string, opa: () => string, work: string): Promise<ComparedPolicy> {
  if (config.policy.bundle) return { label: `bundle ${relative(cwd, config.policy.bundle) || config.policy.bundle}`, bundle: await readBundle(await readFile(config.policy.bundle)) }
  const source = config.policy.source!
  return { label: `working tree ${relative(cwd, source) || '.'}/`, bundle: await compile(source, opa(), work, 'head'), source }
}

export async function withWorkDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-diff-'))
  try {
    return await body(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
