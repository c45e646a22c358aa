// One sweep of bad and borderline JWTs through every place a token enters Warden: the PostgreSQL password, the
// HTTP reverse listener (Authorization: Bearer), the forward proxy (Proxy-Authorization: Bearer, and Basic with
// the token as the password), an MCP target, the admin API's approve endpoint and `warden eval --token`. Every
// listener must accept exactly the tokens the verifier accepts, with the same identity, and refuse the rest with a
// reason that neither shows a stack trace nor repeats the token; nothing of a refused caller reaches an upstream.
// (Here in cli/ because `warden eval` is driven in-process; proxy/ never imports cli/.)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { fetch as undiciFetch, ProxyAgent } from 'undici'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { defaultConfig } from '../engine/config/defaults.ts'
import type { TargetConfig } from '../engine/config/types.ts'
import { generateDevKey } from '../engine/identity/index.ts'
import { type TokenCase, tokenCases } from '../engine/identity/testing/token-cases.ts'
import type { Identity } from '../engine/types.ts'
import { createAdminHandler } from '../proxy/admin/handler.ts'
import { serveAdmin } from '../proxy/admin/node-server.ts'
import { startTestMcpServer } from '../proxy/http/mcp/testing/server.ts'
import { startTestGateway } from '../proxy/http/testing/gateway.ts'
import { startPostgresListener } from '../proxy/postgres/listener.ts'
import { startCluster } from '../proxy/postgres/testing/cluster.ts'
import { testTarget } from '../proxy/postgres/testing/engine.ts'
import { memoryIo } from './io.ts'
import { main } from './main.ts'

type Seen = { accepted: true; identity?: Pick<Identity, 'sub' | 'issuer' | 'groups' | 'kind'> } | { accepted: false; reason: string }

const keys = await generateDevKey()
const skew = defaultConfig().identity.clock_skew_seconds
const cases = tokenCases(keys, { issuer: 'warden-dev', audience: 'warden', skewSeconds: skew })

const mcp = await startTestMcpServer()
const targets = (up: { url: string; caFile: string }): TargetConfig[] => [
  { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'WEB_TOKEN' }, hosts: ['web.example.test'] } },
  { name: 'prod-mcp', kind: 'mcp', environment: 'production', labels: {}, mcp: { server: 'docs' }, upstream_http: { url: new URL(mcp.url).origin, credential: { kind: 'bearer', token_env: 'MCP_UPSTREAM_TOKEN' }, hosts: [] } },
  testTarget('prod-db'),
]
const g = await startTestGateway(targets, { keys, clockSkewSeconds: skew, env: { WEB_TOKEN: 'web-upstream-token', MCP_UPSTREAM_TOKEN: 'mcp-upstream-token' }, settings: { mcp: { tools: { allow: ['docs/read_docs'] } } } })
const cluster = await startCluster()
let pgUpstreams = 0
const pgListener = await startPostgresListener({
  host: '127.0.0.1', port: 0, allowPlaintext: true, engine: g.te.engine, holdSeconds: 5, clockSkewSeconds: skew, maskKey: new Uint8Array(32).fill(7),
  upstream: () => (pgUpstreams++, cluster.upstream()), approvalHint: (id) => `npx warden approvals approve ${id}`,
})
const admin = await serveAdmin(createAdminHandler({ engine: { authenticate: (t) => g.te.engine.authenticate(t), approvals: g.te.approvals, audit: g.te.audit }, approverGroups: ['dba'] }), { host: '127.0.0.1', port: 0 })
const evalState = mkdtempSync(join(tmpdir(), 'warden-sweep-'))
mkdirSync(join(evalState, 'dev-issuer'), { mode: 0o700 })
writeFileSync(join(evalState, 'dev-issuer', 'key.json'), JSON.stringify(keys), { mode: 0o600 })

test.after(async () => {
  await admin.close()
  await pgListener.close()
  await cluster.stop()
  await g.close()
  await mcp.close()
  rmSync(evalState, { recursive: true, force: true })
})

const judgedIdentity = (marker: string): Seen => {
  const j = [...g.te.judged].reverse().find((x) => x.text.includes(marker))
  if (!j) return { accepted: false, reason: `accepted, but nothing was judged for ${marker}` }
  const { sub, issuer, groups, kind } = j.identity
  return { accepted: true, identity: { sub, issuer, groups, kind } }
}

async function viaPostgres(c: TokenCase, i: number): Promise<Seen> {
  const client = new pg.Client({ host: '127.0.0.1', port: pgListener.address.port, user: 'agent', database: 'prod-db', password: c.token, ssl: false })
  client.on('error', () => undefined)
  try {
    await client.connect()
  } catch (err) {
    return { accepted: false, reason: `${(err as { code?: string }).code}: ${(err as Error).message}` }
  }
  try {
    await client.query(`SELECT ${i} AS sweep_pg_${i}`)
    return judgedIdentity(`sweep_pg_${i}`)
  } catch (err) {
    return { accepted: false, reason: `logged in, then ${(err as { code?: string }).code}: ${(err as Error).message}` }
  } finally {
    await client.end().catch(() => undefined)
  }
}

async function viaReverse(c: TokenCase, path: string): Promise<Seen> {
  const res = await fetch(`${g.reverse.url}${path}`, { method: path.includes('mcp') ? 'POST' : 'GET', headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: path.includes('mcp') ? JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'sweep', version: '1' } } }) : undefined })
  const text = await res.text()
  if (res.status === 401 || res.status === 431) return { accepted: false, reason: `${res.status} ${text}` }
  return judgedIdentity(path.includes('mcp') ? 'mcp' : path.slice(path.lastIndexOf('/')))
}

/** A CONNECT to the forward proxy: its status and body (the 407's reason). */
function connect(credential: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: Number(new URL(g.proxy.url).port), method: 'CONNECT', path: 'web.example.test:443', headers: { 'proxy-authorization': credential } })
    req.on('connect', (res, socket, head: Buffer) => {
      if (res.statusCode === 200) { socket.destroy(); return resolve({ status: 200, body: '' }) }
      let body = head.toString()
      socket.on('data', (d: Buffer) => { body += d.toString() })
      socket.on('close', () => resolve({ status: res.statusCode!, body }))
      setTimeout(() => socket.destroy(), 300).unref()
    })
    req.on('response', (res) => { let body = ''; res.on('data', (d: Buffer) => { body += d }); res.on('end', () => resolve({ status: res.statusCode!, body })) })
    req.on('error', reject)
    req.end()
  })
}

async function viaForward(c: TokenCase, credential: string, path: string): Promise<Seen> {
  const { status, body } = await connect(credential)
  if (status !== 200) return { accepted: false, reason: `${status} ${body}` }
  const dispatcher = new ProxyAgent({ uri: g.proxy.url, token: credential, requestTls: { ca: readFileSync(g.ca.cert, 'utf8') } })
  try {
    const res = await undiciFetch(`https://web.example.test${path}`, { dispatcher })
    await res.text()
  } finally {
    await dispatcher.close()
  }
  return judgedIdentity(path)
}

async function viaAdmin(c: TokenCase): Promise<Seen> {
  const res = await fetch(`http://127.0.0.1:${admin.address.port}/v1/approvals/apr_sweep_unknown/approve`, { method: 'POST', headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' }, body: '{}' })
  const text = await res.text()
  return res.status === 401 || res.status === 431 ? { accepted: false, reason: `${res.status} ${text}` } : { accepted: true }
}

async function viaEval(c: TokenCase): Promise<Seen> {
  const io = memoryIo()
  const code = await main(['eval', '--state-dir', evalState, '--target', 'prod-db', '--token', c.token, '--explain', '--sql', 'SELECT 1'], io)
  if (code !== 0) return { accepted: false, reason: `exit ${code}: ${io.stderr}` }
  const input = JSON.parse(io.stdout.slice(io.stdout.indexOf('{'), io.stdout.indexOf('\n\neffect:'))) as { identity: Identity }
  const { sub, issuer, groups, kind } = input.identity
  return { accepted: true, identity: { sub, issuer, groups, kind } }
}

/** A client that failed to send or read (not a refusal with a reason): counted as a refusal without one. */
const attempt = (run: () => Promise<Seen>): Promise<Seen> =>
  run().catch((err: Error & { cause?: Error }) => ({ accepted: false, reason: `client error: ${err.message}${err.cause ? ` (${err.cause.message})` : ''}` }))

const basic = (token: string) => `Basic ${Buffer.from(`agent:${token}`).toString('base64')}`

test('every listener accepts exactly the tokens the verifier accepts, with one identity, and refuses the rest cleanly', async () => {
  const disagreements: string[] = []
  let upstreamBefore = g.upstream.seen.length
  for (let i = 0; i < cases.length; i++) {
    // Built again for each token, so a token a few seconds inside its skew is still inside it when it is sent.
    const c = tokenCases(keys, { issuer: 'warden-dev', audience: 'warden', skewSeconds: skew })[i]!
    const mcpCalls = mcp.requests.length
    const pgBefore = pgUpstreams
    const seen: Record<string, Seen> = {
      postgres: await attempt(() => viaPostgres(c, i)),
      reverse: await attempt(() => viaReverse(c, `/t/web/sweep-rev-${i}`)),
      'forward bearer': await attempt(() => viaForward(c, `Bearer ${c.token}`, `/sweep-fwd-${i}`)),
      'forward basic': await attempt(() => viaForward(c, basic(c.token), `/sweep-fwdb-${i}`)),
      mcp: await attempt(() => viaReverse(c, '/t/prod-mcp/mcp')),
      admin: await attempt(() => viaAdmin(c)),
      eval: await attempt(() => viaEval(c)),
    }
    for (const [listener, s] of Object.entries(seen)) {
      const want = c.want === 'accept'
      if (s.accepted !== want) { disagreements.push(`${c.name}: ${listener} ${s.accepted ? 'accepted' : `refused (${s.reason.slice(0, 160)})`}, want ${c.want}`); continue }
      if (s.accepted && s.identity && c.identity) {
        const expected = { sub: c.identity.sub, issuer: 'warden-dev', groups: c.identity.groups, kind: c.identity.kind }
        if (JSON.stringify(s.identity) !== JSON.stringify(expected)) disagreements.push(`${c.name}: ${listener} saw ${JSON.stringify(s.identity).slice(0, 120)}`)
      }
      if (!s.accepted) {
        if (/\n\s+at .+:\d+/.test(s.reason)) disagreements.push(`${c.name}: ${listener} reason shows a stack trace`)
        const [, payload, signature] = c.token.split('.')
        for (const part of [payload, signature]) {
          if (part && part.length >= 16 && s.reason.includes(part.slice(0, 16))) disagreements.push(`${c.name}: ${listener} reason repeats the token`)
        }
        if (s.reason.trim().length < 8) disagreements.push(`${c.name}: ${listener} gave no reason`)
      }
    }
    if (c.want === 'reject') {
      const leaked = g.upstream.seen.slice(upstreamBefore).filter((r) => r.url.includes(`-${i}`))
      if (leaked.length) disagreements.push(`${c.name}: reached the HTTP upstream (${leaked.map((r) => r.url).join(', ')})`)
      if (mcp.requests.length !== mcpCalls) disagreements.push(`${c.name}: reached the MCP server`)
      if (pgUpstreams !== pgBefore) disagreements.push(`${c.name}: opened a PostgreSQL upstream connection`)
    }
    upstreamBefore = g.upstream.seen.length
  }
  const accepted = cases.filter((c) => c.want === 'accept').length
  console.log(`token sweep: ${cases.length} tokens (${accepted} accepted, ${cases.length - accepted} refused) x 7 listeners; ${disagreements.length} disagreements`)
  assert.equal(disagreements, [])
})

/** One request over a raw socket (so a header can be sent twice, as written): the status and what followed it. */
function rawExchange(port: number, request: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let text = ''
    const done = () => { socket.destroy(); resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }) }
    socket.on('data', (d: Buffer) => {
      text += d.toString()
      // A CONNECT answered 200 stays open for the tunnel: its head is the whole answer.
      if (/^HTTP\/1\.1 200 Connection Established\r\n\r\n/.test(text)) done()
    })
    socket.on('close', done)
    socket.on('error', reject)
    socket.setTimeout(10_000, () => reject(new Error(`no answer to ${request.slice(0, 60)}`)))
    socket.write(request)
  })
}

test('malformed credential headers (sent twice, comma-joined, another scheme, no credential) are refused alike by every HTTP listener', async () => {
  const good = cases.find((c) => c.name === 'valid agent token')!.token
  const bad = `${good.slice(0, -8)}AAAAAAAA`
  const mcpBody = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'sweep', version: '1' } } })
  const listeners = [
    { name: 'reverse', header: 'Authorization', port: Number(new URL(g.reverse.url).port), refused: 401, head: 'GET /t/web/sweep-hdr HTTP/1.1\r\nHost: 127.0.0.1\r\n', body: '' },
    { name: 'mcp', header: 'Authorization', port: Number(new URL(g.reverse.url).port), refused: 401, head: 'POST /t/prod-mcp/mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n', body: mcpBody },
    { name: 'admin', header: 'Authorization', port: admin.address.port, refused: 401, head: 'POST /v1/approvals/apr_sweep_unknown/approve HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n', body: '{}' },
    { name: 'forward', header: 'Proxy-Authorization', port: Number(new URL(g.proxy.url).port), refused: 407, head: 'CONNECT web.example.test:443 HTTP/1.1\r\nHost: web.example.test:443\r\n', body: '' },
  ]
  const malformed: Array<{ name: string; values: string[]; reason: RegExp; only?: string }> = [
    { name: 'the header twice, both good', values: [`Bearer ${good}`, `Bearer ${good}`], reason: /holds more than one credential \(the header sent more than once, or a comma-separated list\); send it once/ },
    { name: 'the header twice, good then bad', values: [`Bearer ${good}`, `Bearer ${bad}`], reason: /holds more than one credential/ },
    { name: 'the header twice, bad then good', values: [`Bearer ${bad}`, `Bearer ${good}`], reason: /holds more than one credential/ },
    { name: 'the header twice, good then empty', values: [`Bearer ${good}`, ''], reason: /holds more than one credential/ },
    { name: 'two credentials comma-joined', values: [`Bearer ${good}, Bearer ${good}`], reason: /holds more than one credential/ },
    { name: 'a token list after one scheme', values: [`Bearer ${good},${good}`], reason: /holds more than one credential/ },
    { name: 'another scheme', values: [`Token ${good}`], reason: /uses the scheme "Token", which this listener does not take/ },
    { name: 'Basic on a Bearer-only listener', values: [`Basic ${Buffer.from(`agent:${good}`).toString('base64')}`], reason: /uses the scheme "Basic", which this listener does not take: send Bearer <token>/, only: 'Authorization' },
    { name: 'the scheme alone', values: ['Bearer'], reason: /one scheme and one credential separated by a space/ },
    { name: 'the token then more', values: [`Bearer ${good} extra`], reason: /one scheme and one credential separated by a space/ },
  ]
  const disagreements: string[] = []
  const upstreamBefore = g.upstream.seen.length
  const mcpBefore = mcp.requests.length
  const send = (l: (typeof listeners)[number], values: string[]) =>
    rawExchange(l.port, `${l.head}${values.map((v) => `${l.header}: ${v}\r\n`).join('')}Content-Length: ${Buffer.byteLength(l.body)}\r\nConnection: close\r\n\r\n${l.body}`)
  for (const l of listeners) {
    const control = await send(l, [`Bearer ${good}`])
    if (control.status === l.refused || control.status === 0) disagreements.push(`${l.name}: one good Bearer header refused (${control.status})`)
  }
  const acceptedUpstream = g.upstream.seen.length
  const acceptedMcp = mcp.requests.length
  for (const c of malformed) {
    for (const l of listeners.filter((x) => !c.only || x.header === c.only)) {
      const { status, text: answer } = await send(l, c.values)
      if (status !== l.refused) { disagreements.push(`${c.name}: ${l.name} answered ${status}, want ${l.refused}`); continue }
      const text = answer.replaceAll('\\"', '"')
      if (!c.reason.test(text)) disagreements.push(`${c.name}: ${l.name} reason ${JSON.stringify(text.slice(text.indexOf('\r\n\r\n') + 4).slice(0, 300))}`)
      if (text.includes(good.split('.')[1]!.slice(0, 16))) disagreements.push(`${c.name}: ${l.name} reason repeats the token`)
    }
  }
  if (g.upstream.seen.length !== acceptedUpstream) disagreements.push(`a refused request reached the HTTP upstream: ${g.upstream.seen.slice(acceptedUpstream).map((r) => r.url).join(', ')}`)
  if (mcp.requests.length !== acceptedMcp) disagreements.push('a refused request reached the MCP server')
  assert.ok(acceptedUpstream > upstreamBefore && acceptedMcp > mcpBefore, 'the control requests went through')
  assert.equal(disagreements, [])
})

test.run()
