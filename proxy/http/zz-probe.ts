import { connect } from 'node:net'
import { startTestGateway } from './testing/gateway.ts'
const g = await startTestGateway((up) => [
  { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'WEB_TOKEN' }, hosts: ['web.example.test'] } },
  { name: 'gcs', kind: 'gcp', environment: 'staging', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, api_host: 'storage.googleapis.com', credential: { kind: 'bearer', token_env: 'WEB_TOKEN' }, hosts: [] } },
  { name: 'gcsprod', kind: 'gcp', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, api_host: 'storage.googleapis.com', credential: { kind: 'bearer', token_env: 'WEB_TOKEN' }, hosts: [] } },
], { env: { WEB_TOKEN: 'web-upstream-token' } })
const token = await g.agentToken()
const auth = `Authorization: Bearer ${token}\r\n`
const url = new URL(g.reverse.url)
function raw(s: string): Promise<string> {
  return new Promise((resolve) => {
    const c = connect({ host: url.hostname, port: Number(url.port) }, () => c.write(s))
    let o = ''
    c.on('data', (d) => (o += d)); c.on('close', () => resolve(o)); c.on('error', () => resolve(o + '(err)')); setTimeout(() => c.destroy(), 2500)
  })
}
const cases: Array<[string, string]> = process.argv[2] ? JSON.parse(process.argv[2]).map(([n, r]: [string, string]) => [n, r.replace("AUTH\r\n", auth)]) : []
const defaults: Array<[string, string]> = [
  ['semicolon dotdot', `GET /t/web/public/..;/admin HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`],
  ['semicolon empty', `GET /t/web/public/;x/admin HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`],
  ['semicolon dot enc', `GET /t/web/public/%2e%2e;/admin HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`],
  ['x-original-url', `GET /t/web/public HTTP/1.1\r\nHost: x\r\n${auth}X-Original-URL: /admin/delete\r\nConnection: close\r\n\r\n`],
  ['underscore override', `POST /t/web/items HTTP/1.1\r\nHost: x\r\n${auth}X_HTTP_Method_Override: DELETE\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`],
  ['xff', `GET /t/web/xff HTTP/1.1\r\nHost: x\r\n${auth}X-Forwarded-For: 127.0.0.1\r\nForwarded: for=127.0.0.1;host=admin.internal\r\nX-Forwarded-Host: admin.internal\r\nX-Real-IP: 127.0.0.1\r\nConnection: close\r\n\r\n`],
  ['TE Chunked case', `POST /t/web/te1 HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n`],
  ['TE chunked,identity', `POST /t/web/te2 HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked, identity\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n`],
  ['TE identity,chunked', `POST /t/web/te3 HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: identity, chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n`],
  ['TE tab', `POST /t/web/te4 HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding:\tchunked\t\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n`],
  ['TE xchunked', `POST /t/web/te5 HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: xchunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n`],
  ['TE http1.0', `POST /t/web/te6 HTTP/1.0\r\nHost: x\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`],
  ['two auth', `GET /t/web/twoauth HTTP/1.1\r\nHost: x\r\n${auth}${auth}Connection: close\r\n\r\n`],
  ['auth lower bearer', `GET /t/web/lower HTTP/1.1\r\nHost: x\r\nauthorization: bearer ${token}\r\nConnection: close\r\n\r\n`],
  ['CL with leading zeros', `POST /t/web/cl0 HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 002\r\nConnection: close\r\n\r\n{}`],
  ['expect 100 w/ body', `POST /t/web/exp HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n{}`],
  ['expect other', `POST /t/web/exp2 HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 2\r\nExpect: something\r\nConnection: close\r\n\r\n{}`],
  ['upgrade h2c on http', `GET /t/web/up HTTP/1.1\r\nHost: x\r\n${auth}Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n`],
  ['upgrade websocket without connection', `GET /t/web/up2 HTTP/1.1\r\nHost: x\r\n${auth}Upgrade: websocket\r\nConnection: close\r\n\r\n`],
  ['unicode path', `GET /t/web/caf\u00e9 HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`],
  ['fullwidth encoded', `GET /t/web/%EF%BC%8E%EF%BC%8E/admin HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`],
  ['double-encoded dotdot', `GET /t/web/public/%252e%252e/admin HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`],
  ['asterisk', `OPTIONS * HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`],
  ['route dotdot', `GET /t/web/../other/x HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`],
  ['route encoded', `GET /t/w%65b/x HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`],
  ['route trailing', `GET /t/web HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`],
  ['lowercase method', `get /t/web/m HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`],
  ['trace', `TRACE /t/web/trace HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`],
  ['x-amz dup', `GET /t/web/amz HTTP/1.1\r\nHost: x\r\n${auth}X-Amz-Target: A\r\nX-Amz-Target: B\r\nConnection: close\r\n\r\n`],
]
for (const [name, req] of cases.length ? cases : defaults) {
  const before = g.upstream.seen.length
  const out = await raw(req)
  const seen = g.upstream.seen.slice(before).map((s) => `${s.method} ${s.url} ${JSON.stringify(Object.fromEntries(Object.entries(s.headers).filter(([k]) => !['host', 'connection', 'authorization', 'content-length', 'accept', 'user-agent'].includes(k))))} body=${s.body.length}`)
  const body = out.slice(out.indexOf('\r\n\r\n') + 4, out.indexOf('\r\n\r\n') + 4 + 220).replace(/\s+/g, ' ')
  console.log(g.te.judged.length ? JSON.stringify((g.te.judged.at(-1) as any).input?.command?.cloud ?? '') : '');console.log(`## ${name}: ${out.split('\r\n')[0]} | ${body}\n   upstream: ${seen.join(' || ') || '-'}`)
}
await g.close()
