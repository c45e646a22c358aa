// The three echo upstreams of the HTTP differential check, each answering every request with a JSON report of
// what its parser read: Go net/http (scripts/peers/http-echo, built into .tools/bin like the other Go peers),
// werkzeug (echo_werkzeug.py, run by the Python that has moto) and node's own http (in this process).
import { existsSync, readFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { peerBinaries } from '../../proxy/http/testing/binaries.ts'
import { spawnPeer, type PeerProcess } from '../../proxy/http/testing/process.ts'

/** What one upstream parser read from a request. */
export interface EchoReport {
  parser: 'go' | 'werkzeug' | 'node'
  method: string
  /** The request target as it arrived. */
  target: string
  /** The path, decoded the way the parser's applications read it. */
  path: string
  raw_path: string
  raw_query: string
  query: Record<string, string[]>
  host: string
  headers: Record<string, string[]>
  body_base64: string
  /** An application/x-www-form-urlencoded body as the parser's form reader reads it. */
  form?: Record<string, string[]>
}

export interface Echo {
  parser: EchoReport['parser']
  url: string
  stop(): Promise<void>
}

/** Why an echo cannot run here (no Go to build it, no Python with werkzeug); undefined when it can. */
export type Unavailable = { parser: EchoReport['parser']; reason: string }

async function listening(peer: PeerProcess, timeoutMs = 15_000): Promise<string> {
  for (const end = Date.now() + timeoutMs; Date.now() < end;) {
    const m = /listening (127\.0\.0\.1:\d+)/.exec(peer.output())
    if (m) return `http://${m[1]}`
    const exit = peer.exit()
    if (exit) throw new Error(`${peer.name} ${exit}: ${peer.output().slice(-2000)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`${peer.name} did not start in ${timeoutMs} ms: ${peer.output().slice(-2000)}`)
}

export async function startGoEcho(): Promise<Echo | Unavailable> {
  let bin: string
  try {
    bin = peerBinaries(['http-echo'])['http-echo']!
  } catch (err) {
    if (/no Go toolchain/.test((err as Error).message)) return { parser: 'go', reason: (err as Error).message }
    throw err
  }
  const peer = spawnPeer('http-echo', bin, [])
  return { parser: 'go', url: await listening(peer), stop: () => peer.stop() }
}

/** The Python that runs moto_server (werkzeug comes with moto): its script's shebang, else python3. */
function motoPython(): string | undefined {
  let candidates = ['python3']
  try {
    const moto = peerBinaries(['moto_server']).moto_server!
    const shebang = /^#!\s*(\S+)/.exec(readFileSync(moto, 'utf8').split('\n', 1)[0]!)?.[1]
    if (shebang && existsSync(shebang) && !/\/(env|bash|sh)$/.test(shebang)) candidates = [shebang, ...candidates]
  } catch {
    // No moto: werkzeug may still be installed for python3.
  }
  for (const python of candidates) {
    try {
      execFileSync(python, ['-c', 'import werkzeug'], { stdio: 'ignore' })
      return python
    } catch {
      // Next candidate.
    }
  }
  return undefined
}

export async function startWerkzeugEcho(): Promise<Echo | Unavailable> {
  const python = motoPython()
  if (!python) return { parser: 'werkzeug', reason: 'no Python with werkzeug (it comes with moto: node scripts/ensure-peers.mjs moto_server)' }
  const script = fileURLToPath(new URL('./echo_werkzeug.py', import.meta.url))
  const peer = spawnPeer('echo-werkzeug', python, [script])
  return { parser: 'werkzeug', url: await listening(peer), stop: () => peer.stop() }
}

function nodeReport(req: http.IncomingMessage, body: Buffer): EchoReport {
  const target = req.url ?? ''
  // What a node application reads: the WHATWG URL of the target (dot segments resolved, `\` read as `/`).
  let url: URL | undefined
  try {
    url = new URL(target, 'http://echo.invalid')
  } catch {
    url = undefined
  }
  const query: Record<string, string[]> = {}
  for (const [k, v] of url?.searchParams ?? []) (query[k] ??= []).push(v)
  let path = url?.pathname ?? target
  try {
    path = decodeURIComponent(path)
  } catch {
    // Left encoded, as an application that catches the error would.
  }
  const headers: Record<string, string[]> = {}
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) (headers[req.rawHeaders[i]!.toLowerCase()] ??= []).push(req.rawHeaders[i + 1]!)
  let form: Record<string, string[]> | undefined
  if (/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) {
    form = {}
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) (form[k] ??= []).push(v)
  }
  return { ...(form && { form }), parser: 'node', method: req.method ?? '', target, path, raw_path: url?.pathname ?? target, raw_query: (url?.search ?? '').slice(1), query, host: req.headers.host ?? '', headers, body_base64: body.toString('base64') }
}

export async function startNodeEcho(): Promise<Echo> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(nodeReport(req, Buffer.concat(chunks))))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { parser: 'node', url: `http://127.0.0.1:${port}`, stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }) }
}
