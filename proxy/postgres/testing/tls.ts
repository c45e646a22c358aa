// A throwaway self-signed certificate for tests (openssl is required, as for `warden up`'s generated cert).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestCert {
  cert: string
  key: string
}

/** Names `commonName` and, unless `loopbackIp` is false, 127.0.0.1 (what the test servers listen on). */
export function makeSelfSignedCert(commonName = 'localhost', { loopbackIp = true } = {}): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cert-'))
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', `/CN=${commonName}`, '-addext', `subjectAltName=DNS:${commonName}${loopbackIp ? ',IP:127.0.0.1' : ''}`,
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: ['ignore', 'ignore', 'pipe'] })
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
