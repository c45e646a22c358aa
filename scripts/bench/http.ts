// Benchmark: small JSON GETs straight to an HTTPS upstream, through the reverse proxy (/t/<target>/, TLS from
// the gateway CA) and through the forward proxy (CONNECT + TLS interception), in one run, at 1 and 32
// concurrent connections. The caller is an agent in production, so every response is judged and scanned by the
// content detectors, as in real use. Prints requests/s, p50 and p99 in ms, the ratios to direct, and the CPU
// each server process spent per request (a figure a busy machine disturbs less than requests/s).
// Usage: npm run bench:http [-- --seconds 5] [--warmup 2] [--connections 1,32] [--modes direct,bare,reverse,mitm]
//        [--profile DIR (CPU profile of the gateway process over each measured cell, one file per cell:
//        the warm-up, start-up and JIT compiles left out; summed up by scripts/bench/profile-summary.ts)]
//        BENCH_GATEWAY_FLAGS='--perf-basic-prof' adds node flags to the gateway process (for `perf record -g -p PID`:
//        CPU time of every thread, where the V8 profile samples wall time on the main thread only).
//        BENCH_RETAIN=1 keeps every audit event and judgement in the gateway's memory, as the test engine does for
//        tests (how this benchmark ran before; it measured ~20% more gateway CPU per request from the growing heap).
//
// Three processes, as deployed: the load generator (this one), the upstream, and the gateway. Every leg is TLS
// with keep-alive (undici on the client side, the gateway's pool towards the upstream). The upstream answers a
// fixed body without work of its own, so it is as fast as a node HTTPS server can be: the ratios are the
// gateway's whole cost against the cheapest possible upstream, not against a real API. The `bare` row is the
// floor under the gateway: a TLS-terminating pass-through in the gateway process, with the same listener and
// the same undici pool, that judges, masks and records nothing.
import { fork } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Agent, type Dispatcher, ProxyAgent, request } from 'undici'
import { MAX_CONNECTIONS } from '../../proxy/http/upstream.ts'
import { startTestGateway } from '../../proxy/http/testing/gateway.ts'
import { startUpstream } from '../../proxy/http/testing/upstream.ts'

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, role: { type: 'string' }, profile: { type: 'string' }, upstream: { type: 'string' }, 'upstream-ca': { type: 'string' }, warmup: { type: 'string', default: '2' }, connections: { type: 'string', default: '1,32' }, modes: { type: 'string', default: 'direct,bare,reverse,mitm' } } })
const seconds = Number(values.seconds)
const body = JSON.stringify({ kind: 'PodList', apiVersion: 'v1', items: [{ metadata: { name: 'web-1', namespace: 'prod' }, status: { phase: 'Running' } }] })

type Ready = Record<string, string>

/** A server process: tells the parent where it listens, then answers `cpu` with its CPU time in µs (user, system). */
function serveRole(ready: Ready, close: () => Promise<void>): void {
  let profiler: Session | undefined
  process.on('message', (m) => {
    const message = m as string | { profile: 'start' } | { profile: 'stop'; file: string }
    if (typeof message === 'object' && message.profile === 'start') {
      profiler = new Session()
      profiler.connect()
      void profiler.post('Profiler.enable').then(() => profiler!.post('Profiler.start')).then(() => process.send!({ profiling: true }))
    } else if (typeof message === 'object' && message.profile === 'stop') {
      void profiler!.post('Profiler.stop').then(({ profile }) => {
        writeFileSync(message.file, JSON.stringify(profile))
        profiler!.disconnect()
        process.send!({ profiled: message.file })
      })
    } else if (m === 'cpu') {
      const u = process.cpuUsage()
      process.send!({ cpu: [u.user, u.system] })
    } else if (m === 'stop') {
      void close().then(() => process.exit(0))
    }
  })
  process.send!({ ready })
}

async function upstreamRole(): Promise<void> {
  const up = await startUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  })
  // The recording upstream keeps every request; the benchmark does not need them.
  up.seen.push = () => 0
  serveRole({ url: up.url, caFile: up.caFile }, up.close)
}

async function gatewayRole(): Promise<void> {
  const g = await startTestGateway((up) => [
    { name: 'k8s', kind: 'kubernetes', environment: 'production', labels: {}, production_namespaces: ['prod'], upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'SA' }, hosts: ['kubernetes.bench:443'] } },
  ], { env: { SA: 'sa-token' }, tls: true, upstream: { url: values.upstream!, caFile: values['upstream-ca']! } })
  // The test engine's in-memory audit sink and judgement log keep every event (for tests to read); a deployed
  // gateway's sinks write and forget. Events are still redacted as every sink does; only keeping them is
  // skipped, or the benchmark measures a heap that grows by every request.
  if (!process.env.BENCH_RETAIN) {
    g.te.audit.events.push = () => 0
    g.te.judged.push = () => 0
  }
  const bare = await bareProxy(values.upstream!, readFileSync(values['upstream-ca']!), g.leaves.pem(['127.0.0.1']))
  serveRole({ reverse: g.reverse.url, proxy: g.proxy.url, bare: bare.url, token: await g.agentToken(), gatewayCa: readFileSync(g.ca.cert, 'utf8') }, async () => { bare.close(); await g.close() })
}

/** The floor: https server → undici pool → upstream, body streamed back, nothing else. */
async function bareProxy(upstream: string, ca: Buffer, tls: { cert: string; key: string }): Promise<{ url: string; close(): void }> {
  const pool = new Agent({ connections: MAX_CONNECTIONS, connect: { ca } })
  const server = https.createServer(tls, (req, res) => {
    pool.request({ origin: upstream, path: req.url!.replace(/^\/t\/k8s/, ''), method: 'GET', headers: { accept: String(req.headers.accept ?? '*/*') } }).then((up) => {
      res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type']), 'content-length': String(up.headers['content-length']) })
      up.body.pipe(res)
    }, () => res.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => { server.closeAllConnections(); server.close(); void pool.close() } }
}

interface Child { ready: Ready; cpu(): Promise<[number, number]>; profile(what: 'start'): Promise<void>; profile(what: 'stop', file: string): Promise<void>; stop(): void }

async function start(role: string, args: string[]): Promise<Child> {
  const child = fork(fileURLToPath(import.meta.url), ['--role', role, ...args], {
    execArgv: [...(role === 'gateway' && process.env.BENCH_GATEWAY_FLAGS ? process.env.BENCH_GATEWAY_FLAGS.split(' ') : []), '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { ready: Ready }).ready))
    child.once('exit', (code) => reject(new Error(`the ${role} process exited (${code}) before it was ready`)))
  })
  return {
    ready,
    cpu: () => new Promise((resolve) => { child.once('message', (m) => resolve((m as { cpu: [number, number] }).cpu)); child.send('cpu') }),
    profile: (what: 'start' | 'stop', file?: string) => new Promise<void>((resolve) => { child.once('message', () => resolve()); child.send({ profile: what, file }) }),
    stop: () => child.send('stop'),
  }
}

interface Mode { name: string; url: string; headers: Record<string, string>; dispatcher(connections: number): Dispatcher }
interface Cell { rps: number; p50: number; p99: number; errors: number; upstreamCpu: number; gatewayCpu: number; gatewayUser: number }

async function measure(): Promise<void> {
  const upstream = await start('upstream', [])
  const gateway = await start('gateway', ['--upstream', upstream.ready.url!, '--upstream-ca', upstream.ready.caFile!])
  if (values.profile) mkdirSync(values.profile, { recursive: true })
  const { reverse, proxy, bare, token, gatewayCa } = gateway.ready as { reverse: string; proxy: string; bare: string; token: string; gatewayCa: string }
  const upstreamCa = readFileSync(upstream.ready.caFile!, 'utf8')
  const path = '/api/v1/namespaces/prod/pods'
  const modes: Mode[] = [
    { name: 'direct', url: `${upstream.ready.url}${path}`, headers: {}, dispatcher: (c) => new Agent({ connections: c, connect: { ca: upstreamCa } }) },
    { name: 'bare', url: `${bare}${path}`, headers: {}, dispatcher: (c) => new Agent({ connections: c, connect: { ca: gatewayCa } }) },
    { name: 'reverse', url: `${reverse}/t/k8s${path}`, headers: { authorization: `Bearer ${token}` }, dispatcher: (c) => new Agent({ connections: c, connect: { ca: gatewayCa } }) },
    { name: 'mitm', url: `https://kubernetes.bench${path}`, headers: {}, dispatcher: (c) => new ProxyAgent({ uri: proxy, token: `Bearer ${token}`, connections: c, requestTls: { ca: gatewayCa } }) },
  ]

  async function load(mode: Mode, connections: number): Promise<Cell> {
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
    // Warm-up: connections, leaf certificates, then load until the JIT has compiled the hot path. A gateway
    // runs for days; with 20 requests a connection only, the measured seconds paid for TurboFan compiling ~900
    // functions on background threads (part of the process's CPU time), most of all on the longest path.
    for (let i = 0; i < connections * 20; i++) await one()
    const warm = performance.now() + Number(values.warmup) * 1000
    await Promise.all(Array.from({ length: connections }, async () => {
      while (performance.now() < warm) await one()
    }))
    if (values.profile) await gateway.profile('start')
    const [u0, g0] = await Promise.all([upstream.cpu(), gateway.cpu()])
    const end = performance.now() + seconds * 1000
    const started = performance.now()
    await Promise.all(Array.from({ length: connections }, async () => {
      while (performance.now() < end) latencies.push(await one())
    }))
    const elapsed = (performance.now() - started) / 1000
    const [u1, g1] = await Promise.all([upstream.cpu(), gateway.cpu()])
    if (values.profile) await gateway.profile('stop', join(values.profile, `gateway-${mode.name}-${connections}.cpuprofile`))
    await dispatcher.close()
    latencies.sort((a, b) => a - b)
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!
    const n = latencies.length
    const total = (c: [number, number]) => c[0] + c[1]
    return { rps: n / elapsed, p50: at(0.5), p99: at(0.99), errors, upstreamCpu: (total(u1) - total(u0)) / n, gatewayCpu: (total(g1) - total(g0)) / n, gatewayUser: (g1[0] - g0[0]) / n }
  }

  // The gateway's user time alone (its JavaScript, TLS and parsing) is steadier than the sum on a busy machine: the
  // system time of loopback writes includes the receiving side's TCP work and moves with the machine's load.
  const rows: string[] = ['connections  mode      req/s     p50 ms   p99 ms   ratio   +p50 ms   errors   µs CPU/req: gateway  (user)  upstream']
  for (const connections of values.connections.split(',').map(Number)) {
    let direct: Cell | undefined
    for (const mode of modes.filter((m) => values.modes.split(',').includes(m.name))) {
      const r = await load(mode, connections)
      direct ??= r
      const gatewayCpu = mode.name === 'direct' ? '-' : r.gatewayCpu.toFixed(0)
      const gatewayUser = mode.name === 'direct' ? '-' : r.gatewayUser.toFixed(0)
      rows.push(`${String(connections).padStart(11)}  ${mode.name.padEnd(8)} ${r.rps.toFixed(0).padStart(6)}  ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)}  ${(r.rps / direct.rps).toFixed(2).padStart(5)}x  ${(r.p50 - direct.p50).toFixed(2).padStart(8)}  ${String(r.errors).padStart(7)}  ${gatewayCpu.padStart(20)}  ${gatewayUser.padStart(6)}  ${r.upstreamCpu.toFixed(0).padStart(8)}`)
    }
  }
  process.stdout.write(`HTTP gateway, small JSON GETs, ${seconds}s per cell (targets: reverse ≥ 0.6x, MITM ≥ 0.4x at 32 connections, ≤ 1 ms added p50)\n${rows.join('\n')}\n`)
  gateway.stop()
  upstream.stop()
}

if (values.role === 'upstream') await upstreamRole()
else if (values.role === 'gateway') await gatewayRole()
else await measure()
