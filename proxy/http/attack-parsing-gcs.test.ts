// Attacks on how the gateway and fake-gcs-server read one Cloud Storage request, by an agent holding a valid
// token under the default policy: object names with slashes (encoded as gcloud sends them, or literal), batch
// requests (/batch/storage/v1: many calls in one multipart body, each run by the server as its own), access
// granted by a write's body, form fields or a copy's query rather than its route, bodies the server reads
// otherwise than the policy (JSON declared a form, trailing bytes, repeated keys), the emulator's own
// /_internal endpoints, method overrides, and resumable upload chunks. `prod-gcp` is a production target;
// `stage-gcp` a staging one, where an agent's changes pass but deletes are held and IAM / ACL changes refused.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { peerBinaries, startFakeGcs, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import type { CliOut } from './testing/aws-cli.ts'
import { gcloudCli } from './testing/gcloud-cli.ts'

const BUCKET = 'warden-parse'
const dir = mkdtempSync(join(tmpdir(), 'warden-parse-gcs-'))
let gcs: StoragePeer
let g: TestGateway
let token: string
let gcloud: (...args: string[]) => Promise<CliOut>

test.before(async () => {
  gcs = await startFakeGcs({ buckets: [BUCKET] })
  const upstream = (name: string, environment: string, hosts: string[] = []) => ({
    name, kind: 'gcp' as const, environment, labels: {},
    upstream_http: { url: gcs.url, ca_file: gcs.caFile, api_host: 'storage.googleapis.com', credential: { kind: 'bearer' as const, token_env: 'HELD_GCP' }, hosts },
  })
  g = await startTestGateway(() => [upstream('prod-gcp', 'production', ['storage.googleapis.com']), upstream('stage-gcp', 'staging')], { holdSeconds: 1, env: { HELD_GCP: 'gcp-held-token' } })
  token = await g.agentToken()
  gcloud = gcloudCli(peerBinaries(['gcloud']).gcloud!, g, token, dir)
})

test.after(async () => {
  await g?.close()
  await gcs?.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** Straight to fake-gcs-server (it checks no credential). */
function direct(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => execFile('curl', ['-sS', '-X', method, '--cacert', gcs.caFile, '-w', '\n%{http_code}', ...(body === undefined ? [] : ['-H', 'content-type: text/plain', '--data-binary', body]), `${gcs.url}${path}`], (err, out) => {
    if (err) return reject(err)
    const lines = out.split('\n')
    resolve({ status: Number(lines.pop()), text: lines.join('\n') })
  }))
}

const put = (name: string, body: string) => direct('POST', `/upload/storage/v1/b/${BUCKET}/o?uploadType=media&name=${encodeURIComponent(name)}`, body)
const exists = async (name: string) => (await direct('GET', `/storage/v1/b/${BUCKET}/o/${encodeURIComponent(name)}`)).status === 200

/** Through the reverse route of `target` as the agent. */
const agent = (target: string, path: string, init: RequestInit = {}) =>
  fetch(`${g.reverse.url}/t/${target}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } })

test('gcloud storage cat (HTTPS_PROXY) of an object whose name holds a slash (sent as %2F) is served, not refused as ambiguous', async () => {
  await put('reports/2026/q1.txt', 'quarterly numbers')
  const out = await gcloud('storage', 'cat', `gs://${BUCKET}/reports/2026/q1.txt`)
  assert.is(out.code, 0, out.stderr)
  assert.is(out.stdout, 'quarterly numbers')
})

test('an object name with %2F is judged as that object: a delete of it is a delete (denied in production)', async () => {
  await put('keep/me.txt', 'x')
  const res = await agent('prod-gcp', `/storage/v1/b/${BUCKET}/o/keep%2Fme.txt`, { method: 'DELETE' })
  assert.is(res.status, 403, await res.text())
  assert.ok(await exists('keep/me.txt'))
})

test('a literal slash in a JSON API object path (the server reads the rest of the path as the name) is judged as a delete of that object', async () => {
  await put('logs/app.log', 'x')
  const res = await agent('stage-gcp', `/storage/v1/b/${BUCKET}/o/logs/app.log`, { method: 'DELETE' })
  const text = await res.text()
  assert.is(res.status, 403, text)
  assert.match(text, 'storage.objects.delete')
  assert.ok(await exists('logs/app.log'), 'the object is still there')
})

/** A /batch/storage/v1 body: each call an application/http part, as the client libraries write them. */
function batchBody(boundary: string, calls: string[]): string {
  return calls.map((call, i) => `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: <call-${i}>\r\n\r\n${call}\r\n`).join('') + `--${boundary}--\r\n`
}

test('control: fake-gcs-server runs every call of a batch as its own request (an ACL write and a delete here)', async () => {
  await put('batch/control.txt', 'x')
  const body = batchBody('b1', [`DELETE /storage/v1/b/${BUCKET}/o/batch%2Fcontrol.txt HTTP/1.1\r\n\r\n`])
  const res = await new Promise<string>((resolve, reject) => execFile('curl', ['-sS', '--cacert', gcs.caFile, '-H', 'content-type: multipart/mixed; boundary=b1', '--data-binary', body, `${gcs.url}/batch/storage/v1`], (err, out) => err ? reject(err) : resolve(out)))
  assert.match(res, 'HTTP/1.1 200')
  assert.not.ok(await exists('batch/control.txt'))
})

for (const target of ['stage-gcp', 'prod-gcp']) {
  test(`${target}: a batch (many calls in one body, each run by the server) is refused before the upstream, not judged as one opaque call`, async () => {
    await put('batch/victim.txt', 'x')
    const acl = JSON.stringify({ entity: 'allUsers', role: 'READER' })
    const body = batchBody('warden', [
      `GET /storage/v1/b/${BUCKET}/o HTTP/1.1\r\n\r\n`,
      `POST /storage/v1/b/${BUCKET}/acl HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: ${acl.length}\r\n\r\n${acl}`,
      `DELETE /storage/v1/b/${BUCKET}/o/batch%2Fvictim.txt HTTP/1.1\r\n\r\n`,
    ])
    for (const path of ['/batch/storage/v1', '/%62atch/storage/v1']) {
      const res = await agent(target, path, { method: 'POST', headers: { 'content-type': 'multipart/mixed; boundary=warden' }, body })
      const text = await res.text()
      assert.ok(await exists('batch/victim.txt'), `the object is still there (the gateway answered ${res.status})`)
      assert.not.match((await direct('GET', `/storage/v1/b/${BUCKET}/acl`)).text, 'allUsers', 'no ACL was granted')
      // Spelled with an escape, it was judged storage.batch (a change, passed on staging) and forwarded.
      assert.is(res.status, 400, `${path}: ${text}`)
      assert.match(text, 'batch')
    }
  })
}

const publicAcl = async (name: string) => (await direct('GET', `/storage/v1/b/${BUCKET}/o/${encodeURIComponent(name)}/acl`)).text.includes('allUsers')

test('control: fake-gcs-server applies an ACL named in a PATCH body, a copy\'s destinationPredefinedAcl, a resumable upload\'s predefinedAcl', async () => {
  await put('ctl/a.txt', 'x')
  await direct('PATCH', `/storage/v1/b/${BUCKET}/o/ctl%2Fa.txt`, JSON.stringify({ ACL: [{ entity: 'allUsers', role: 'READER' }] }))
  assert.ok(await publicAcl('ctl/a.txt'), 'PATCH acl (any case)')
  await direct('POST', `/storage/v1/b/${BUCKET}/o/ctl%2Fa.txt/copyTo/b/${BUCKET}/o/ctl%2Fb.txt?destinationPredefinedAcl=publicRead`, '')
  assert.ok(await publicAcl('ctl/b.txt'), 'copy destinationPredefinedAcl')
})

test('stage-gcp: an ACL granted in a write\'s body or a copy\'s destinationPredefinedAcl is an ACL change (refused for an agent, as the /acl route is), not a metadata update', async () => {
  await put('acl/victim.txt', 'x')
  const json = { 'content-type': 'application/json' }
  const writes: Array<[string, string, string, string?, string?]> = [
    ['PATCH', `/storage/v1/b/${BUCKET}/o/acl%2Fvictim.txt`, JSON.stringify({ acl: [{ entity: 'allUsers', role: 'READER' }] })],
    ['PATCH', `/storage/v1/b/${BUCKET}/o/acl%2Fvictim.txt`, JSON.stringify({ metadata: { a: 'b' }, ACL: [{ entity: 'allUsers', role: 'READER' }] })],
    ['POST', `/storage/v1/b/${BUCKET}/o/acl%2Fvictim.txt/copyTo/b/${BUCKET}/o/acl%2Fcopy.txt?destinationPredefinedAcl=publicRead`, ''],
    ['POST', `/storage/v1/b/${BUCKET}/o/acl%2Fvictim.txt/rewriteTo/b/${BUCKET}/o/acl%2Frewrite.txt?destinationPredefinedAcl=publicRead`, ''],
    ['POST', `/upload/storage/v1/b/${BUCKET}/o?uploadType=resumable&name=acl%2Fresumable.txt`, JSON.stringify({ name: 'acl/resumable.txt', predefinedAcl: 'publicRead' })],
  ]
  // Declared a form, or nothing: fake-gcs-server decodes the JSON whatever the Content-Type says.
  writes.push(['PATCH', `/storage/v1/b/${BUCKET}/o/acl%2Fvictim.txt`, JSON.stringify({ acl: [{ entity: 'allUsers', role: 'READER' }] }), 'application/x-www-form-urlencoded'])
  writes.push(['PATCH', `/storage/v1/b/${BUCKET}/o/acl%2Fvictim.txt`, ` ${JSON.stringify({ acl: [{ entity: 'allUsers', role: 'READER' }] })}`, 'text/plain'])
  // Go's json.Decoder reads the first value and leaves the rest: a body no JSON or YAML parser takes whole.
  // Held as a body Warden cannot read (the hold here lasts a second, then the request is refused).
  writes.push(['PATCH', `/storage/v1/b/${BUCKET}/o/acl%2Fvictim.txt`, `${JSON.stringify({ acl: [{ entity: 'allUsers', role: 'READER' }] })} trailing`, 'application/json', 'unread_body'])
  writes.push(['PATCH', `/storage/v1/b/${BUCKET}/o/acl%2Fvictim.txt`, '{"acl": [], "acl": [{"entity": "allUsers", "role": "READER"}]}', 'application/yaml', 'unread_body'])
  for (const [method, path, body, type, rule] of writes) {
    const res = await agent('stage-gcp', path, { method, headers: { 'content-type': type ?? 'application/json' }, body: body || undefined })
    const text = await res.text()
    assert.is(res.status, 403, `${method} ${path}: ${text}`)
    assert.match(text, `warden.rules.cloud.${rule ?? 'iam'}`)
  }
  for (const name of ['acl/victim.txt', 'acl/copy.txt', 'acl/rewrite.txt', 'acl/resumable.txt']) assert.not.ok(await publicAcl(name), name)
  const plain = await agent('stage-gcp', `/storage/v1/b/${BUCKET}/o/acl%2Fvictim.txt`, { method: 'PATCH', headers: json, body: JSON.stringify({ metadata: { team: 'ops' } }) })
  assert.is(plain.status, 200, await plain.text())
})

test('stage-gcp: the emulator\'s own endpoints (/_internal/delete_all: no bucket may be named _internal) are not judged as an upload to a bucket of that name', async () => {
  await put('internal/survivor.txt', 'x')
  for (const [method, path] of [['POST', '/_internal/delete_all'], ['PUT', '/_internal/reseed'], ['PUT', '/_internal/config']] as const) {
    const res = await agent('stage-gcp', path, { method, headers: { 'content-type': 'application/json' }, body: '{}' })
    const text = await res.text()
    assert.ok(await exists('internal/survivor.txt'), `${method} ${path} answered ${res.status}: ${text}`)
    assert.is(res.status, 403, text)
    assert.not.match(text, 'storage.objects.create')
  }
})

test('stage-gcp: a browser form upload (multipart/form-data: its acl field makes the object public at fake-gcs-server) is not judged a plain upload', async () => {
  const form = new FormData()
  form.set('key', 'form/public.txt')
  form.set('acl', 'publicRead')
  form.set('file', new Blob(['x'], { type: 'text/plain' }), 'public.txt')
  const res = await agent('stage-gcp', `/${BUCKET}`, { method: 'POST', body: form })
  const text = await res.text()
  assert.not.ok(await exists('form/public.txt'), `the form upload ran (${res.status}): public ${await publicAcl('form/public.txt')}`)
  assert.is(res.status, 403, text)
})

// The JSON API's multipart upload (what the client libraries send for small objects): Cloud Storage takes the
// object's acl from its metadata part, which Warden did not read (an unread body of an upload passes as one).
// fake-gcs-server ignores that acl, so what is checked here is the judgement: the write is refused before it.
test('stage-gcp: a multipart upload whose metadata part grants allUsers read is refused; one without it passes', async () => {
  const related = (meta: unknown) => `--b1\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify(meta)}\r\n--b1\r\ncontent-type: text/plain\r\n\r\nhello\r\n--b1--\r\n`
  const upload = (name: string, meta: unknown) => agent('stage-gcp', `/upload/storage/v1/b/${BUCKET}/o?uploadType=multipart&name=${name}`, { method: 'POST', headers: { 'content-type': 'multipart/related; boundary=b1' }, body: related(meta) })
  const plain = await upload('related%2Fplain.txt', { name: 'related/plain.txt', contentType: 'text/plain' })
  assert.is(plain.status, 200, await plain.text())
  const res = await upload('related%2Fpublic.txt', { name: 'related/public.txt', acl: [{ entity: 'allUsers', role: 'READER' }] })
  const text = await res.text()
  assert.not.ok(await exists('related/public.txt'), `the upload ran (${res.status} ${text.slice(0, 200)})`)
  assert.is(res.status, 403, text)
  assert.match(text, 'IAM or a resource policy')
})

// Cloud Storage's boundary is at most 70 characters (RFC 2046), but Go's mime and multipart readers, which
// fake-gcs-server parses with, take any length: a longer one was read cut at 70, and a decoy part delimited by those
// 70 characters was judged as the metadata while the server read the part after it, whose acl grants allUsers.
test('stage-gcp: a multipart upload whose boundary is longer than 70 characters is refused, not judged by a decoy part', async () => {
  const short = 'b'.repeat(70)
  const long = `${short}x`
  const acl = { name: 'related/long.txt', acl: [{ entity: 'allUsers', role: 'READER' }] }
  const body = `--${short}\r\ncontent-type: application/json\r\n\r\n{"name":"related/long.txt"}\r\n--${short}--\r\n` +
    `--${long}\r\ncontent-type: application/json\r\n\r\n${JSON.stringify(acl)}\r\n--${long}\r\ncontent-type: text/plain\r\n\r\nhello\r\n--${long}--\r\n`
  const res = await agent('stage-gcp', `/upload/storage/v1/b/${BUCKET}/o?uploadType=multipart&name=related%2Flong.txt`, { method: 'POST', headers: { 'content-type': `multipart/related; boundary=${long}` }, body })
  const text = await res.text()
  assert.not.ok(await exists('related/long.txt'), `the upload ran (${res.status} ${text.slice(0, 200)})`)
  assert.is(res.status, 403, text)
  assert.match(text, 'boundary')
})

test('stage-gcp: a resumable upload\'s chunk larger than the body limit streams to its session (it was refused with 413)', async () => {
  const start = await agent('stage-gcp', `/upload/storage/v1/b/${BUCKET}/o?uploadType=resumable&name=big%2Fchunk.bin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'big/chunk.bin' }) })
  assert.is(start.status, 200, await start.text())
  const id = new URL(start.headers.get('location')!).searchParams.get('upload_id')
  assert.ok(id, 'a session was opened')
  const chunk = Buffer.alloc(3 * 1024 * 1024, 7)
  const res = await agent('stage-gcp', `/upload/storage/v1/b/${BUCKET}/o?uploadType=resumable&upload_id=${id}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-range': `bytes 0-${chunk.length - 1}/${chunk.length}` }, body: chunk })
  assert.is(res.status, 200, await res.text())
  const stored = JSON.parse((await direct('GET', `/storage/v1/b/${BUCKET}/o/big%2Fchunk.bin`)).text) as { size: string }
  assert.is(stored.size, String(chunk.length))
  const other = await agent('stage-gcp', `/upload/storage/v1/b/${BUCKET}/o?uploadType=resumable&upload_id=${id}&predefinedAcl=publicRead`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: chunk.subarray(0, 1024) })
  assert.is(other.status, 403, 'a session PUT carrying more than its session is read whole and judged with its query (here: a public ACL)')
})

test('a POST that fake-gcs-server runs as a PATCH (X-HTTP-Method-Override: PATCH, which it routes on) is refused before the upstream', async () => {
  for (const name of ['X-HTTP-Method-Override', 'x-http-method', 'X-Method-Override']) {
    const res = await agent('prod-gcp', `/storage/v1/b/${BUCKET}`, { method: 'POST', headers: { [name]: 'PATCH', 'content-type': 'application/json' }, body: JSON.stringify({ labels: { a: 'b' } }) })
    const text = await res.text()
    assert.is(res.status, 400, text)
    assert.match(text, 'send the intended method itself')
  }
  assert.not.match((await direct('GET', `/storage/v1/b/${BUCKET}`)).text, '"labels"')
})

test('a resumable upload whose JSON body names another bucket (fake-gcs-server creates the object there) is not judged as an upload to the bucket in its path', async () => {
  await direct('POST', '/storage/v1/b', JSON.stringify({ name: 'warden-other' }))
  const res = await agent('stage-gcp', `/upload/storage/v1/b/${BUCKET}/o?uploadType=resumable&name=moved.txt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ bucket: 'warden-other', name: 'moved.txt' }) })
  const text = await res.text()
  assert.is(res.status, 403, text)
  assert.is((await direct('GET', '/storage/v1/b/warden-other/o')).text.includes('moved.txt'), false)
})

test.run()
