// Files the gateway trusts: whoever can write them decides. The policy (its source or prebuilt bundle) decides
// every request; an identity provider's jwks_file says whose tokens are genuine; an upstream's ca_file or
// ssl_root_cert says which server gets the gateway's credential. One that every local user may change — a
// world-writable file or directory, or one under a world-writable directory without the sticky bit, where anyone
// can rename it away and put their own in its place — is refused at start, naming the path and the chmod to run.
import { readdirSync, realpathSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Config } from '../../engine/config/types.ts'
import { CodedError } from '../../engine/errors.ts'

export class TrustedFileError extends CodedError<'config.writable_by_others'> {
  constructor(message: string) {
    super('config.writable_by_others', message)
  }
}

const WORLD_WRITABLE = 0o002
const STICKY = 0o1000

/** Paths under `root` (itself included) that any local user could write, walking directories, following links. */
function writableEntries(root: string, out: string[] = []): string[] {
  const st = statSync(root)
  if (st.mode & WORLD_WRITABLE) out.push(root)
  if (st.isDirectory()) for (const name of readdirSync(root)) writableEntries(join(root, name), out)
  return out
}

/** Ancestors of `path` that let anyone replace what is in them: world-writable and not sticky. */
export function openAncestors(path: string): string[] {
  const out: string[] = []
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const mode = statSync(dir, { throwIfNoEntry: false })?.mode ?? 0 // not made yet: judged by its own parent
    if (mode & WORLD_WRITABLE && !(mode & STICKY)) out.push(dir)
    if (dirname(dir) === dir) return out
  }
}

/** Throws TrustedFileError when another local user could change `path` (a file, or a directory and all below it). */
export function checkTrustedPath(path: string, field: string, what: string): void {
  let real: string
  try {
    real = realpathSync(path)
  } catch {
    return // a missing path is reported by the build or the read, with its own message
  }
  const writable = writableEntries(real)
  const open = openAncestors(real)
  if (!writable.length && !open.length) return
  const where = [...writable.slice(0, 5).map((p) => `${p} is world-writable`), ...open.map((p) => `${p} lets anyone replace what is in it`)]
  const more = writable.length > 5 ? ` (and ${writable.length - 5} more)` : ''
  throw new TrustedFileError(
    `refusing to start: any local user could change ${what} in ${field} ${path}: ${where.join('; ')}${more}. ` +
    `Remove write access for others (chmod -R o-w ${real}${open.length ? `; chmod o-w or +t ${open.join(' ')}` : ''})`,
  )
}

/** The trust files of the config besides the policy (loadPolicy checks that): JWKS files and upstream CA files. */
export function checkTrustedFiles(config: Config): void {
  config.identity.providers.forEach((p, i) => {
    if (p.jwks_file !== undefined) checkTrustedPath(p.jwks_file, `identity.providers[${i}].jwks_file`, `the keys that make tokens of provider ${p.name} genuine`)
  })
  config.targets.forEach((t, i) => {
    if (t.upstream_http?.ca_file !== undefined) checkTrustedPath(t.upstream_http.ca_file, `targets[${i}].upstream_http.ca_file`, `the CA that says which server gets target ${t.name}'s credential`)
    if (t.upstream?.ssl_root_cert !== undefined) checkTrustedPath(t.upstream.ssl_root_cert, `targets[${i}].upstream.ssl_root_cert`, `the CA that says which server gets target ${t.name}'s credential`)
  })
}
