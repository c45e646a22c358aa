import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { memoryIo } from '../io.ts'
import { runCa } from './ca.ts'

const scratch = await mkdtemp(join(tmpdir(), 'warden-ca-'))
test.after(() => rm(scratch, { recursive: true, force: true }))
const config = join(scratch, 'warden.yaml')
await writeFile(config, `state_dir: ./state
listeners: { http_proxy: { port: 9479 } }
identity:
  providers: [{ name: dev, issuer: warden-dev, audience: warden, dev: true }]
targets: [{ name: api, kind: http, environment: production, upstream_http: { url: 'https://api.example', hosts: [api.example] } }]
`)

test('warden ca creates the CA once (key 0600) and prints the settings that really work on this machine', async () => {
  const system = join(scratch, 'system.pem')
  await writeFile(system, '-----BEGIN CERTIFICATE-----\nSYSTEM\n-----END CERTIFICATE-----\n')
  const io = memoryIo({ SSL_CERT_FILE: system }, scratch)
  assert.is(await runCa(['--config', config], io), 0)
  const cert = join(scratch, 'state', 'ca', 'ca.pem')
  const bundle = join(scratch, 'state', 'ca', 'bundle.pem')
  assert.match(io.stderr, 'created a new CA')
  assert.is((await stat(join(scratch, 'state', 'ca', 'ca-key.pem'))).mode & 0o777, 0o600)
  assert.match(execFileSync('openssl', ['x509', '-in', cert, '-noout', '-text']).toString(), 'CA:TRUE')
  const b = readFileSync(bundle, 'utf8')
  assert.ok(b.startsWith('-----BEGIN CERTIFICATE-----\nSYSTEM'), 'the bundle keeps the system CAs')
  assert.ok(b.endsWith(readFileSync(cert, 'utf8')), 'and adds the Warden CA')
  for (const line of [
    `export HTTPS_PROXY="http://agent:$TOKEN@127.0.0.1:9479"`,
    `export SSL_CERT_FILE=${bundle}`, `export CURL_CA_BUNDLE=${bundle}`, `export REQUESTS_CA_BUNDLE=${bundle}`,
    `export AWS_CA_BUNDLE=${bundle}`, `export NODE_EXTRA_CA_CERTS=${cert}`,
    `gcloud config set core/custom_ca_certs_file ${bundle}`, 'gcloud config set proxy/type http', 'gcloud config set proxy/port 9479',
    `--config ${config}`,
  ]) assert.match(io.stdout, line)
  const again = memoryIo({}, scratch)
  assert.is(await runCa(['--config', config, '--path'], again), 0)
  assert.is(again.stdout, `${cert}\n`)
  assert.is(again.stderr, '')
})

test.run()
