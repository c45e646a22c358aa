// Real `warden` processes for end-to-end tests: a gateway (`warden up`) run until it is stopped or killed, and
// one-shot commands (`warden approvals …`, `warden grants …`), each a child process of bin/warden.js.
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { packageRoot, testOpa } from '../../proxy/postgres/testing/paths.ts'

const bin = join(packageRoot, 'bin', 'warden.js')

export interface GatewayProcess {
  child: ChildProcess
  output(): string
  /** Sends `signal` and resolves with the exit code (or signal name) once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | string>
}

export async function startGatewayProcess(configFile: string, opts: { cwd: string; env?: Record<string, string> }): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [bin, 'up', '--config', configFile], { cwd: opts.cwd, env: { ...process.env, OPA: testOpa(), ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  let gone = false
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => { gone = true; resolve(code ?? signal ?? 'unknown') }))
  const up = await Promise.race([
    new Promise<boolean>((resolve) => {
      // Stops polling once the process is gone: a refused start would otherwise keep the test's event loop alive.
      const check = () => {
        if (out.includes('Warden gateway is up')) return resolve(true)
        if (!gone) setTimeout(check, 25)
      }
      check()
    }),
    exited.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 120_000).unref()),
  ])
  if (!up) {
    child.kill('SIGKILL')
    throw new Error(`the gateway did not start:\n${out}`)
  }
  return {
    child,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
}

/** Runs `warden ARGS` to completion. */
export function warden(args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.once('exit', (code) => resolve({ code: code ?? -1, out, err }))
  })
}
