// Runs one peer process for a test: keeps the tail of its output for error messages, waits until a probe
// says it is ready, and stops it. A watchdog shell kills it (and removes its temp dir) when the test process
// ends in any way, even SIGKILL, since its stdin pipe then closes; nothing is left behind to hold the loop.
import { spawn, type ChildProcess } from 'node:child_process'
import https from 'node:https'
import type { Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

export interface PeerProcess {
  name: string
  pid: number
  /** The last 64 KiB of its stdout and stderr. */
  output(): string
  /** Whether it has exited, and how. */
  exit(): string | undefined
  stop(): Promise<void>
}

const keep = 64 * 1024

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv
  /** A folder the watchdog deletes if the test process dies without calling stop(). */
  cleanup?: string
}

function watchdog(pid: number, cleanup = ''): ChildProcess {
  const script = 'cat >/dev/null; kill -9 "$0" 2>/dev/null; [ -z "$1" ] || rm -rf "$1"'
  const dog = spawn('sh', ['-c', script, String(pid), cleanup], { stdio: ['pipe', 'ignore', 'ignore'] })
  dog.unref()
  ;(dog.stdin as unknown as Socket).unref()
  return dog
}

export function spawnPeer(name: string, bin: string, args: string[], opts: SpawnOptions = {}): PeerProcess {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env })
  let exitInfo: string | undefined
  child.on('error', (err) => (exitInfo ??= `failed to run: ${err.message}`))
  if (child.pid === undefined) throw new Error(`could not start ${name} (${bin}); run \`node scripts/ensure-peers.mjs\` to build or install it`)
  const pid = child.pid
  const dog = watchdog(pid, opts.cleanup)
  let log = ''
  const collect = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-keep)
  }
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on('data', collect)
    ;(stream as unknown as Socket).unref()
  }
  child.unref()
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`
      dog.kill('SIGKILL') // its pid may be reused from now on
      resolve()
    })
  })
  return {
    name,
    pid,
    output: () => log,
    exit: () => exitInfo,
    async stop() {
      dog.kill('SIGKILL')
      if (exitInfo) return
      child.ref() // keep the loop alive until it has exited
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(killer)
    },
  }
}

export interface HttpsAnswer {
  status: number
  body: string
}

/** One HTTPS GET trusting `ca`, with an optional bearer token. */
export function httpsGet(url: string, ca: string, token?: string, timeoutMs = 5000): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const headers = token ? { authorization: `Bearer ${token}` } : {}
    const req = https.get(url, { ca, headers, timeout: timeoutMs }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)))
    req.on('error', reject)
  })
}

function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}

/** Polls `ready` until it returns true; fails with the peer's output if it exits or time runs out. */
export async function waitReady(peer: PeerProcess, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = 'not probed yet'
  for (;;) {
    const exit = peer.exit()
    if (exit) throw new Error(`${peer.name} ${exit} before it was ready; its output ends:\n${tail(peer.output())}`)
    try {
      if (await ready()) return
      last = 'probe said not ready'
    } catch (err) {
      last = (err as Error).message
    }
    if (Date.now() > deadline) {
      throw new Error(`${peer.name} was not ready after ${timeoutMs / 1000}s (last probe: ${last}); its output ends:\n${tail(peer.output())}`)
    }
    await sleep(250)
  }
}
