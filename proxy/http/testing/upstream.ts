// A real HTTPS upstream for tests, on 127.0.0.1 with a throwaway certificate: it records every request
// (method, url, headers, body) and answers with whatever the test's route function says.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeSelfSignedCert } from '../../postgres/testing/tls.ts'

export interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: Buffer
  /** The gateway's source port: the same port on two requests means the connection was kept alive. */
  port?: number
}

export interface TestUpstream {
  url: string
  caFile: string
  seen: Seen[]
  close(): Promise<void>
}

export type Route = (req: Seen, res: ServerResponse) => void

export async function startUpstream(route: Route): Promise<TestUpstream> {
  const { cert, key } = makeSelfSignedCert('localhost')
  const dir = mkdtempSync(join(tmpdir(), 'warden-upstream-'))
  const caFile = join(dir, 'ca.pem')
  writeFileSync(caFile, cert)
  const seen: Seen[] = []
  const server = https.createServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const s = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks), port: req.socket.remotePort }
      seen.push(s)
      route(s, res)
    })
  })
  // Protocol upgrades (Kubernetes exec over SPDY or WebSocket): accepted, then every byte is echoed back.
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.alloc(0) })
    if (req.url?.includes('refuse-upgrade')) {
      const body = JSON.stringify({ upstream: 'no upgrade here' })
      return void socket.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`)
    }
    // An upstream that fails the upgrade: the connection is dropped without an answer.
    if (req.url?.includes('drop-upgrade')) return void socket.destroy()
    // One that takes its time to accept (a kubelet starting an exec): 101 after 300 ms.
    if (req.url?.includes('slow-upgrade')) {
      socket.on('error', () => undefined)
      return void setTimeout(() => {
        if (socket.destroyed) return
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\n\r\n`)
        socket.pipe(socket)
      }, 300)
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\n\r\n`)
    if (head.byteLength) socket.write(head)
    socket.pipe(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `https://127.0.0.1:${port}`,
    caFile,
    seen,
    close: () => new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => { rmSync(dir, { recursive: true, force: true }); resolve() })
    }),
  }
}
