// The gateway's own connection to the real PostgreSQL server: TCP (+ TLS), StartupMessage with the gateway's
// credentials, authentication (SCRAM-SHA-256, md5, cleartext) and the parameters the server reports.
// The client never sees these credentials; only the server's ParameterStatus values are passed on.
import net from 'node:net'
import tls from 'node:tls'
import type { Duplex } from 'node:stream'
import { PgError, UpstreamError } from './errors.ts'
import { FrameSource } from './frame-source.ts'
import { decodeAuthentication } from './messages/authentication.ts'
import { decodeBackendKeyData, type BackendKeyData } from './messages/backend-key-data.ts'
import { decodeErrorResponse } from './messages/error-response.ts'
import { decodeParameterStatus } from './messages/parameter-status.ts'
import { encodePasswordMessage } from './messages/password-message.ts'
import { decodeReadyForQuery, type TransactionStatus } from './messages/ready-for-query.ts'
import { encodeSaslInitialResponse } from './messages/sasl-initial-response.ts'
import { encodeSaslResponse } from './messages/sasl-response.ts'
import { encodeSslRequest } from './messages/ssl-request.ts'
import { encodeStartupMessage } from './messages/startup-message.ts'
import { PROTOCOL_3_0 } from './messages/startup-packet.ts'
import { ACCEPTED_SERVER_ENCODINGS, PINNED_SETTINGS, pinnedValueHolds } from './pinned-settings.ts'
import { continueScram, finalizeScram, md5Password, startScram, type ScramSession } from './pg-crypto.ts'
import { unixSocketPath } from './unix-socket.ts'

export interface UpstreamTarget {
  host: string
  port: number
  database: string
  user: string
  password?: string
  /**
   * As libpq's sslmode: 'require' encrypts without verifying the server certificate; 'verify-ca' checks that a
   * trusted CA signed it; 'verify-full' also that it names `host`.
   */
  ssl?: UpstreamSsl
  /** PEM certificates of the CAs trusted for 'verify-ca' and 'verify-full' (Node's bundled roots when absent). */
  sslRootCert?: string
}

export type UpstreamSsl = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full'

/** Modes that refuse a server without TLS. */
const TLS_REQUIRED = new Set<UpstreamSsl>(['require', 'verify-ca', 'verify-full'])
/** Modes where the server has proved who it is (a certificate the gateway checked). */
const VERIFIED = new Set<UpstreamSsl>(['verify-ca', 'verify-full'])

export interface Backend {
  socket: Duplex
  /** Run-time parameters reported by the server (server_version, client_encoding, …). */
  parameters: Map<string, string>
  key: BackendKeyData
  status: TransactionStatus
  /** Bytes the server sent after ReadyForQuery, for the relay that takes over. */
  leftover: Buffer
}

const CONNECT_TIMEOUT_MS = 10_000

function readOneByte(socket: net.Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      socket.off('readable', onReadable)
      socket.off('error', onError)
      socket.off('close', onClose)
    }
    const onReadable = () => {
      const b = socket.read(1) as Buffer | null
      if (b === null) return
      cleanup()
      // Anything after the answer byte would be unencrypted bytes injected before the handshake.
      if (socket.readableLength > 0) reject(new UpstreamError('upstream.tls', 'server sent unexpected bytes after the SSL answer'))
      else resolve(b[0]!)
    }
    const onError = (err: Error) => {
      cleanup()
      reject(new UpstreamError('upstream.connect', err.message, { cause: err }))
    }
    const onClose = () => {
      cleanup()
      reject(new UpstreamError('upstream.closed', 'server closed the connection during SSL negotiation'))
    }
    socket.on('readable', onReadable)
    socket.on('error', onError)
    socket.on('close', onClose)
    onReadable()
  })
}

function connectTcp(target: UpstreamTarget, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const path = unixSocketPath(target)
    const socket = path ? net.connect({ path }) : net.connect({ host: target.host, port: target.port })
    socket.setNoDelay(true)
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new UpstreamError('upstream.connect', `no answer from ${target.host}:${target.port} within ${timeoutMs} ms`))
    }, timeoutMs)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.removeAllListeners('error')
      resolve(socket)
    })
    socket.once('error', (err) => {
      clearTimeout(timer)
      reject(new UpstreamError('upstream.connect', `${target.host}:${target.port}: ${err.message}`, { cause: err }))
    })
  })
}

/** TCP connection to the server, upgraded to TLS as target.ssl asks. Used for sessions and for cancel requests. */
export async function openUpstreamSocket(target: UpstreamTarget, timeoutMs = CONNECT_TIMEOUT_MS): Promise<net.Socket | tls.TLSSocket> {
  const socket = await connectTcp(target, timeoutMs)
  const mode = target.ssl ?? 'disable'
  // As libpq: no TLS over a Unix-domain socket, which never leaves the machine.
  if (mode === 'disable' || (mode === 'prefer' && unixSocketPath(target))) return socket
  try {
    socket.write(encodeSslRequest())
    socket.pause()
    const answer = await readOneByte(socket)
    if (answer !== 'S'.charCodeAt(0)) {
      if (TLS_REQUIRED.has(mode)) throw new UpstreamError('upstream.tls', `server at ${target.host}:${target.port} does not accept TLS (ssl: ${mode})`)
      socket.resume()
      return socket
    }
    const verify = VERIFIED.has(mode)
    const secure = tls.connect({
      socket,
      host: target.host,
      servername: net.isIP(target.host) ? undefined : target.host,
      rejectUnauthorized: verify,
      ...(verify && target.sslRootCert ? { ca: target.sslRootCert } : {}),
      // verify-ca: any name, as libpq; verify-full keeps Node's check of the certificate against `host`.
      ...(mode === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}),
    })
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve)
      secure.once('error', (err) => reject(new UpstreamError('upstream.tls', `TLS handshake with ${target.host}:${target.port}: ${err.message}`, { cause: err })))
    })
    secure.removeAllListeners('error')
    return secure
  } catch (err) {
    socket.destroy()
    throw err
  }
}

async function authenticate(target: UpstreamTarget, source: FrameSource, socket: Duplex, tlsSocket: tls.TLSSocket | undefined) {
  let scram: ScramSession | undefined
  const password = () => {
    if (!target.password) throw new UpstreamError('upstream.auth', 'the server asked for a password but none is configured for this target (set password_env)')
    return target.password
  }
  for (;;) {
    const f = await source.next()
    if (!f) throw new UpstreamError('upstream.closed', 'server closed the connection during authentication')
    if (f.type === 'E') throw startupError(decodeErrorResponse(f.payload).code, decodeErrorResponse(f.payload).message)
    if (f.type === 'v') continue
    if (f.type !== 'R') throw new UpstreamError('upstream.startup', `unexpected message "${f.type}" during authentication`)
    const auth = decodeAuthentication(f.payload)
    switch (auth.kind) {
      case 'ok':
        return
      case 'cleartext':
        // Whoever asks gets the password itself: only a server that proved who it is, or one on this machine.
        const proven = tlsSocket ? VERIFIED.has(target.ssl ?? 'disable') : unixSocketPath(target) !== undefined
        if (!proven) {
          throw new UpstreamError('upstream.auth', `the server at ${target.host}:${target.port} asked for the password in clear text over a connection whose server is not verified; the gateway sends it only with ssl: verify-full (or verify-ca) or over a Unix socket, so set ssl: verify-full and ssl_root_cert, or have the server use scram-sha-256`)
        }
        socket.write(encodePasswordMessage(password()))
        break
      case 'md5':
        socket.write(encodePasswordMessage(await md5Password(target.user, password(), auth.salt)))
        break
      case 'sasl':
        scram = startScram(auth.mechanisms, tlsSocket)
        socket.write(encodeSaslInitialResponse({ mechanism: scram.mechanism, data: Buffer.from(scram.response, 'utf8') }))
        break
      case 'sasl-continue':
        if (!scram) throw new UpstreamError('upstream.auth', 'SASL continue without a SASL session')
        await continueScram(scram, password(), auth.data.toString('utf8'), tlsSocket)
        socket.write(encodeSaslResponse(Buffer.from(scram.response, 'utf8')))
        break
      case 'sasl-final':
        if (!scram) throw new UpstreamError('upstream.auth', 'SASL final without a SASL session')
        finalizeScram(scram, auth.data.toString('utf8'))
        break
      default:
        throw new UpstreamError('upstream.auth', `the server asked for an unsupported authentication method (code ${auth.code})`)
    }
  }
}

function startupError(sqlstate: string, message: string): UpstreamError {
  // A refused password says nothing useful to the client and might echo the gateway's user: keep it generic.
  if (sqlstate.startsWith('28')) return new UpstreamError('upstream.auth', `the server refused the gateway's credentials (SQLSTATE ${sqlstate})`)
  return new UpstreamError('upstream.startup', `${message} (SQLSTATE ${sqlstate})`)
}

/** The server's PostgreSQL major version from its reported server_version ("15.18 (Debian …)", "17beta1"); 0 when not reported. */
export function serverMajorVersion(parameters: ReadonlyMap<string, string>): number {
  const major = Number.parseInt(parameters.get('server_version') ?? '', 10)
  return Number.isInteger(major) && major > 0 ? major : 0
}

/** The server must read bytes as the gateway does: pinned settings in force, a server encoding without conversion. */
function checkSessionView(parameters: ReadonlyMap<string, string>): void {
  for (const name of ['client_encoding', 'standard_conforming_strings']) {
    const value = parameters.get(name)
    if (value === undefined || !pinnedValueHolds(name, value)) {
      throw new UpstreamError('upstream.startup', `server reports ${name}=${value ?? '(nothing)'} although the gateway asked for ${PINNED_SETTINGS.get(name)}`)
    }
  }
  const encoding = parameters.get('server_encoding') ?? ''
  if (!ACCEPTED_SERVER_ENCODINGS.has(encoding.toUpperCase())) {
    throw new UpstreamError('upstream.startup', `server_encoding ${encoding || '(not reported)'} is not supported: the gateway reads SQL as UTF-8 and needs a UTF8 database (in SQL_ASCII or a single-byte encoding the server truncates and case-folds names byte by byte, not as the gateway reads them); point the target at a database created with ENCODING 'UTF8'`)
  }
}

/**
 * Opens a session on the real server with the gateway's credentials; `params` are extra startup parameters
 * already judged (application_name, DateStyle …). The pinned settings are always sent, and checked.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP
 */
export async function connectBackend(target: UpstreamTarget, params: ReadonlyMap<string, string>, timeoutMs = CONNECT_TIMEOUT_MS): Promise<Backend> {
  const socket = await openUpstreamSocket(target, timeoutMs)
  const tlsSocket = socket instanceof tls.TLSSocket ? socket : undefined
  const source = new FrameSource(socket, { typed: true })
  socket.resume()
  const timer = setTimeout(() => socket.destroy(new UpstreamError('upstream.startup', `startup did not finish within ${timeoutMs} ms`)), timeoutMs)
  try {
    // The client's judged settings first: the configured user and database and the pinned settings win.
    const startup = new Map([...params, ['user', target.user], ['database', target.database], ...PINNED_SETTINGS])
    socket.write(encodeStartupMessage({ protocol: PROTOCOL_3_0, params: startup }))
    await authenticate(target, source, socket, tlsSocket)
    const parameters = new Map<string, string>()
    let key: BackendKeyData | undefined
    for (;;) {
      const f = await source.next()
      if (!f) throw new UpstreamError('upstream.closed', 'server closed the connection during startup')
      if (f.type === 'S') {
        const p = decodeParameterStatus(f.payload)
        parameters.set(p.name, p.value)
      } else if (f.type === 'K') {
        key = decodeBackendKeyData(f.payload)
      } else if (f.type === 'E') {
        const e = decodeErrorResponse(f.payload)
        throw startupError(e.code, e.message)
      } else if (f.type === 'Z') {
        const status = decodeReadyForQuery(f.payload)
        if (!key) throw new UpstreamError('upstream.startup', 'server sent no BackendKeyData')
        checkSessionView(parameters)
        clearTimeout(timer)
        return { socket, parameters, key, status, leftover: source.detach() }
      } else if (f.type !== 'N') {
        throw new UpstreamError('upstream.startup', `unexpected message "${f.type}" during startup`)
      }
    }
  } catch (err) {
    clearTimeout(timer)
    socket.destroy()
    if (err instanceof UpstreamError) throw err
    if (err instanceof PgError) throw new UpstreamError('upstream.startup', err.message, { cause: err })
    throw new UpstreamError('upstream.startup', `start session: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
}
