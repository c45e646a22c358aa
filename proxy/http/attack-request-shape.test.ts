// Attacks by an agent holding a valid token on what a web upstream reads from a request beyond its method and
// path: a `;` parameter that servlet containers drop before resolving dot segments (`/public/..;/admin` is
// /admin to Tomcat), a method override spelled with underscores (PHP, Rack and CGI read X_HTTP_Method_Override
// as X-HTTP-Method-Override), a path override (X-Original-URL, X-Rewrite-URL), forwarding headers that make
// the upstream trust another client address or host (X-Forwarded-For, Forwarded, X-Real-IP), a `_method`
// parameter (Rails, Laravel, Symfony run a POST as that method), and a Cloud Storage XML API copy, whose source
// the policy never sees. Raw sockets to the reverse listener; the recording upstream tells what reached it.
import { connect } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway
let auth: string

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'WEB_TOKEN' }, hosts: [] } },
    { name: 'gcs', kind: 'gcp', environment: 'staging', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, api_host: 'storage.googleapis.com', credential: { kind: 'bearer', token_env: 'WEB_TOKEN' }, hosts: [] } },
  ], { env: { WEB_TOKEN: 'web-upstream-token' } })
  auth = `Authorization: Bearer ${await g.agentToken()}\r\n`
})
test.after(async () => g?.close())

/** One request on its own connection: the status and the body of the answer. */
function send(head: string, body = ''): Promise<{ status: number; body: string }> {
  const url = new URL(g.reverse.url)
  return new Promise((resolve, reject) => {
    const s = connect({ host: url.hostname, port: Number(url.port) }, () => s.write(`${head}${auth}Connection: close\r\n\r\n${body}`))
    let out = ''
    s.on('data', (d) => (out += d))
    s.on('close', () => resolve({ status: Number(out.slice(9, 12)), body: out.slice(out.indexOf('\r\n\r\n') + 4) }))
    s.on('error', reject)
  })
}

async function refusedUnforwarded(head: string, why: RegExp, body = '') {
  const before = g.upstream.seen.length
  const answer = await send(head, body)
  assert.is(answer.status, 400, answer.body)
  assert.is(JSON.parse(answer.body).error, 'http.ambiguous')
  assert.match(JSON.parse(answer.body).message, why)
  assert.is(g.upstream.seen.length, before, 'nothing reached the upstream')
}

for (const path of ['/public/..;/admin', '/public/%2e%2e;/admin', '/public/.;/admin', '/public/;x/admin']) {
  test(`GET ${path} (a dot or empty segment once its ;parameter is dropped) is refused`, async () => {
    await refusedUnforwarded(`GET /t/web${path} HTTP/1.1\r\nHost: x\r\n`, /drop ;parameters/)
  })
}

test('a GET with X_HTTP_Method_Override: DELETE (underscores) is refused, never forwarded as a read', async () => {
  await refusedUnforwarded('GET /t/web/items/7 HTTP/1.1\r\nHost: x\r\nX_HTTP_Method_Override: DELETE\r\n', /treat this GET as DELETE/)
})

for (const header of ['X-Original-URL', 'X-Rewrite-URL', 'X_Original_URL']) {
  test(`a GET with ${header}: /admin/delete is refused: the upstream would serve another path than the one judged`, async () => {
    await refusedUnforwarded(`GET /t/web/public HTTP/1.1\r\nHost: x\r\n${header}: /admin/delete\r\n`, /another path than the one judged/)
  })
}

test('forwarding headers (X-Forwarded-For, Forwarded, X-Forwarded-Host, X-Real-IP) never reach the upstream; the request does', async () => {
  const before = g.upstream.seen.length
  const answer = await send('GET /t/web/whoami HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 127.0.0.1\r\nForwarded: for=127.0.0.1;host=admin.internal\r\nX-Forwarded-Host: admin.internal\r\nX-Forwarded-Prefix: /admin\r\nX-Real-IP: 127.0.0.1\r\n')
  assert.is(answer.status, 200, answer.body)
  const seen = g.upstream.seen.slice(before)
  assert.is(seen.length, 1)
  for (const name of ['x-forwarded-for', 'forwarded', 'x-forwarded-host', 'x-forwarded-prefix', 'x-real-ip']) assert.not.ok(name in seen[0]!.headers, name)
})

test('a POST whose query or form body says _method=DELETE (Rails, Laravel, Symfony run it as a DELETE) is refused, never forwarded', async () => {
  await refusedUnforwarded('POST /t/web/items/7?_method=DELETE HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n', /query parameter _method asks the upstream to treat this POST as "DELETE"/)
  await refusedUnforwarded('POST /t/web/items/7?%5Fmethod=delete HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n', /treat this POST as "delete"/)
  const form = 'name=x&_method=DELETE'
  await refusedUnforwarded(`POST /t/web/items/7 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n`, /form parameter _method asks the upstream to treat this POST as "DELETE"/, form)
  const multipart = '--b\r\nContent-Disposition: form-data; name="_method"\r\n\r\nDELETE\r\n--b--\r\n'
  await refusedUnforwarded(`POST /t/web/items/7 HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: ${multipart.length}\r\n`, /multipart form field _method/, multipart)
})

test('control: _method naming the request\'s own method passes', async () => {
  const answer = await send('GET /t/web/items?_method=GET HTTP/1.1\r\nHost: x\r\n')
  assert.is(answer.status, 200, answer.body)
})

test('a Cloud Storage XML API copy (a PUT judged as a write of its destination, reading another bucket) is refused, never forwarded', async () => {
  for (const header of ['x-goog-copy-source', 'x-amz-copy-source']) {
    await refusedUnforwarded(`PUT /t/gcs/stage-bucket/dst HTTP/1.1\r\nHost: x\r\n${header}: /secret-bucket/obj\r\nContent-Length: 0\r\n`, new RegExp(`${header} asks Cloud Storage's XML API to copy`))
  }
})

test('control: a ;parameter on an ordinary segment passes as sent', async () => {
  const before = g.upstream.seen.length
  const answer = await send('GET /t/web/files/report;v=2 HTTP/1.1\r\nHost: x\r\n')
  assert.is(answer.status, 200, answer.body)
  assert.is(g.upstream.seen.slice(before)[0]?.url, '/files/report;v=2')
})

test.run()
