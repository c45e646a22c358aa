// The request and response the HTTP gateway core works on: plain data and streams, no sockets, so the core
// can be tested with `await handle(request)` (hono style) and served by a node http/https adapter.
import type { EventEmitter } from 'node:events'
import type { Duplex, Readable } from 'node:stream'

/** Header name/value pairs in the order received, names as sent (node's rawHeaders, paired). */
export type HeaderList = Array<[string, string]>

export interface GatewayRequest {
  /** reverse: the agent addresses the gateway (/t/<target>/…); forward: the agent addresses the API through HTTPS_PROXY. */
  mode: 'reverse' | 'forward'
  method: string
  /** The request target exactly as sent on the request line (origin-form, or absolute-form to a proxy). */
  url: string
  headers: HeaderList
  /** The request body as it arrives; absent for no body. */
  body?: AsyncIterable<Uint8Array>
  /** Forward mode: the CONNECT request that opened the tunnel (authority, Proxy-Authorization) and the TLS SNI. */
  tunnel?: { authority: string; proxyAuthorization?: string; sni?: string }
  /** Peer address, for the audit trail. */
  client?: string
  /** Aborted when the client goes away (ends a hold, cancels the upstream request). */
  signal?: AbortSignal
  /**
   * The same news as an emitter ('abort', with `aborted` and `reason` as on the signal), which undici takes as a
   * request signal: the node adapter makes `signal` only when something asks for it (a hold, an upgrade), since
   * an AbortController costs ~3.5 µs and most requests never need one. Absent: `signal` is used.
   */
  gone?: EventEmitter & { readonly aborted: boolean; readonly reason?: unknown }
  /** Called once the token is accepted, with the caller (issuer and subject): connection-slots.ts. */
  onCaller?(caller: string): void
  /** Called when the request is held, so the adapter can send an informational response (103) at once. */
  onHeld?(headers: Record<string, string>): void
}

export interface GatewayResponse {
  status: number
  headers: Record<string, string | string[]>
  /** Whole (errors, masked bodies) or streamed (upstream bodies that need no masking). */
  body?: Uint8Array | Readable
  /** A protocol upgrade (Kubernetes exec/attach/port-forward, WebSocket) accepted upstream: pipe the client to it. */
  upgrade?: { socket: Duplex; head: Uint8Array }
  /** Called once the response is over: written whole, or its client gone (what it held is given back then). */
  done?: () => void
  /** Who asked, when the token was accepted (issuer and subject): the connection has proved itself (connection-slots.ts). */
  caller?: string
}

export type Handler = (request: GatewayRequest) => Promise<GatewayResponse>
