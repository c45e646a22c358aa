// The gateway's upstream credentials: each kind injected, secrets from env / file / command, and a missing
// secret reported as a 503 naming what to set. client_cert is checked against a real TLS server that requires it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { HttpCredentialConfig, TargetConfig } from '../../engine/config/types.ts'
import { makeSelfSignedCert } from '../postgres/testing/tls.ts'
import { upstreamCredential } from './credentials.ts'
import { HttpGatewayError } from './errors.ts'
import { createUpstream } from './upstream.ts'

const dir = mkdtempSync(join(tmpdir(), 'warden-cred-'))
test.after(() => rmSync(dir, { recursive: true, force: true }))

const target = (credential: HttpCredentialConfig, url = 'https://api.example'): TargetConfig =>
  ({ name: 't', kind: 'http', environment: 'production', labels: {}, upstream_http: { url, credential, hosts: [] } })
const req = () => ({ method: 'GET', url: new URL('https://api.example/x'), headers: { accept: 'application/json' } })

async function rejects503(p: Promise<unknown>, mentions: string) {
  try {
    await p
  } catch (err) {
    assert.instance(err, HttpGatewayError)
    assert.is((err as HttpGatewayError).status, 503)
    assert.is((err as HttpGatewayError).code, 'http.credential_unavailable')
    assert.match((err as Error).message, mentions)
    return
  }
  assert.unreachable('no error')
}

test('bearer from an environment variable; header and basic kinds', async () => {
  assert.equal(await upstreamCredential(target({ kind: 'bearer', token_env: 'T' }), { T: 'tok' }).apply(req()), { accept: 'application/json', authorization: 'Bearer tok' })
  assert.is((await upstreamCredential(target({ kind: 'header', header: 'X-Api-Key', token_env: 'T' }), { T: 'k' }).apply(req()))['x-api-key'], 'k')
  const basic = await upstreamCredential(target({ kind: 'basic', username: 'svc', password_env: 'P' }), { P: 'pw' }).apply(req())
  assert.is(basic.authorization, `Basic ${Buffer.from('svc:pw').toString('base64')}`)
  await rejects503(upstreamCredential(target({ kind: 'bearer', token_env: 'NOPE' }), {}).apply(req()), 'set the environment variable NOPE')
})

test('a token file is re-read when it changes; a missing file is a 503 naming it', async () => {
  const file = join(dir, 'token')
  writeFileSync(file, 'one\n')
  const cred = upstreamCredential(target({ kind: 'bearer', token_file: file }), {})
  assert.is((await cred.apply(req())).authorization, 'Bearer one')
  writeFileSync(file, 'two-longer\n')
  assert.is((await cred.apply(req())).authorization, 'Bearer two-longer')
  await rejects503(upstreamCredential(target({ kind: 'bearer', token_file: join(dir, 'missing') }), {}).apply(req()), join(dir, 'missing'))
})

test('a token command runs once per TTL; a failing command is a 503', async () => {
  const counter = join(dir, 'count')
  writeFileSync(counter, '')
  const cred = upstreamCredential(target({ kind: 'bearer', token_command: ['sh', '-c', `echo x >> ${counter}; echo cmd-token`], token_ttl_seconds: 60 }), { PATH: process.env.PATH })
  assert.is((await cred.apply(req())).authorization, 'Bearer cmd-token')
  assert.is((await cred.apply(req())).authorization, 'Bearer cmd-token')
  const { readFileSync } = await import('node:fs')
  assert.is(readFileSync(counter, 'utf8'), 'x\n', 'ran once')
  await rejects503(upstreamCredential(target({ kind: 'bearer', token_command: ['false'] }), { PATH: process.env.PATH }).apply(req()), 'run false (token): it exited with code 1')
})

test('client_cert: the upstream that requires a client certificate gets the configured one', async () => {
  const server = makeSelfSignedCert('localhost')
  const client = makeSelfSignedCert('warden-client')
  for (const [name, pem] of [['ca.pem', server.cert], ['client.pem', client.cert], ['client-key.pem', client.key]] as const) writeFileSync(join(dir, name), pem)
  const srv = https.createServer({ cert: server.cert, key: server.key, requestCert: true, rejectUnauthorized: true, ca: client.cert }, (r, res) => {
    res.end(JSON.stringify({ cn: (r.socket as import('node:tls').TLSSocket).getPeerCertificate().subject.CN }))
  })
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const url = `https://127.0.0.1:${(srv.address() as AddressInfo).port}`
  try {
    const t: TargetConfig = { name: 't', kind: 'http', environment: 'p', labels: {}, upstream_http: { url, ca_file: join(dir, 'ca.pem'), credential: { kind: 'client_cert', cert_file: join(dir, 'client.pem'), key_file: join(dir, 'client-key.pem') }, hosts: [] } }
    const up = createUpstream(t, {})
    const reply = await up.send({ method: 'GET', url: up.url('/whoami'), headers: {} }, {})
    assert.is(reply.kind, 'response')
    const chunks: Buffer[] = []
    for await (const c of reply.res) chunks.push(c as Buffer)
    assert.equal(JSON.parse(Buffer.concat(chunks).toString()), { cn: 'warden-client' })
    up.close()
    const missing = createUpstream({ ...t, upstream_http: { ...t.upstream_http!, credential: { kind: 'client_cert', cert_file: join(dir, 'nope.pem'), key_file: join(dir, 'nope.pem') } } }, {})
    await rejects503(missing.send({ method: 'GET', url: missing.url('/x'), headers: {} }, {}), 'nope.pem')
  } finally {
    srv.closeAllConnections()
    srv.close()
  }
})

test.run()
