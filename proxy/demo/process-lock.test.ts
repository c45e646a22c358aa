import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { acquireLock, processRuns, runningPostmaster } from './process-lock.ts'

const dir = mkdtempSync(join(tmpdir(), 'warden-lock-'))
const exited = () => Number(spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim())

test('processRuns: this process runs node; an exited pid and a wrong name do not count', () => {
  assert.ok(processRuns(process.pid, 'node'))
  assert.not.ok(processRuns(process.pid, 'postgres-that-is-not-here'))
  assert.not.ok(processRuns(exited(), 'sh'))
  assert.not.ok(processRuns(0, 'node'))
})

test('a lock is taken, refused to a second taker while held, released, and taken over from a dead holder', () => {
  const path = join(dir, 'gateway.pid')
  const lock = acquireLock(path, dir)
  assert.is(lock.tookOver, false)
  assert.is(readFileSync(path, 'utf8').trim(), String(process.pid))
  assert.throws(() => acquireLock(path, dir), (err: Error & { code: string }) => err.code === 'demo.in_use' && err.message.includes(`pid ${process.pid}`))
  lock.release()
  assert.not.ok(existsSync(path))
  writeFileSync(path, `${exited()}\n`)
  const taken = acquireLock(path, dir)
  assert.is(taken.tookOver, true)
  taken.release()
})

test('runningPostmaster: no pid file, or one naming a dead process, is no running server', () => {
  assert.is(runningPostmaster(dir), undefined)
  writeFileSync(join(dir, 'postmaster.pid'), `${exited()}\n${dir}\n`)
  assert.is(runningPostmaster(dir), undefined)
  writeFileSync(join(dir, 'postmaster.pid'), `${process.pid}\n${dir}\n`)
  assert.is(runningPostmaster(dir), undefined, 'a node process is not a postgres server')
})

test.after(() => rmSync(dir, { recursive: true, force: true }))
test.run()
