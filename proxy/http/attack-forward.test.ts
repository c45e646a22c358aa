// Attacks on the forward proxy's CONNECT authority, by an agent holding a valid token: an authority that matches a
// target's host pattern label by label but that a URL parser reads as another host (`evil/.googleapis.com`,
// `evil\.googleapis.com`, `evil?.googleapis.com`, `evil#.googleapis.com`, `user@host`). With a target that has
// no upstream_http.url (the default prod-gcp and prod-aws: the request goes to the host the client asked for),
// the gateway would send its own credential to that other host.
import { readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway
let token: string

test.before(async () => {
  g = await startTestGateway((up) => {
    const tokenFile = `${up.caFile}.gcp-token`
    writeFileSync(tokenFile, 'gcp-access-token-held\n')
    return [
      { name: 'gcp', kind: 'gcp', environment: 'production', labels: {}, upstream_http: { credential: { kind: 'bearer', token_file: tokenFile }, hosts: ['*.googleapis.com'] } },
    ]
  })
  token = await g.agentToken()
})
test.after(async () => g?.close())

/** CONNECT to `authority`; when the tunnel opens, one GET with Host = authority (and SNI `servername`). The whole answer. */
function through(authority: string, servername?: string, host = authority): Promise<string> {
  return new Promise((resolve) => {
    const raw = connect(g.proxy.address.port, '127.0.0.1', () => raw.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\nProxy-Authorization: Bearer ${token}\r\n\r\n`))
    raw.on('error', (err) => resolve(`(error: ${err.message})`))
    raw.once('data', (head) => {
      const text = head.toString('latin1')
      if (!text.startsWith('HTTP/1.1 200')) return resolve(text)
      const tls = tlsConnect({ socket: raw, ca: readFileSync(g.ca.cert), rejectUnauthorized: false, ...(servername ? { servername } : {}) }, () => {
        tls.write(`GET /storage/v1/b?project=p HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)
      })
      let out = ''
      tls.on('data', (d) => (out += d))
      tls.on('end', () => resolve(out))
      tls.on('error', (err) => resolve(`${out}(tls error: ${err.message})`))
    })
  })
}

for (const authority of ['127.0.0.1/.googleapis.com:443', '127.0.0.1\\.googleapis.com:443', '127.0.0.1?.googleapis.com:443', '127.0.0.1#.googleapis.com:443', 'x@127.0.0.1.googleapis.com:443', '127.0.0.1%2f.googleapis.com:443', 'a b.googleapis.com:443']) {
  test(`CONNECT ${authority}: refused as a malformed host, never dialled`, async () => {
    const answer = await through(authority)
    assert.match(answer, /^HTTP\/1\.1 400/, answer.slice(0, 300))
    assert.not.match(answer, '127.0.0.1:443', 'the gateway never dialled the host hidden in the authority')
  })
}

test('control: a plain googleapis.com host is accepted at CONNECT (and judged inside)', async () => {
  const answer = await through('storage.googleapis.com:443')
  assert.not.match(answer, /^HTTP\/1\.1 400/, answer.slice(0, 300))
})

test('a TLS server name other than the CONNECT host gets no certificate (no leaf is signed for it)', async () => {
  const answer = await through('storage.googleapis.com:443', 'other.example')
  assert.not.match(answer, 'HTTP/1.1', `the handshake fails, no request is read: ${answer.slice(0, 300)}`)
})

// Host forms the pattern matcher, the URL the gateway builds and the resolver could each read differently.
for (const authority of ['[fe80::1%25lo]:443', '[fe80::1%lo]:443', 'st\u00f6rage.googleapis.com:443', 'storage.googleapis.com:0', 'storage.googleapis.com:65536', 'storage.googleapis.com:+443', '.googleapis.com:443', 'storage..googleapis.com:443']) {
  test(`CONNECT ${JSON.stringify(authority)}: refused as malformed`, async () => {
    const answer = await through(authority)
    assert.match(answer, /^HTTP\/1\.1 (400|403)/, answer.slice(0, 300))
  })
}

for (const authority of ['STORAGE.GOOGLEAPIS.COM:443', 'storage.googleapis.com.:443', 'storage.googleapis.com']) {
  test(`CONNECT ${authority}: the same host as storage.googleapis.com:443 (case, trailing dot, default port)`, async () => {
    const answer = await through(authority, 'storage.googleapis.com')
    assert.not.match(answer, /^HTTP\/1\.1 4\d\d/, answer.slice(0, 300))
  })
}

for (const authority of ['127.1:443', '0x7f.1:443', '2130706433:443', '017700000001:443']) {
  test(`CONNECT ${authority} (IPv4 shorthand of 127.0.0.1): no target matches it, refused`, async () => {
    const answer = await through(authority)
    assert.match(answer, /^HTTP\/1\.1 (400|403)/, answer.slice(0, 300))
  })
}

for (const host of ['127.0.0.1', '127.0.0.1:443', '127.0.0.1/.googleapis.com', 'other.googleapis.com', 'x@127.0.0.1']) {
  test(`inside a tunnel to storage.googleapis.com, Host: ${host} never sends the request (and the credential) elsewhere`, async () => {
    const answer = await through('storage.googleapis.com:443', 'storage.googleapis.com', host)
    // Refused, or failing to reach storage.googleapis.com itself (no network here): never dialled another host.
    assert.not.match(answer, /upstream (127\.0\.0\.1|other\.googleapis\.com)/, answer.slice(0, 300))
    assert.not.match(answer, /^HTTP\/1\.1 2\d\d/, answer.slice(0, 300))
  })
}

test.run()
