// Attacks on the identity of a forward (MITM) tunnel: a request inside it that names another identity than the
// CONNECT's token (its own Proxy-Authorization, or a JWT as Authorization: Bearer) was judged as the tunnel's,
// while the client believed it ran as the other. Refused with 407 and a reason, never forwarded; the tunnel's
// own token, another valid token of the same identity and an opaque bearer (no identity) still pass, and no
// agent credential ever reaches the upstream. The reverse route runs a request as its Authorization bearer, and
// refuses a Proxy-Authorization naming another identity the same way.
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway
let token: string

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'WEB_TOKEN' }, hosts: ['web.example.test'] } },
  ], { env: { WEB_TOKEN: 'web-upstream-token' } })
  token = await g.agentToken()
})
test.after(async () => g?.close())

const b64 = (s: string) => Buffer.from(s).toString('base64url')

/** Opens a tunnel with the agent's token, sends one GET of `path` with `headers` inside it: status, body. */
function inside(path: string, headers: string): Promise<{ status: number; body: string; text: string }> {
  return new Promise((resolve, reject) => {
    const raw = connect(g.proxy.address.port, '127.0.0.1', () => raw.write(`CONNECT web.example.test:443 HTTP/1.1\r\nHost: web.example.test:443\r\nProxy-Authorization: Bearer ${token}\r\n\r\n`))
    raw.on('error', reject)
    raw.once('data', (head) => {
      if (!head.toString('latin1').startsWith('HTTP/1.1 200')) return reject(new Error(`CONNECT refused: ${head}`))
      const tls = tlsConnect({ socket: raw, servername: 'web.example.test', ca: readFileSync(g.ca.cert, 'utf8') }, () => {
        tls.write(`GET ${path} HTTP/1.1\r\nHost: web.example.test\r\n${headers}Connection: close\r\n\r\n`)
      })
      let text = ''
      tls.on('data', (d) => (text += d))
      tls.on('end', () => resolve({ status: Number(text.slice(9, 12)), body: text.slice(text.indexOf('\r\n\r\n') + 4), text }))
      tls.on('error', reject)
    })
  })
}

async function refused(path: string, headers: string, code: string, why: RegExp) {
  const before = g.upstream.seen.length
  const answer = await inside(path, headers)
  assert.is(answer.status, 407, answer.text.slice(0, 400))
  assert.match(answer.text, /\r\nproxy-authenticate: Basic realm="warden"/i)
  const body = JSON.parse(answer.body)
  assert.is(body.error, code)
  assert.match(body.message, why)
  assert.is(g.upstream.seen.length, before, 'nothing reached the upstream')
}

test('a Proxy-Authorization inside the tunnel with another agent\'s valid token: 407, never forwarded', async () => {
  const other = await g.te.token('intruder', ['agents'])
  await refused('/other-proxy', `Proxy-Authorization: Bearer ${other}\r\n`, 'http.token_invalid', /names another identity \(intruder/)
})

test('an Authorization bearer inside the tunnel with another agent\'s valid token (a kubeconfig or gcloud token): 407', async () => {
  const other = await g.te.token('intruder', ['agents'])
  await refused('/other-bearer', `Authorization: Bearer ${other}\r\n`, 'http.token_invalid', /Authorization of a request inside the tunnel names another identity/)
})

test('the same subject with other groups is another identity: 407', async () => {
  const other = await g.te.token('cursor', ['agents', 'dba'])
  await refused('/other-groups', `Authorization: Bearer ${other}\r\n`, 'http.token_invalid', /names another identity/)
})

test('an invalid or forged JWT inside the tunnel (alg none, a bad signature, another issuer\'s shape): 407 with the reason', async () => {
  const claims = b64(JSON.stringify({ sub: 'root', iss: 'warden-dev', aud: 'warden', exp: Math.floor(Date.now() / 1000) + 600, groups: ['breakglass'] }))
  const none = `${b64(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${claims}.`
  const [h, , sig] = token.split('.')
  const resigned = `${h}.${claims}.${sig}`
  for (const [header, forged] of [['Authorization', none], ['Authorization', resigned], ['Proxy-Authorization', none]] as const) {
    await refused('/forged', `${header}: Bearer ${forged}\r\n`, 'http.token_invalid', new RegExp(`the ${header} of a request inside the tunnel carries a token other than the tunnel's, and it was refused`))
  }
})

test('a malformed Proxy-Authorization inside the tunnel (two credentials, no password): 407 credential_malformed', async () => {
  await refused('/two', `Proxy-Authorization: Bearer ${token}\r\nProxy-Authorization: Bearer ${token}\r\n`, 'http.credential_malformed', /more than one credential/)
  await refused('/nopass', `Proxy-Authorization: Basic ${Buffer.from('agent:').toString('base64')}\r\n`, 'http.credential_malformed', /without a password/)
})

test('control: the tunnel\'s own token inside it (Bearer or Basic), another token of the same identity, and an opaque bearer pass; the upstream sees only the gateway credential', async () => {
  const same = await g.te.token('cursor', ['agents'], { ttlSeconds: 1800 })
  assert.is.not(same, token)
  const cases = [
    ['/own-proxy', `Proxy-Authorization: Basic ${Buffer.from(`agent:${token}`).toString('base64')}\r\n`],
    ['/own-bearer', `Authorization: Bearer ${token}\r\n`],
    ['/same-identity', `Authorization: Bearer ${same}\r\n`],
    ['/opaque', 'Authorization: Bearer ya29.opaque-user-token\r\n'],
  ]
  for (const [path, headers] of cases) {
    const answer = await inside(path!, headers!)
    assert.is(answer.status, 200, `${path}: ${answer.text.slice(0, 300)}`)
    const seen = g.upstream.seen.find((s) => s.url === path)
    assert.ok(seen, `${path} reached the upstream`)
    assert.is(seen!.headers.authorization, 'Bearer web-upstream-token')
    assert.not.ok('proxy-authorization' in seen!.headers)
  }
})

/** A GET of `path` on the reverse route to `web` as the agent's bearer, with `headers`: status, JSON body, headers. */
function reverse(path: string, headers: Record<string, string | string[]>): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${g.reverse.url}/t/web${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }))
    })
    req.on('error', reject)
    req.end()
  })
}

async function reverseRefused(path: string, headers: Record<string, string | string[]>, code: string, why: RegExp) {
  const before = g.upstream.seen.length
  const answer = await reverse(path, headers)
  assert.is(answer.status, 407, answer.body.slice(0, 400))
  assert.match(String(answer.headers['proxy-authenticate']), /^Basic realm="warden"/)
  const body = JSON.parse(answer.body)
  assert.is(body.error, code)
  assert.match(body.message, why)
  assert.is(g.upstream.seen.length, before, 'nothing reached the upstream')
}

test('reverse: a Proxy-Authorization with another identity\'s valid token than the bearer\'s: 407, never forwarded', async () => {
  const other = await g.te.token('intruder', ['agents', 'dba'])
  await reverseRefused('/rev-other', { 'proxy-authorization': `Bearer ${other}` }, 'http.token_invalid', /the Proxy-Authorization of a request names another identity \(intruder of .*\) than its Authorization bearer \(cursor of /)
  await reverseRefused('/rev-other-basic', { 'proxy-authorization': `Basic ${Buffer.from(`agent:${other}`).toString('base64')}` }, 'http.token_invalid', /names another identity \(intruder/)
})

test('reverse: an invalid, forged or malformed Proxy-Authorization: 407 with the reason', async () => {
  const claims = b64(JSON.stringify({ sub: 'root', iss: 'warden-dev', aud: 'warden', exp: Math.floor(Date.now() / 1000) + 600, groups: ['breakglass'] }))
  const [h, , sig] = token.split('.')
  await reverseRefused('/rev-forged', { 'proxy-authorization': `Bearer ${h}.${claims}.${sig}` }, 'http.token_invalid', /carries a token other than its Authorization bearer, and it was refused/)
  await reverseRefused('/rev-two', { 'proxy-authorization': [`Bearer ${token}`, `Bearer ${token}`] }, 'http.credential_malformed', /more than one credential/)
})

test('reverse control: a Proxy-Authorization with the bearer\'s own token or another of the same identity passes; the upstream sees neither', async () => {
  const same = await g.te.token('cursor', ['agents'], { ttlSeconds: 1700 })
  for (const [path, value] of [['/rev-own', `Bearer ${token}`], ['/rev-own-basic', `Basic ${Buffer.from(`agent:${token}`).toString('base64')}`], ['/rev-same', `Bearer ${same}`]] as const) {
    const answer = await reverse(path, { 'proxy-authorization': value })
    assert.is(answer.status, 200, `${path}: ${answer.body.slice(0, 300)}`)
    const seen = g.upstream.seen.find((s) => s.url === path)
    assert.ok(seen, `${path} reached the upstream`)
    assert.is(seen!.headers.authorization, 'Bearer web-upstream-token')
    assert.not.ok('proxy-authorization' in seen!.headers)
  }
})

test.run()
