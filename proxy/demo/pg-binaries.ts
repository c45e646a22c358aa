// Finds installed PostgreSQL server binaries (initdb, pg_ctl, postgres) for the demo's private cluster, the way
// scripts/ensure-postgres.mjs does for the tests, but without installing anything: PG_BIN when set (and then
// only there), else the Debian/Ubuntu layout /usr/lib/postgresql/<major>/bin (newest major first), else
// initdb on PATH.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, realpathSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'

export interface PostgresBinaries {
  /** The directory holding initdb, pg_ctl and postgres. */
  bin: string
  /** e.g. "15.8" */
  version: string
  major: number
}

const DEBIAN_ROOT = '/usr/lib/postgresql'
const TOOLS = ['initdb', 'pg_ctl', 'postgres'] as const

function complete(dir: string): boolean {
  return TOOLS.every((tool) => existsSync(join(dir, tool)))
}

function candidates(env: Record<string, string | undefined>): string[] {
  if (env.PG_BIN) return [env.PG_BIN]
  const out: string[] = []
  if (existsSync(DEBIAN_ROOT)) {
    const majors = readdirSync(DEBIAN_ROOT).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
    out.push(...majors.map((v) => join(DEBIAN_ROOT, v, 'bin')))
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    // /usr/bin/initdb is often a wrapper script beside the real binaries; follow it to where pg_ctl lives.
    if (dir && existsSync(join(dir, 'initdb'))) out.push(dirname(realpathSync(join(dir, 'initdb'))))
  }
  return out
}

/** The first complete set of server binaries, or undefined when none is installed (or PG_BIN is wrong). */
export function findPostgresBinaries(env: Record<string, string | undefined> = process.env): PostgresBinaries | undefined {
  for (const bin of candidates(env)) {
    if (!complete(bin)) continue
    let text: string
    try {
      text = execFileSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8', timeout: 10_000 })
    } catch {
      continue
    }
    const m = /(\d+)(?:\.(\d+))?/.exec(text)
    if (!m) continue
    return { bin, version: m[2] ? `${m[1]}.${m[2]}` : m[1]!, major: Number(m[1]) }
  }
  return undefined
}
