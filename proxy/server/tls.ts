// The PostgreSQL listener's TLS certificate: the configured PEM files, or a self-signed pair for
// localhost generated once into <state>/tls/ with the openssl CLI (node's crypto cannot issue certificates).
import { execFile } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { TlsConfig } from '../../engine/config/types.ts'
import { CodedError } from '../../engine/errors.ts'

const run = promisify(execFile)

export interface TlsMaterial {
  cert: string
  key: string
  /** Where the pair came from: the configured files, or a self-signed pair in the state directory. */
  source: 'configured' | 'generated'
  certPath: string
}

export class TlsSetupError extends CodedError<string> {}

export interface TlsOptions {
  /** The openssl binary; `openssl` on PATH by default. */
  openssl?: string
}

/** Reads or generates the listener's certificate and key (PEM). */
export async function resolveTls(config: TlsConfig | undefined, stateDir: string, opts: TlsOptions = {}): Promise<TlsMaterial> {
  if (config?.cert || config?.key) {
    if (!config.cert || !config.key) {
      throw new TlsSetupError('tls.incomplete', 'listeners.postgres.tls needs both cert and key (PEM file paths), or neither to use a generated self-signed pair')
    }
    return { cert: readPem(config.cert, 'certificate'), key: readPem(config.key, 'key'), source: 'configured', certPath: config.cert }
  }
  const dir = join(stateDir, 'tls')
  const certPath = join(dir, 'cert.pem')
  const keyPath = join(dir, 'key.pem')
  if (!usable(certPath, keyPath)) await generateSelfSigned(dir, certPath, keyPath, opts.openssl ?? 'openssl')
  return { cert: readPem(certPath, 'certificate'), key: readPem(keyPath, 'key'), source: 'generated', certPath }
}

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    throw new TlsSetupError('tls.read', `read the TLS ${what} ${path}: ${(err as Error).message}`, { cause: err })
  }
}

/** A generated pair is reused until its certificate expires. */
function usable(certPath: string, keyPath: string): boolean {
  if (!existsSync(certPath) || !existsSync(keyPath)) return false
  try {
    return new Date(new X509Certificate(readFileSync(certPath)).validTo).getTime() > Date.now()
  } catch {
    return false
  }
}

async function generateSelfSigned(dir: string, certPath: string, keyPath: string, openssl: string): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const args = [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyPath, '-out', certPath, '-days', '365', '-subj', '/CN=warden-local',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
  ]
  try {
    await run(openssl, args)
    // openssl honours the umask; the directory is 0700 already, and the key is tightened to 0600 too.
    chmodSync(keyPath, 0o600)
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT'
    throw new TlsSetupError(
      missing ? 'tls.openssl_missing' : 'tls.generate',
      missing
        ? `generate a self-signed TLS certificate: ${openssl} was not found; install openssl or set listeners.postgres.tls.cert and .key to PEM files`
        : `generate a self-signed TLS certificate with ${openssl}: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`,
      { cause: err },
    )
  }
}
