// A throwaway self-signed certificate for tests (openssl is required, as for `warden up`'s generated cert).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestCert {
  cert: string
  key: string
}

export interface TestCertOptions {
  /** Name 127.0.0.1 as an IP address (what the test servers listen on); default true. */
  loopbackIp?: boolean
  /** The whole subjectAltName instead (e.g. `DNS:127.0.0.1`, an address spelled as a DNS name). */
  subjectAltName?: string
  /** Valid only between these times (openssl's YYYYMMDDHHMMSSZ), e.g. long past: an expired certificate. */
  validity?: { start: string; end: string }
}

/** Names `commonName` and, unless `loopbackIp` is false, 127.0.0.1. */
export function makeSelfSignedCert(commonName = 'localhost', opts: TestCertOptions = {}): TestCert {
  const san = opts.subjectAltName ?? `DNS:${commonName}${opts.loopbackIp === false ? '' : ',IP:127.0.0.1'}`
  const dir = mkdtempSync(join(tmpdir(), 'warden-cert-'))
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${commonName}`, '-keyout', join(dir, 'key.pem')]
  try {
    if (!opts.validity) {
      openssl(['req', '-x509', ...key, '-days', '2', '-addext', `subjectAltName=${san}`, '-out', join(dir, 'cert.pem')])
    } else {
      // `openssl req -x509` only counts days from now; `openssl ca -selfsign` takes any start and end.
      writeFileSync(join(dir, 'index.txt'), '')
      writeFileSync(join(dir, 'serial'), '01\n')
      writeFileSync(join(dir, 'ca.cnf'), [
        '[ca]', 'default_ca = d', '[d]', 'database = index.txt', 'new_certs_dir = .', 'serial = serial', 'default_md = sha256', 'policy = p',
        '[p]', 'commonName = supplied', '[ext]', `subjectAltName = ${san}`, 'basicConstraints = CA:TRUE', '',
      ].join('\n'))
      openssl(['req', '-new', ...key, '-out', join(dir, 'req.csr')])
      openssl(['ca', '-selfsign', '-batch', '-notext', '-config', 'ca.cnf', '-extensions', 'ext', '-keyfile', join(dir, 'key.pem'), '-in', join(dir, 'req.csr'),
        '-startdate', opts.validity.start, '-enddate', opts.validity.end, '-out', join(dir, 'cert.pem')])
    }
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
