// The forward proxy's certificate authority: generated on first start into <state_dir>/ca (key mode 0600),
// and leaf certificates for intercepted hosts signed with it. Keys come from node's native, asynchronous
// generateKeyPair; one leaf key is made at start and reused for every leaf, so a new host costs one
// certificate signature (a few ms), never a key generation on the event loop. node-forge builds and signs the
// X.509 structures (node cannot issue certificates); node's native RSA signs them.
import { constants, createPrivateKey, generateKeyPair, type KeyObject, privateEncrypt, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { join } from 'node:path'
import { createSecureContext, type SecureContext } from 'node:tls'
import { promisify } from 'node:util'
import forge from 'node-forge'

export interface CaPaths {
  dir: string
  cert: string
  key: string
  /** The system CAs plus this CA, for tools whose CA setting replaces the system bundle. */
  bundle: string
}

export const caPaths = (stateDir: string): CaPaths => {
  const dir = join(stateDir, 'ca')
  return { dir, cert: join(dir, 'ca.pem'), key: join(dir, 'ca-key.pem'), bundle: join(dir, 'bundle.pem') }
}

const rsaPair = promisify(generateKeyPair)
const newKey = async () => (await rsaPair('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } })) as { publicKey: string; privateKey: string }

// DER DigestInfo prefix of SHA-256 (RFC 8017 §9.2): RSASSA-PKCS1-v1_5 signs prefix ‖ hash with type-1 padding.
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex')

/**
 * A forge signing key backed by node's native RSA: forge hashes the TBS certificate, node signs the hash.
 * Measured here: forge's own JavaScript RSA took 70–160 ms per leaf (blocking the event loop); native, ~1 ms.
 */
function nativeSigner(key: KeyObject) {
  return {
    sign(md: forge.md.MessageDigest): string {
      const hash = Buffer.from(md.digest().getBytes(), 'binary')
      return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA256_DIGEST_INFO, hash])).toString('binary')
    },
  } as unknown as forge.pki.rsa.PrivateKey
}

/**
 * A positive 16-byte serial in minimal DER: the first byte's top bit clear (not negative) and next bit set (no
 * leading zero byte to drop). `00` + random bytes was non-minimal whenever the next byte was below 0x80, and Go's
 * x509 (kubectl, gcloud's helpers) refuses such a certificate: "x509: malformed serial number".
 */
export function serial(): string {
  const b = randomBytes(16)
  b[0] = (b[0]! & 0x7f) | 0x40
  return b.toString('hex')
}

/** The system bundle the machine's tools use today (the preset variables point at it), else Debian's. */
export function systemBundle(env: Record<string, string | undefined>): string | undefined {
  for (const candidate of [env.SSL_CERT_FILE, '/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt']) {
    if (candidate && existsSync(candidate)) return candidate
  }
  return undefined
}

/** The CA's key and self-signed certificate, PEM. */
async function newCa(stateDir: string): Promise<{ key: string; cert: string }> {
  const { publicKey, privateKey } = await newKey()
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey)
  cert.serialNumber = serial()
  cert.validity.notBefore = new Date(Date.now() - 86_400_000)
  cert.validity.notAfter = new Date(Date.now() + 5 * 365 * 86_400_000)
  const subject = [{ name: 'commonName', value: `Warden gateway CA (${stateDir.split('/').slice(-2).join('/')})` }, { name: 'organizationName', value: 'Warden' }]
  cert.setSubject(subject)
  cert.setIssuer(subject)
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true, pathLenConstraint: 0 },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ])
  cert.sign(nativeSigner(createPrivateKey(privateKey)), forge.md.sha256.create())
  return { key: privateKey, cert: forge.pki.certificateToPem(cert) }
}

const complete = (paths: CaPaths) => existsSync(paths.cert) && existsSync(paths.key)

/**
 * Creates the CA when it does not exist yet; (re)writes the combined bundle. Returns the paths.
 * A new CA is written whole into a private directory beside <state>/ca and renamed into place, which fails when
 * another process (a second gateway, `warden ca` on a first start) placed its own first: then theirs is used.
 * Writing in place let the last of them overwrite a CA the first was already serving leaves from, so clients
 * given the CA file refused that gateway until it restarted.
 */
export async function ensureCa(stateDir: string, env: Record<string, string | undefined> = process.env): Promise<CaPaths> {
  const paths = caPaths(stateDir)
  if (!complete(paths)) {
    const { key, cert } = await newCa(stateDir)
    mkdirSync(stateDir, { recursive: true, mode: 0o700 })
    const partial = mkdtempSync(join(stateDir, '.ca-partial-')) // 0700
    try {
      writeFileSync(join(partial, 'ca-key.pem'), key, { mode: 0o600 })
      writeFileSync(join(partial, 'ca.pem'), cert, { mode: 0o644 })
      // An incomplete CA directory (a file deleted to make a new CA) is set aside, never merged with the new pair.
      if (existsSync(paths.dir) && !complete(paths)) renameSync(paths.dir, `${paths.dir}.incomplete-${Date.now()}-${process.pid}`)
      renameSync(partial, paths.dir)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') || !complete(paths)) throw err
    } finally {
      rmSync(partial, { recursive: true, force: true })
    }
  }
  chmodSync(paths.key, 0o600)
  const system = systemBundle(env)
  const own = readFileSync(paths.cert, 'utf8')
  const bundle = `${paths.bundle}.${process.pid}.${randomBytes(4).toString('hex')}.partial`
  writeFileSync(bundle, `${system ? `${readFileSync(system, 'utf8').trimEnd()}\n` : ''}${own}`, { mode: 0o644 })
  renameSync(bundle, paths.bundle)
  return paths
}

export interface LeafIssuer {
  /** A TLS context for `host` with a leaf certificate signed by the CA; cached per host. */
  context(host: string): SecureContext
  /** A certificate (chain) and key for these names, e.g. the reverse listener's 127.0.0.1 and localhost. */
  pem(names: string[]): { cert: string; key: string }
}

/** Loads the CA and makes the shared leaf key; leaves are signed on demand and cached (up to `max`). */
export async function createLeafIssuer(paths: CaPaths, max = 1000): Promise<LeafIssuer> {
  const caCert = forge.pki.certificateFromPem(readFileSync(paths.cert, 'utf8'))
  const caKey = nativeSigner(createPrivateKey(readFileSync(paths.key, 'utf8')))
  const leaf = await newKey()
  const leafPublic = forge.pki.publicKeyFromPem(leaf.publicKey)
  const cache = new Map<string, SecureContext>()
  function issue(names: string[]): string {
    const name = names[0]!
    const cert = forge.pki.createCertificate()
    cert.publicKey = leafPublic
    cert.serialNumber = serial()
    cert.validity.notBefore = new Date(Date.now() - 86_400_000)
    cert.validity.notAfter = new Date(Date.now() + 397 * 86_400_000)
    cert.setSubject([{ name: 'commonName', value: name.slice(0, 64) }])
    cert.setIssuer(caCert.subject.attributes)
    cert.setExtensions([
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names.map((n) => (isIP(n) ? { type: 7, ip: n } : { type: 2, value: n })) },
    ])
    cert.sign(caKey, forge.md.sha256.create())
    return `${forge.pki.certificateToPem(cert)}${forge.pki.certificateToPem(caCert)}`
  }
  return {
    pem: (names) => ({ cert: issue(names.map((n) => n.toLowerCase())), key: leaf.privateKey }),
    context(host) {
      const name = host.toLowerCase().replace(/\.$/, '')
      const hit = cache.get(name)
      if (hit) return hit
      const ctx = createSecureContext({ key: leaf.privateKey, cert: issue([name]) })
      if (cache.size >= max) cache.delete(cache.keys().next().value!)
      cache.set(name, ctx)
      return ctx
    },
  }
}
