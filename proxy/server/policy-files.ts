// The policy is what decides; whoever can write it decides. A policy source (or prebuilt bundle) that every local
// user may change — a world-writable .rego file or directory, or one under a world-writable directory without the
// sticky bit, where anyone can rename it away and put their own in its place — is refused at start, naming the
// path and the chmod that fixes it.
import { readdirSync, realpathSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { CodedError } from '../../engine/errors.ts'

export class PolicyFilesError extends CodedError<'policy.writable_by_others'> {
  constructor(message: string) {
    super('policy.writable_by_others', message)
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
function openAncestors(path: string): string[] {
  const out: string[] = []
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const mode = statSync(dir).mode
    if (mode & WORLD_WRITABLE && !(mode & STICKY)) out.push(dir)
    if (dirname(dir) === dir) return out
  }
}

/** Throws PolicyFilesError when another local user could change the policy at `path` (a source directory or a bundle). */
export function checkPolicyFiles(path: string, field: string): void {
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
  throw new PolicyFilesError(
    `refusing to start: any local user could change the policy in ${field} ${path}: ${where.join('; ')}${more}. ` +
    `Remove write access for others (chmod -R o-w ${real}${open.length ? `; chmod o-w or +t ${open.join(' ')}` : ''})`,
  )
}
