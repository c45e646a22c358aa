// Makes a fresh clone runnable: installs node modules when missing or stale and finds or builds OPA.
// Plain JavaScript so it runs before anything is installed. Prints what it does to stderr.
import { execFileSync } from 'node:child_process'
import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureOpa } from './ensure-opa.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

export function ensureNodeModules() {
  const marker = join(root, 'node_modules', '.package-lock.json')
  const lock = join(root, 'package-lock.json')
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return
  // A linked node_modules (a git worktree sharing another checkout's) belongs to that checkout: `npm ci` here
  // would empty it under everyone using it.
  if (existsSync(join(root, 'node_modules')) && lstatSync(join(root, 'node_modules')).isSymbolicLink()) {
    process.stderr.write('warden: node_modules is a link to another checkout; not reinstalling it here\n')
    return
  }
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
