// A fake PostgreSQL server (or a man in the middle) for the tests of the gateway's own connection upstream:
// it answers SSLRequest as told, records what the gateway sends, and runs a script on what follows.
import net from 'node:net'
import tls from 'node:tls'
import { encodeAuthentication } from '../messages/authentication.ts'
import type { TestCert } from './tls.ts'

export interface FakeServer {
  port: number
  /** Every byte the gateway sent after the SSL answer, startup included (decrypted when TLS was accepted). */
  received(): Buffer
  close(): void
}

/** Runs on the connection once the SSL answer is given; `startupRead` when the startup came without SSLRequest. */
export type FakeScript = (s: net.Socket | tls.TLSSocket, startupRead: boolean) => void

/**
 * Answers SSLRequest with `answer` (TLS with `cert` on S), then runs `script`. A client that sends its startup
 * without SSLRequest gets the script at once, its startup already read.
 */
export async function fakeServer(opts: { answer: 'S' | 'N'; cert?: TestCert; script?: FakeScript }): Promise<FakeServer> {
  const chunks: Buffer[] = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer((s) => {
    sockets.add(s)
    s.on('error', () => undefined)
    s.once('data', (first: Buffer) => {
      const sslRequest = first.length >= 8 && first.readInt32BE(4) === 80877103
      const serve = (c: net.Socket | tls.TLSSocket, startupRead: boolean) => {
        c.on('data', (d: Buffer) => chunks.push(d))
        opts.script?.(c, startupRead)
      }
      if (!sslRequest) {
        chunks.push(first)
        return serve(s, true)
      }
      if (first.length > 8) chunks.push(first.subarray(8))
      s.write(opts.answer)
      if (opts.answer === 'N') return serve(s, false)
      const secure = new tls.TLSSocket(s, { isServer: true, cert: opts.cert!.cert, key: opts.cert!.key })
      secure.on('error', () => undefined)
      serve(secure, false)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    port: (server.address() as net.AddressInfo).port,
    received: () => Buffer.concat(chunks),
    close: () => {
      for (const s of sockets) s.destroy()
      server.close()
    },
  }
}

/** After the startup message: asks for the password in clear text. */
export const askCleartext: FakeScript = (s, startupRead) => {
  const ask = () => s.write(encodeAuthentication({ kind: 'cleartext' }))
  if (startupRead) ask()
  else s.once('data', ask)
}
