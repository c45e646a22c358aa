// Benchmark: small JSON GETs straight to an HTTPS upstream, through the reverse proxy (/t/<target>/, TLS from
// the gateway CA) and through the forward proxy (CONNECT + TLS interception), in one run, at 1 and 32
// concurrent connections. The caller is an agent in production, so every response is judged and scanned by the
// content detectors, as in real use. Prints requests/s, p50 and p99 in ms, and the ratios to direct.
// Usage: npm run bench:http [-- --seconds 5]
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Agent, type Dispatcher, ProxyAgent, request } from 'undici'
import { startTestGateway } from '../../proxy/http/testing/gateway.ts'

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, serve: { type: 'boolean' } } })
const seconds = Number(values.seconds)
const body = JSON.stringify({ kind: 'PodList', apiVersion: 'v1', items: [{ metadata: { name: 'web-1', namespace: 'prod' }, status: { phase: 'Running' } }] })

interface Served { upstream: string; reverse: string; proxy: string; token: string; upstreamCa: string; gatewayCa: string }

// The upstream and the gateway run in a child process (--serve), so the load generator does not share their
// event loop: measured in one process, the client's own work was counted against the gateway. They still share
// one event loop with each other: a node https round trip between two parties of one process measured ~1 ms
// here (node's client and undici alike), so the gateway's figures include the upstream's share of that loop.
async function serve(): Promise<void> {
  const g = await startTestGateway((up) => [
  { name: 'k8s', kind: 'kubernetes', environment: 'production', labels: {}, production_namespaces: ['prod'], upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'SA' }, hosts: ['kubernetes.bench:443'] } },
  ], { env: { SA: 'sa-token' }, tls: true })
  g.route = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  }
  // The recording upstream keeps every request; the benchmark does not need them.
  g.upstream.seen.push = () => 0
  const served: Served = { upstream: g.upstream.url, reverse: g.reverse.url, proxy: g.proxy.url, token: await g.agentToken(), upstreamCa: readFileSync(g.upstream.caFile, 'utf8'), gatewayCa: readFileSync(g.ca.cert, 'utf8') }
  process.stdout.write(`${JSON.stringify(served)}\n`)
  process.stdin.resume()
  process.stdin.once('end', () => void g.close().then(() => process.exit(0)))
}

if (values.serve) {
  await serve()
} else {
  await measure()
}

async function measure(): Promise<void> {
const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] })
const first = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve))
const { upstream, reverse, proxy, token, upstreamCa, gatewayCa } = JSON.parse(first) as Served
const path = '/api/v1/namespaces/prod/pods'

interface Mode { name: string; url: string; headers: Record<string, string>; dispatcher(connections: number): Dispatcher }
const modes: Mode[] = [
  { name: 'direct', url: `${upstream}${path}`, headers: {}, dispatcher: (c) => new Agent({ connections: c, connect: { ca: upstreamCa } }) },
  { name: 'reverse', url: `${reverse}/t/k8s${path}`, headers: { authorization: `Bearer ${token}` }, dispatcher: (c) => new Agent({ connections: c, connect: { ca: gatewayCa } }) },
  { name: 'mitm', url: `https://kubernetes.bench${path}`, headers: {}, dispatcher: (c) => new ProxyAgent({ uri: proxy, token: `Bearer ${token}`, connections: c, requestTls: { ca: gatewayCa } }) },
]

async function load(mode: Mode, connections: number): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const dispatcher = mode.dispatcher(connections)
  const latencies: number[] = []
  let errors = 0
  const one = async () => {
    const t = performance.now()
    const res = await request(mode.url, { dispatcher, headers: mode.headers })
    await res.body.text()
    if (res.statusCode !== 200) errors++
    return performance.now() - t
  }
  for (let i = 0; i < connections * 20; i++) await one() // warm-up: connections, leaf certificates, JIT
  const end = performance.now() + seconds * 1000
  const started = performance.now()
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < end) latencies.push(await one())
  }))
  const elapsed = (performance.now() - started) / 1000
  await dispatcher.close()
  latencies.sort((a, b) => a - b)
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!
  return { rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), errors }
}

const rows: string[] = ['connections  mode      req/s     p50 ms   p99 ms   ratio   +p50 ms   errors']
for (const connections of [1, 32]) {
  let direct: { rps: number; p50: number } | undefined
  for (const mode of modes) {
    const r = await load(mode, connections)
    direct ??= r
    rows.push(`${String(connections).padStart(11)}  ${mode.name.padEnd(8)} ${r.rps.toFixed(0).padStart(6)}  ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)}  ${(r.rps / direct.rps).toFixed(2).padStart(5)}x  ${(r.p50 - direct.p50).toFixed(2).padStart(8)}  ${String(r.errors).padStart(7)}`)
  }
}
process.stdout.write(`HTTP gateway, small JSON GETs, ${seconds}s per cell (targets: reverse ≥ 0.6x, MITM ≥ 0.4x at 32 connections, ≤ 1 ms added p50)\n${rows.join('\n')}\n`)
child.stdin!.end()
}
