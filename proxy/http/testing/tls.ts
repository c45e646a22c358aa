// A throwaway CA and a serving certificate it signs for 127.0.0.1 and localhost, as files a peer can load
// (openssl is required). Strict verifiers (Go, Python 3.13) want a real CA, not a self-signed leaf.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface ServingPki {
  /** PEM of the CA that signed the serving certificate: what a client trusts. */
  caPem: string
  caFile: string
  certFile: string
  keyFile: string
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? ''
    throw new Error(`openssl ${args[0]} failed (install OpenSSL >= 3.0, which has \`req -x509 -CA\`): ${stderr.trim() || (err as Error).message}`)
  }
}

const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2']

/** Writes ca.pem, cert.pem and key.pem into `dir`. */
export function makeServingPki(dir: string): ServingPki {
  const caFile = join(dir, 'ca.pem')
  const caKey = join(dir, 'ca.key')
  const certFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  openssl(['req', '-x509', ...ec, '-subj', '/CN=warden test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', caKey, '-out', caFile])
  openssl(['req', '-x509', '-CA', caFile, '-CAkey', caKey, ...ec, '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-addext', 'basicConstraints=critical,CA:FALSE',
    '-addext', 'keyUsage=critical,digitalSignature', '-addext', 'extendedKeyUsage=serverAuth',
    '-keyout', keyFile, '-out', certFile])
  return { caPem: readFileSync(caFile, 'utf8'), caFile, certFile, keyFile }
}
