// One gateway per demo cluster: <dir>/gateway.pid names the gateway that runs it. A second gateway on the same
// state directory fails with a clear message while that process lives; a lock left by a crashed gateway is
// taken over. Also tells whether a postmaster.pid still names a running server.
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { DemoDatabaseError } from './errors.ts'

/** Whether pid is a live process whose command line contains `name` (on Linux, via /proc; elsewhere any live pid). */
export function processRuns(pid: number, name: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  // After a crash and a reboot (or in a container) the pid may belong to an unrelated process now.
  const cmdline = `/proc/${pid}/cmdline`
  if (!existsSync('/proc/self/cmdline')) return true
  try {
    return readFileSync(cmdline, 'utf8').includes(name)
  } catch {
    return false
  }
}

export interface ProcessLock {
  /** True when a lock left by a gateway that is gone was taken over (its server may still be running). */
  tookOver: boolean
  release(): void
}

/** Takes <path> for this process; throws demo.in_use when another live gateway holds it. */
export function acquireLock(path: string, clusterDir: string): ProcessLock {
  let tookOver = false
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 })
      return {
        tookOver,
        release() {
          try {
            if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path)
          } catch { /* already gone */ }
        },
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new DemoDatabaseError('demo.lock', `create the lock ${path}: ${(err as Error).message}`, { cause: err })
      }
    }
    const holder = Number(readFileSync(path, 'utf8').trim())
    if (holder === process.pid || processRuns(holder, 'node')) {
      throw new DemoDatabaseError('demo.in_use', `the demo database in ${clusterDir} is already run by another Warden gateway (pid ${holder}); stop that gateway first, or give this one its own state_dir in the config`)
    }
    unlinkSync(path)
    tookOver = true
  }
  throw new DemoDatabaseError('demo.lock', `could not take the lock ${path}: another gateway is starting on the same state directory`)
}

/** The pid of the server named by <data>/postmaster.pid when that server is still running, else undefined. */
export function runningPostmaster(dataDir: string): number | undefined {
  const file = `${dataDir}/postmaster.pid`
  if (!existsSync(file)) return undefined
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0])
  return processRuns(pid, 'postgres') ? pid : undefined
}
