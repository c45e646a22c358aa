// The objects a write reads, as the normalizers name them: S3's x-amz-copy-source read as S3 and moto read it,
// Cloud Storage's compose bodies, x-goog-copy-source and rewrite/copy sources, each in its own bucket.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { CloudCommand, CloudSource } from '../../types.ts'
import type { RawHttpRequest } from '../http.ts'
import { normalizeAws, normalizeGcp } from './index.ts'

const S3 = 'https://s3.us-east-1.amazonaws.com'
const GCS = 'https://storage.googleapis.com'
const s3Copy = (source: string | string[], url = `${S3}/drop/copy.csv`): CloudCommand =>
  normalizeAws({ method: 'PUT', url, headers: { 'x-amz-copy-source': source } })
const s3 = (bucket: string, object: string, version?: string): CloudSource =>
  ({ resource: `arn:aws:s3:::${bucket}/${object}`, bucket, object, ...(version ? { version } : {}) })
const gcs = (bucket: string, object: string, version?: string): CloudSource =>
  ({ resource: `projects/_/buckets/${bucket}/objects/${object}`, bucket, object, ...(version ? { version } : {}) })
const gcp = (req: RawHttpRequest) => normalizeGcp(req)

test('S3 CopyObject names its source, decoded once, with its versionId', () => {
  const c = s3Copy('/vault/reports%2F2024%20q1.csv?versionId=3HL4kqtJlcpXroDTDmJ')
  assert.is(c.method, 's3:CopyObject')
  assert.equal(c.sources, [s3('vault', 'reports/2024 q1.csv', '3HL4kqtJlcpXroDTDmJ')])
  assert.equal(s3Copy('vault/a').sources, [s3('vault', 'a')])
  // %252F is a literal %2F in the key after the one decoding S3 does.
  assert.equal(s3Copy('/vault/a%252Fb').sources, [s3('vault', 'a%2Fb')])
  // A `?` inside the key is percent-encoded; decoded after the query is split off, as S3 and moto do.
  assert.equal(s3Copy('/vault/what%3FversionId=x').sources, [s3('vault', 'what?versionId=x')])
  // The bucket ends at the first slash of the decoded path.
  assert.equal(s3Copy('/vault%2Fsecret.csv').sources, [s3('vault', 'secret.csv')])
})

test('S3 UploadPartCopy names its source, whatever the range', () => {
  const c = normalizeAws({ method: 'PUT', url: `${S3}/drop/big.bin?partNumber=2&uploadId=u1`, headers: { 'x-amz-copy-source': '/vault/big.bin', 'x-amz-copy-source-range': 'bytes=0-99' } })
  assert.is(c.method, 's3:UploadPartCopy')
  assert.equal(c.sources, [s3('vault', 'big.bin')])
})

test('a copy source riding on another S3 operation is still named (moto copies a part before reading ?tagging)', () => {
  const c = normalizeAws({ method: 'PUT', url: `${S3}/drop/big.bin?tagging&partNumber=1&uploadId=u1`, headers: { 'x-amz-copy-source': '/vault/big.bin' } })
  assert.is(c.method, 's3:PutObjectTagging')
  assert.equal(c.sources, [s3('vault', 'big.bin')])
})

test('S3 copy sources Warden cannot read for certain are errors, never a guessed source', () => {
  const refused: Array<string | string[]> = [
    'arn:aws:s3:us-east-1:123456789012:accesspoint/ap/object/secret.csv',
    'arn%3Aaws%3As3%3Aus-east-1%3A123456789012%3Aaccesspoint%2Fap%2Fobject%2Fsecret.csv',
    '/vault/secret.csv;x', '/vault/secret.csv#x', '/vault/a,b', '//vault/secret.csv', '/vault/%zz', '/vault/%ff%fe',
    '/vault/secret.csv?versionId=1&x=2', '/vault/secret.csv?partNumber=1', '/vault/secret.csv?versionId=', '/vault', '/vault/',
    '/', '', 'vault:x/secret.csv', ['/vault/a', '/vault/b'],
  ]
  for (const value of refused) {
    const c = s3Copy(value)
    assert.ok(c.source_error, `${JSON.stringify(value)} was read as ${JSON.stringify(c.sources)}`)
    assert.is(c.sources, undefined)
  }
})

test('an S3 request without a copy source names no source', () => {
  const c = normalizeAws({ method: 'PUT', url: `${S3}/drop/copy.csv` })
  assert.is(c.method, 's3:PutObject')
  assert.is(c.sources, undefined)
  assert.is(c.source_error, undefined)
})

test('Cloud Storage rewrite and copy name their source in its own bucket, with sourceGeneration', () => {
  const c = gcp({ method: 'POST', url: `${GCS}/storage/v1/b/vault/o/a%2Fsecret.csv/rewriteTo/b/drop/o/copy.csv?sourceGeneration=7` })
  assert.is(c.method, 'storage.objects.rewrite')
  assert.is(c.resource, 'projects/_/buckets/drop/objects/copy.csv')
  assert.equal(c.sources, [gcs('vault', 'a/secret.csv', '7')])
  const copy = gcp({ method: 'POST', url: `${GCS}/storage/v1/b/vault/o/secret.csv/copyTo/b/drop/o/copy.csv` })
  assert.is(copy.method, 'storage.objects.copy')
  assert.equal(copy.sources, [gcs('vault', 'secret.csv')])
})

test('a rewrite naming the sub-route twice is refused (the server splits it greedily, Warden at the first)', () => {
  const c = gcp({ method: 'POST', url: `${GCS}/storage/v1/b/vault/o/secret.csv/rewriteTo/b/drop/o/x/copyTo/b/drop/o/y` })
  assert.ok(c.source_error)
  assert.ok(gcp({ method: 'POST', url: `${GCS}/storage/v1/b/vault/o/s/copyTo/b/d/o/c?sourceGeneration=1&sourceGeneration=2` }).source_error)
})

test('JSON API compose names every source object, in the path\'s bucket, whatever the case of the field names', () => {
  const body = JSON.stringify({ sourceObjects: [{ name: 'a.csv', generation: '3' }, { name: 'b/c.csv' }], SourceObjects: [{ Name: 'd.csv' }], destination: { bucket: 'vault', name: 'joined.csv' } })
  const c = gcp({ method: 'POST', url: `${GCS}/storage/v1/b/vault/o/joined.csv/compose`, headers: { 'content-type': 'application/json' }, body })
  assert.is(c.method, 'storage.objects.compose')
  assert.is(c.resource, 'projects/_/buckets/vault/objects/joined.csv')
  assert.equal(c.sources, [gcs('vault', 'a.csv', '3'), gcs('vault', 'b/c.csv'), gcs('vault', 'd.csv')])
})

test('JSON API compose bodies Warden cannot read for certain are errors', () => {
  const bodies = [
    '', 'not json', '{}', '{"sourceObjects": []}', '{"sourceObjects": {"name": "a"}}', '{"sourceObjects": [{"generation": "1"}]}',
    '{"sourceObjects": [{"name": "a", "Name": "b"}]}', '{"sourceObjects": [{"name": "a"}], "destination": {"bucket": "elsewhere"}}',
    '{"sourceObjects": [{"name": "a"}], "destination": {"name": "other.csv"}}', '{"sourceObjects": [{"name": "a", "generation": "x"}]}',
  ]
  for (const body of bodies) {
    const c = gcp({ method: 'POST', url: `${GCS}/storage/v1/b/vault/o/joined.csv/compose`, headers: { 'content-type': 'application/json' }, body })
    assert.ok(c.source_error, `${body} was read as ${JSON.stringify(c.sources)}`)
  }
})

test('a compose naming more sources than Cloud Storage takes (32) is refused before any is judged', () => {
  const names = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `part-${i}` }))
  const json = (n: number) => gcp({ method: 'POST', url: `${GCS}/storage/v1/b/vault/o/joined.csv/compose`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sourceObjects: names(n) }) })
  assert.is(json(32).sources?.length, 32)
  assert.match(json(33).source_error ?? '', 'more than 32')
  const xml = (n: number) => gcp({ method: 'PUT', url: `${GCS}/vault/joined.csv?compose`, body: `<ComposeRequest>${names(n).map((c) => `<Component><Name>${c.name}</Name></Component>`).join('')}</ComposeRequest>` })
  assert.is(xml(32).sources?.length, 32)
  assert.match(xml(5000).source_error ?? '', 'more than 32')
})

test('XML API compose names its components in the path\'s bucket, XML entities decoded', () => {
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n<ComposeRequest>\n  <Component><Name>a&amp;b.csv</Name><Generation>5</Generation></Component>\n  <Component>\n    <Name>dir/c&#x2F;d.csv</Name>\n  </Component>\n</ComposeRequest>\n'
  const c = gcp({ method: 'PUT', url: `${GCS}/vault/joined.csv?compose`, body })
  assert.is(c.method, 'storage.objects.compose')
  assert.is(c.resource, 'projects/_/buckets/vault/objects/joined.csv')
  assert.equal(c.sources, [gcs('vault', 'a&b.csv', '5'), gcs('vault', 'dir/c/d.csv')])
  const virtual = gcp({ method: 'PUT', url: 'https://vault.storage.googleapis.com/joined.csv?compose', body: '<ComposeRequest><Component><Name>a</Name></Component></ComposeRequest>' })
  assert.equal(virtual.sources, [gcs('vault', 'a')])
})

test('XML API compose bodies Warden cannot read for certain are errors', () => {
  const bodies = [
    '', '<ComposeRequest></ComposeRequest>', '<ComposeRequest><Component><Name>a</Name><Name>b</Name></Component></ComposeRequest>',
    '<ComposeRequest><Component><Name><![CDATA[a]]></Name></Component></ComposeRequest>',
    '<ComposeRequest><!-- x --><Component><Name>a</Name></Component></ComposeRequest>',
    '<!DOCTYPE x [<!ENTITY e "secret">]><ComposeRequest><Component><Name>&e;</Name></Component></ComposeRequest>',
    '<ComposeRequest><Component><Name>&e;</Name></Component></ComposeRequest>',
    '<ComposeRequest xmlns="x"><Component><Name>a</Name></Component></ComposeRequest>',
    '<ComposeRequest><Component name="x"><Name>a</Name></Component></ComposeRequest>',
    '<ComposeRequest><Component><Name>a</Name><Other>b</Other></Component></ComposeRequest>',
    '<ComposeRequest><Component><Name>a</Name></Component></ComposeRequest><ComposeRequest><Component><Name>b</Name></Component></ComposeRequest>',
  ]
  for (const body of bodies) {
    const c = gcp({ method: 'PUT', url: `${GCS}/vault/joined.csv?compose`, body })
    assert.ok(c.source_error, `${body} was read as ${JSON.stringify(c.sources)}`)
  }
  const unread = gcp({ method: 'PUT', url: `${GCS}/vault/joined.csv?compose`, bodyNotRead: 'streamed' })
  assert.ok(unread.source_error)
})

test('XML API x-goog-copy-source names its source in its own bucket, both readings when decoding changes the name', () => {
  const c = gcp({ method: 'PUT', url: `${GCS}/drop/copy.csv`, headers: { 'x-goog-copy-source': '/vault/secret.csv', 'x-goog-copy-source-generation': '9' } })
  assert.is(c.method, 'storage.objects.copy')
  assert.is(c.resource, 'projects/_/buckets/drop/objects/copy.csv')
  assert.equal(c.sources, [gcs('vault', 'secret.csv', '9')])
  const encoded = gcp({ method: 'PUT', url: `${GCS}/drop/copy.csv`, headers: { 'x-goog-copy-source': 'vault/a%20b.csv' } })
  assert.equal(encoded.sources, [gcs('vault', 'a b.csv'), gcs('vault', 'a%20b.csv')])
  for (const value of ['/vault/a?generation=1', '/vault/a#b', '//vault/a', '/Vault/a', '/vault/', '/vault/%zz']) {
    assert.ok(gcp({ method: 'PUT', url: `${GCS}/drop/copy.csv`, headers: { 'x-goog-copy-source': value } }).source_error, value)
  }
  assert.ok(gcp({ method: 'PUT', url: `${GCS}/drop/copy.csv`, headers: { 'x-goog-copy-source': '/vault/a', 'x-goog-copy-source-generation': 'latest' } }).source_error)
  // S3 interoperability: x-amz-copy-source names a source too; both headers together are refused.
  assert.equal(gcp({ method: 'PUT', url: `${GCS}/drop/copy.csv`, headers: { 'x-amz-copy-source': '/vault/secret.csv' } }).sources, [gcs('vault', 'secret.csv')])
  assert.ok(gcp({ method: 'PUT', url: `${GCS}/drop/copy.csv`, headers: { 'x-amz-copy-source': '/vault/a', 'x-goog-copy-source': '/vault/a' } }).source_error)
})

test('Cloud Storage requests that read nothing else name no source', () => {
  for (const req of [
    { method: 'PUT', url: `${GCS}/drop/copy.csv` },
    { method: 'GET', url: `${GCS}/storage/v1/b/vault/o/secret.csv` },
    { method: 'POST', url: `${GCS}/upload/storage/v1/b/vault/o?uploadType=media&name=a` },
  ]) {
    const c = gcp(req)
    assert.is(c.sources, undefined, req.url)
    assert.is(c.source_error, undefined, req.url)
  }
})

test('a copy source hoisted into the query (a presigned CopyObject) is named as the header\'s would be; with the header too, refused', () => {
  const c = normalizeAws({ method: 'PUT', url: `${S3}/drop/copy.csv?X-Amz-Copy-Source=%2Fvault%2Fsecret.csv`, headers: {} })
  assert.equal(c.sources, [s3('vault', 'secret.csv')])
  const both = normalizeAws({ method: 'PUT', url: `${S3}/drop/copy.csv?x-amz-copy-source=%2Fdrop%2Fplain.txt`, headers: { 'x-amz-copy-source': '/vault/secret.csv' } })
  assert.is(both.sources, undefined)
  assert.match(both.source_error ?? '', 'given 2 times')
  const xml = gcp({ method: 'PUT', url: `${GCS}/drop/copy.csv?x-goog-copy-source=%2Fvault%2Fsecret.csv`, headers: {} })
  assert.equal(xml.sources, [gcs('vault', 'secret.csv')])
})

test('a JSON compose names the sources Go reads: a field spelled with the long s (ſ) fills sourceObjects too', () => {
  const compose = (body: unknown) => gcp({ method: 'POST', url: `${GCS}/storage/v1/b/vault/o/out.csv/compose`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  // fake-gcs-server composed secret.csv from this body (Go's encoding/json folds ſ to s; the last list wins).
  const both = compose({ sourceObjects: [{ name: 'public.txt' }], '\u017fourceObjects': [{ name: 'secret.csv' }] })
  assert.ok(both.sources?.some((s) => s.object === 'secret.csv'), JSON.stringify(both.sources ?? both.source_error))
  assert.equal(compose({ 'SOURCEOBJECTS': [{ name: 'secret.csv' }] }).sources, [gcs('vault', 'secret.csv')])
  assert.match(compose({ sourceObjects: [{ name: 'a.txt' }], 'de\u017ftination': { bucket: 'drop', name: 'out.csv' } }).source_error ?? '', 'another destination')
})

test('an S3 RenameObject (a read and a delete of the object x-amz-rename-source names) is an error, not a plain put', () => {
  const rename = normalizeAws({ method: 'PUT', url: `${S3}/drop/new.csv?renameObject`, headers: { 'x-amz-rename-source': '/drop/secret.csv' } })
  assert.match(rename.source_error ?? '', 'renames another object')
  assert.match(normalizeAws({ method: 'PUT', url: `${S3}/drop/new.csv`, headers: { 'X-Amz-Rename-Source': 'secret.csv' } }).source_error ?? '', 'renames')
})

test.run()
