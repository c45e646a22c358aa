// Makes a fresh clone runnable: installs node modules when missing or stale and finds or builds OPA.
// Plain JavaScript so it runs before anything is installed. Prints what it does to stderr.
import { execFileSync } from 'node:child_process'
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureOpa } from './ensure-opa.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

export function ensureNodeModules() {
  const marker = join(root, 'node_modules', '.package-lock.json')
  const lock = join(root, 'package-lock.json')
  // A linked node_modules (a worktree sharing the main checkout's) belongs to that checkout: `npm ci` here
  // would replace or empty the shared folder under everyone using it, so never install through a link.
  const link = join(root, 'node_modules')
  if (lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) {
    if (!existsSync(marker)) process.stderr.write(`warden: node_modules links to ${readlinkSync(link)}, which is not installed (yet?); run npm ci in that checkout\n`)
    return
  }
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return
  process.stderr.write('warden: installing node modules (npm ci)…\n')
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
}

export function ensureAll({ opa = true } = {}) {
  ensureNodeModules()
  return opa ? ensureOpa() : undefined
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const opa = ensureAll()
    process.stderr.write(`warden: opa at ${opa}\n`)
  } catch (err) {
    process.stderr.write(`warden: setup failed: ${err.message}\n`)
    process.exit(2)
  }
}
