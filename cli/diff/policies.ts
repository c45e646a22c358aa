// The two policies `warden diff` compares. Base: a bundle file used as is, or the policy source directory as
// it was at a git ref (extracted with `git archive` into a temporary directory); head: the working tree's
// policy.source (or policy.bundle). Sources are compiled the way `warden build` compiles them.
import { execFile } from 'node:child_process'
import { existsSync, realpathSync, statSync } from 'node:fs'
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
}

/** Runs git; a failure is a usage error saying `failure` and what git said. */
async function git<E extends 'utf8' | 'buffer'>(cwd: string, args: string[], failure: string, encoding: E): Promise<E extends 'utf8' ? string : Buffer> {
  try {
    return (await run('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, encoding })).stdout as E extends 'utf8' ? string : Buffer
  } catch (err) {
    const said = String((err as { stderr?: unknown }).stderr ?? '').trim()
    throw new UsageError('usage.base', `${failure}${said ? ` (git: ${said})` : ''}`, { cause: err })
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
  const real = realpathSync(source)
  const top = (await git(real, ['rev-parse', '--show-toplevel'], `--base ${ref}: not a bundle file, and the policy source ${source} is not in a git repository`, 'utf8')).trim()
  const path = relative(top, real) || '.'
  const commit = (await git(top, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], `--base ${ref}: not a bundle file, and not a commit of the git repository at ${top}`, 'utf8')).trim()
  const tar = await git(top, ['archive', '--format=tar', commit, '--', path], `--base ${ref}: ${path} does not exist at ${commit.slice(0, 7)}`, 'buffer')
  const into = join(work, 'base-source')
  if (!(await untar(tar, into))) throw new UsageError('usage.base', `--base ${ref}: ${path} has no files at ${commit.slice(0, 7)}`)
  const bundle = await compile(join(into, path), opa, work, 'base')
  return { label: `git ${ref} (${commit.slice(0, 7)}) ${path}/`, bundle }
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
  return { label: `working tree ${relative(cwd, source) || '.'}/`, bundle: await compile(source, opa(), work, 'head') }
}

export async function withWorkDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-diff-'))
  try {
    return await body(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
