// Where the gateway's upstream secrets come from: an environment variable, a file (re-read when its mtime or
// size changes, e.g. a rotated Kubernetes service-account token), or a command (e.g. `gcloud auth
// print-access-token`) whose output is cached for a TTL. A missing source is an error naming what to set.
import { execFile, type ExecFileException } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { HttpGatewayError } from './errors.ts'

export type Env = Record<string, string | undefined>

export interface SecretSource {
  env?: string
  file?: string
  command?: string[]
  ttlSeconds?: number
}

const unavailable = (target: string, what: string, cause?: unknown) =>
  new HttpGatewayError(503, 'http.credential_unavailable', `target ${target} has no upstream credential: ${what}`, { cause })

/**
 * Why a secret's command failed, for the caller's answer: never its message, which quotes the command line (an
 * argument may be a secret: `--client-secret=…`) and all it wrote to stderr (a credential helper's error may quote
 * the token it could not refresh). The whole error stays the `cause`.
 */
function commandFailure(err: ExecFileException): string {
  if (err.killed) return `stopped${err.signal ? ` by ${err.signal}` : ''} (it ran past 30 s or printed past 1 MiB)`
  if (typeof err.code === 'number') return `it exited with code ${err.code}`
  return typeof err.code === 'string' ? `it could not be run (${err.code})` : 'it failed'
}

/** A reader of one secret; files and commands are cached, so the common path is a stat or a clock check. */
export function secretReader(target: string, field: string, source: SecretSource, env: Env): () => Promise<string> {
  if (source.env) {
    const name = source.env
    return async () => {
      const value = env[name]?.trim()
      if (!value) throw unavailable(target, `set the environment variable ${name} (${field}) for the gateway and restart it`)
      return value
    }
  }
  if (source.file) {
    const file = source.file
    let cached: { stamp: string; value: string } | undefined
    return async () => {
      try {
        const st = statSync(file)
        const stamp = `${st.mtimeMs}:${st.size}:${st.ino}`
        if (cached?.stamp !== stamp) {
          const value = readFileSync(file, 'utf8').trim()
          if (!value) throw new Error('the file is empty')
          cached = { stamp, value }
        }
        return cached.value
      } catch (err) {
        throw unavailable(target, `read ${field} from ${file}: ${(err as Error).message}; write the secret to that file`, err)
      }
    }
  }
  if (source.command?.length) {
    const [cmd, ...args] = source.command
    const ttlMs = (source.ttlSeconds ?? 300) * 1000
    let cached: { at: number; value: Promise<string> } | undefined
    return async () => {
      if (!cached || performance.now() - cached.at > ttlMs) {
        const value = new Promise<string>((resolve, reject) => {
          execFile(cmd!, args, { timeout: 30_000, maxBuffer: 1 << 20, env: env as NodeJS.ProcessEnv }, (err, stdout) => {
            if (err) reject(unavailable(target, `run ${cmd} (${field}): ${commandFailure(err)}`, err))
            else if (!stdout.trim()) reject(unavailable(target, `${cmd} (${field}) printed nothing`))
            else resolve(stdout.trim())
          })
        })
        cached = { at: performance.now(), value }
        value.catch(() => { cached = undefined })
      }
      return cached.value
    }
  }
  return async () => {
    throw unavailable(target, `${field} has no source; give an _env, _file or _command setting`)
  }
}
