// The first packets of a client connection: SSLRequest / GSSENCRequest negotiation, a CancelRequest, or the
// StartupMessage. Plaintext is accepted from loopback always, from other addresses only when configured.
// @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SSL
import net from 'node:net'
import tls from 'node:tls'
import type { Duplex } from 'node:stream'
import { pgErrors, ProtocolError } from './errors.ts'
import { FrameSource } from './frame-source.ts'
import type { MessageBudget } from './message-budget.ts'
import { type CancelRequest, decodeCancelRequest } from './messages/cancel-request.ts'
import { decodeGssEncRequest } from './messages/gssenc-request.ts'
import { decodeSslRequest, encodeSslResponse } from './messages/ssl-request.ts'
import { decodeStartupMessage } from './messages/startup-message.ts'
import { startupPacketKind } from './messages/startup-packet.ts'

export type StartupOutcome =
  | { kind: 'session'; stream: Duplex; source: FrameSource; params: Map<string, string>; protocol: number; tls: boolean }
  | { kind: 'cancel'; request: CancelRequest }
  | { kind: 'closed' }

export interface StartupOptions {
  secureContext?: tls.SecureContext
  allowPlaintext: boolean
  remoteAddress: string | undefined
  /** The listener's budget for buffered client messages (message-budget.ts). */
  budget?: MessageBudget
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address
  if (net.isIPv4(v4)) return v4.startsWith('127.')
  return address === '::1'
}

/** Whether a client that did not negotiate TLS may continue. */
export function plaintextAllowed(remoteAddress: string | undefined, allowPlaintext: boolean): boolean {
  return allowPlaintext || isLoopback(remoteAddress)
}

export async function negotiateStartup(socket: net.Socket, opts: StartupOptions): Promise<StartupOutcome> {
  const sources: FrameSource[] = []
  try {
    const outcome = await negotiate(socket, opts, sources)
    if (outcome.kind !== 'session') sources.at(-1)?.release()
    return outcome
  } catch (err) {
    // What the client sent gives its budget back at once, not when its socket closes.
    sources.at(-1)?.release()
    throw err
  }
}

async function negotiate(socket: net.Socket, opts: StartupOptions, sources: FrameSource[]): Promise<StartupOutcome> {
  let stream: Duplex = socket
  let source = new FrameSource(socket, { typed: false, budget: opts.budget })
  sources.push(source)
  let secure = false
  let negotiated = { ssl: false, gss: false }
  for (;;) {
    const f = await source.next()
    if (!f) return { kind: 'closed' }
    const kind = startupPacketKind(f.payload)
    if (kind === 'ssl' || kind === 'gssenc') {
      if (kind === 'ssl') decodeSslRequest(f.payload)
      else decodeGssEncRequest(f.payload)
      if (negotiated.ssl || (kind === 'gssenc' && negotiated.gss) || secure) throw new ProtocolError(`repeated ${kind} negotiation`)
      // Bytes pipelined behind an encryption request would be read as if they came over TLS (CVE-2021-23214).
      if (source.reader.buffered() > 0) throw new ProtocolError(`unencrypted data after ${kind === 'ssl' ? 'SSLRequest' : 'GSSENCRequest'}`)
      if (kind === 'gssenc') {
        negotiated = { ...negotiated, gss: true }
        socket.write(encodeSslResponse(false))
        continue
      }
      negotiated = { ...negotiated, ssl: true }
      if (!opts.secureContext) {
        socket.write(encodeSslResponse(false))
        continue
      }
      socket.write(encodeSslResponse(true))
      source.detach()
      const tlsSocket = new tls.TLSSocket(socket, { isServer: true, secureContext: opts.secureContext })
      stream = tlsSocket
      secure = true
      source = new FrameSource(tlsSocket, { typed: false, budget: opts.budget })
      sources.push(source)
      tlsSocket.resume()
      continue
    }
    if (kind === 'cancel') return { kind: 'cancel', request: decodeCancelRequest(f.payload) }
    const m = decodeStartupMessage(f.payload)
    if (m.protocol >> 16 !== 3) {
      throw pgErrors.featureNotSupported(`unsupported frontend protocol ${m.protocol >> 16}.${m.protocol & 0xffff}: server supports 3.0`, 'FATAL')
    }
    if (!secure && !plaintextAllowed(opts.remoteAddress, opts.allowPlaintext)) {
      throw pgErrors.authRefused(
        'warden: plaintext connections are refused from non-loopback addresses',
        'Connect with TLS (sslmode=require), or ask the administrator to set listeners.postgres.allow_plaintext.',
      )
    }
    source.reader.typed = true
    return { kind: 'session', stream, source, params: m.params, protocol: m.protocol, tls: secure }
  }
}

