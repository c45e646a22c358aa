// Finds PostgreSQL server binaries (initdb, pg_ctl, postgres) for the tests' private clusters,
// installing Debian's postgresql package when they are missing and we are root.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const debianRoot = '/usr/lib/postgresql'

export function findPostgresBin() {
  if (process.env.PG_BIN && existsSync(join(process.env.PG_BIN, 'initdb'))) return process.env.PG_BIN
  if (!existsSync(debianRoot)) return undefined
  const versions = readdirSync(debianRoot).filter((v) => existsSync(join(debianRoot, v, 'bin', 'initdb')))
  versions.sort((a, b) => Number(b) - Number(a))
  return versions[0] ? join(debianRoot, versions[0], 'bin') : undefined
}

function aptInstall(packages) {
  if (process.getuid?.() !== 0) {
    throw new Error(`PostgreSQL server binaries not found; install them (Debian: sudo apt-get install -y ${packages.join(' ')}) or set PG_BIN to the directory holding initdb`)
  }
  process.stderr.write(`warden: installing ${packages.join(' ')} from Debian packages…\n`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env })
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: ['ignore', 'ignore', 'inherit'], env })
}

export function ensurePostgres({ pgbouncer = false } = {}) {
  let bin = findPostgresBin()
  const missing = []
  if (!bin || !existsSync('/usr/bin/psql')) missing.push('postgresql', 'postgresql-client')
  if (pgbouncer && !existsSync('/usr/sbin/pgbouncer')) missing.push('pgbouncer')
  if (missing.length) aptInstall(missing)
  bin = findPostgresBin()
  if (!bin) throw new Error('PostgreSQL was installed but no initdb was found under /usr/lib/postgresql/*/bin; set PG_BIN')
  return bin
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    process.stdout.write(`${ensurePostgres({ pgbouncer: process.argv.includes('--pgbouncer') })}\n`)
  } catch (err) {
    process.stderr.write(`warden: ${err.message}\n`)
    process.exit(2)
  }
}
