// Tunnels through the forward proxy opened by hand, for tests that send raw bytes inside them.
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'

/** A CONNECT to `authority` with `credential` (a Proxy-Authorization value), answered 200: the tunnel's raw socket. */
export function connectTunnel(port: number, authority: string, credential: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\nProxy-Authorization: ${credential}\r\n\r\n`))
    s.once('error', reject)
    s.once('data', (d) => /^HTTP\/1\.1 200/.test(String(d)) ? resolve(s) : reject(new Error(`CONNECT refused: ${String(d).slice(0, 200)}`)))
  })
}

/** TLS inside a new tunnel to `authority`, verified against the gateway's CA (`caFile`). */
export async function tlsTunnel(port: number, authority: string, credential: string, caFile: string): Promise<TLSSocket> {
  const s = await connectTunnel(port, authority, credential)
  return new Promise((resolve, reject) => {
    const t = tlsConnect({ socket: s, servername: authority.replace(/:\d+$/, ''), ca: readFileSync(caFile) }, () => resolve(t))
    t.once('error', reject)
  })
}
