// Cloud Storage XML API bucket subresources (PUT /bucket?defaultObjectAcl, ?cors, ?iamPolicy …) on a staging target,
// where an agent's plain changes pass: judged by the method alone they were a bucket create, and their XML body
// (a public-read default ACL, a policy granting allUsers) reached the API unread. Now held as calls Warden cannot
// name; the upstream (scripted, recording what reaches it) never sees them.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway
let token: string

test.before(async () => {
  g = await startTestGateway((up) => [{
    name: 'gcs-stage', kind: 'gcp', environment: 'staging', labels: {},
    upstream_http: { url: up.url, ca_file: up.caFile, api_host: 'storage.googleapis.com', credential: { kind: 'bearer', token_env: 'HELD_GCP' }, hosts: [] },
  }], { holdSeconds: 1, env: { HELD_GCP: 'gcp-held-token' } })
  token = await g.agentToken()
})

test.after(async () => {
  await g?.close()
})

const put = (path: string, body: string) =>
  fetch(`${g.reverse.url}/t/gcs-stage${path}`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' }, body })

test('an XML write naming a bucket subresource Warden does not read is held, not forwarded as a bucket create', async () => {
  const acl = '<AccessControlList><Entries><Entry><Scope type="AllUsers"/><Permission>READ</Permission></Entry></Entries></AccessControlList>'
  const before = g.upstream.seen.length
  for (const sub of ['defaultObjectAcl', 'cors', 'website', 'lifecycle', 'logging', 'billing', 'encryptionConfig', 'iamPolicy']) {
    const res = await put(`/vault?${sub}`, acl)
    const body = await res.text()
    assert.is(res.status, 403, `?${sub}: ${body.slice(0, 300)}`)
    assert.match(body, 'cannot name', sub)
  }
  assert.is(g.upstream.seen.length, before, 'reached the upstream')
})

test('control: a plain XML bucket create and object upload still pass on staging', async () => {
  for (const path of ['/newbucket', '/vault/notes.txt']) {
    const res = await put(path, '<CreateBucketConfiguration/>')
    assert.is(res.status, 200, `${path}: ${await res.text()}`)
  }
})

test.run()
