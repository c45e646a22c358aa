// Freed native memory goes back to the system. Starting a gateway (the SQL parser's and the policy's
// WebAssembly compiled with TurboFan on background threads) leaves tens of MB freed but kept in glibc's thread
// arenas; a trim returns them. Measured in a process of its own (testing/memory-after-start.ts).
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { packageRoot, testOpa } from '../postgres/testing/paths.ts'
import { startMemoryTrim } from './memory-trim.ts'

test('after a gateway-like start, a trim gives back what the WebAssembly compilers freed', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'warden-memory-trim-'))
  try {
    const fixture = join(packageRoot, 'proxy', 'server', 'testing', 'memory-after-start.ts')
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fixture, stateDir], { env: { ...process.env, OPA: testOpa() } })
    const { trimmed, before, after } = JSON.parse(stdout) as { trimmed: boolean; before: number; after: number }
    assert.ok(trimmed, 'glibc has malloc_trim here')
    assert.ok(before - after >= 30, `RSS ${before} MB before the trim, ${after} MB after`)
  } finally {
    rmSync(stateDir, { recursive: true, force: true })
  }
})

test('trims run on an interval until stopped', async () => {
  const trimmer = startMemoryTrim({ intervalMs: 50 })
  // The trim timer does not keep a process alive (unref): this test does.
  const alive = setInterval(() => {}, 1000)
  try {
    const first = trimmer.count
    await trimmer.next()
    await trimmer.next()
    assert.ok(trimmer.count >= first + 2)
    trimmer.stop()
    const stopped = trimmer.count
    await new Promise((resolve) => setTimeout(resolve, 150))
    assert.is(trimmer.count, stopped, 'no trim after stop()')
  } finally {
    trimmer.stop()
    clearInterval(alive)
  }
})

test.run()
