// A cross-process lock (a directory holding the owner's pid), so two checkouts sharing .tools do not build
// the same peer at once. A lock whose owner has died is taken over. Synchronous, like the ensure scripts.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const pause = new Int32Array(new SharedArrayBuffer(4))

function ownerAlive(dir) {
  let pid
  try {
    pid = Number(readFileSync(join(dir, 'pid'), 'utf8'))
  } catch {
    return true // being created right now
  }
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return err.code === 'EPERM'
  }
}

export function withLock(dir, fn, { timeoutMs = 60 * 60_000 } = {}) {
  const deadline = Date.now() + timeoutMs
  let told = false
  for (;;) {
    try {
      mkdirSync(dir)
      break
    } catch (err) {
      if (err.code !== 'EEXIST') throw err
    }
    if (!ownerAlive(dir)) {
      rmSync(dir, { recursive: true, force: true })
      continue
    }
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 60_000} min for ${dir}; if no build is running, delete that folder`)
    if (!told) process.stderr.write(`warden: another process is building (lock ${dir}); waiting…\n`)
    told = true
    Atomics.wait(pause, 0, 0, 2000)
  }
  writeFileSync(join(dir, 'pid'), String(process.pid))
  try {
    return fn()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
