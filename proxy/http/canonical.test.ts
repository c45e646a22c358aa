import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { canonicalize, checkFormBody } from './canonical.ts'
import { HttpGatewayError } from './errors.ts'
import type { HeaderList } from './types.ts'

function refused(fn: () => unknown, why: string | RegExp) {
  try {
    fn()
  } catch (err) {
    assert.instance(err, HttpGatewayError)
    assert.is((err as HttpGatewayError).status, 400)
    assert.is((err as HttpGatewayError).code, 'http.ambiguous')
    assert.match((err as Error).message, why)
    return
  }
  assert.unreachable(`accepted; expected a refusal matching ${why}`)
}

const tunnel = { authority: 'api.example:443' }
const host: HeaderList = [['Host', 'api.example']]

test('a plain request splits into method, path, query and body length', () => {
  assert.equal(canonicalize('GET', '/api/v1/pods?limit=5&command=a&command=b', []), { method: 'GET', path: '/api/v1/pods', query: 'limit=5&command=a&command=b', bodyLength: 0 })
  assert.equal(canonicalize('POST', '/x', [['Content-Length', '12']]).bodyLength, 12)
  assert.equal(canonicalize('POST', '/x', [['Transfer-Encoding', 'chunked']]).bodyLength, 'chunked')
  assert.is(canonicalize('GET', '/exec', [['Connection', 'Upgrade'], ['Upgrade', 'SPDY/3.1']]).upgrade, 'SPDY/3.1')
})

test('paths two parsers could read differently are refused', () => {
  refused(() => canonicalize('GET', '/a%2Fb', []), 'encoded slash')
  refused(() => canonicalize('GET', '/a%5cb', []), 'encoded slash or backslash')
  refused(() => canonicalize('GET', '/a\\b', []), 'backslash')
  refused(() => canonicalize('GET', '/a/../b', []), 'dot segment')
  refused(() => canonicalize('GET', '/a/./b', []), 'dot segment')
  refused(() => canonicalize('GET', '/a/%2E%2e/b', []), 'dot segment')
  refused(() => canonicalize('GET', '/a//b', []), 'empty segment')
  refused(() => canonicalize('GET', '/a%zz', []), 'stray %')
  refused(() => canonicalize('GET', 'a/b', []), 'does not start with /')
  refused(() => canonicalize('GET', '/public/..;/admin', []), 'drop ;parameters')
  refused(() => canonicalize('GET', '/public/%2e%2e;x=1/admin', []), 'drop ;parameters')
  refused(() => canonicalize('GET', '/public/.;/admin', []), 'drop ;parameters')
  refused(() => canonicalize('GET', '/public/;x/admin', []), 'drop ;parameters')
  assert.is(canonicalize('GET', '/files/report;v=2/x', []).path, '/files/report;v=2/x')
  assert.is(canonicalize('GET', '/a/b/', []).path, '/a/b/')
})

test('a Cloud Storage JSON API object name may hold %2F (gcloud sends its slashes so); nothing else may', () => {
  assert.is(canonicalize('GET', '/storage/v1/b/bkt/o/dir%2Ffile.txt', [], undefined, 'gcp').path, '/storage/v1/b/bkt/o/dir%2Ffile.txt')
  assert.is(canonicalize('GET', '/download/storage/v1/b/bkt/o/a%2fb', [], undefined, 'gcp').path, '/download/storage/v1/b/bkt/o/a%2fb')
  assert.is(canonicalize('POST', '/storage/v1/b/bkt/o/a%2Fb/rewriteTo/b/other/o/c%2Fd', [], undefined, 'gcp').path, '/storage/v1/b/bkt/o/a%2Fb/rewriteTo/b/other/o/c%2Fd')
  refused(() => canonicalize('GET', '/storage/v1/b/bkt/o/a%2Fb', []), 'encoded slash')
  refused(() => canonicalize('GET', '/storage/v1/b/bkt/o/a%2Fb', [], undefined, 'kubernetes'), 'encoded slash')
  refused(() => canonicalize('GET', '/storage/v1/b/b%2Fkt/o/a', [], undefined, 'gcp'), 'encoded slash')
  refused(() => canonicalize('GET', '/storage/v1%2Fb/bkt/o/a', [], undefined, 'gcp'), 'encoded slash')
  refused(() => canonicalize('GET', '/bkt/a%2Fb', [], undefined, 'gcp'), 'encoded slash')
  refused(() => canonicalize('GET', '/storage/v1/b/bkt/o/a%5Cb', [], undefined, 'gcp'), 'backslash')
  refused(() => canonicalize('GET', '/storage/v1/b/bkt/o/a/../b', [], undefined, 'gcp'), 'dot segment')
})

test('a Cloud Storage object name whose %2F-joined parts hold a dot or empty part is refused: the judged path would resolve it (to another bucket), Cloud Storage reads it as it is', () => {
  for (const path of ['/storage/v1/b/bkt/o/..%2F..%2Fother%2Fo%2Fsecret', '/storage/v1/b/bkt/o/a%2F..%2Fb', '/storage/v1/b/bkt/o/a%2F.%2Fb', '/storage/v1/b/bkt/o/a%2F%2Fb', '/download/storage/v1/b/bkt/o/%2E%2E%2Fx', '/storage/v1/b/bkt/o/a%2F%2E%2E', '/storage/v1/b/bkt/o/%2Fpublic%2Fx', '/storage/v1/b/bkt/o/%2F']) {
    refused(() => canonicalize('GET', path, [], undefined, 'gcp'), 'dot or empty part')
  }
  // A folder object (the empty object dir/), and dots inside a part, pass.
  assert.is(canonicalize('PUT', '/storage/v1/b/bkt/o/dir%2F', [], undefined, 'gcp').path, '/storage/v1/b/bkt/o/dir%2F')
  assert.is(canonicalize('GET', '/storage/v1/b/bkt/o/a..b%2F.hidden%2F...', [], undefined, 'gcp').path, '/storage/v1/b/bkt/o/a..b%2F.hidden%2F...')
})

test('a GCP batch request (many calls in one body) is refused; a path that merely starts with "batch" is not', () => {
  // Spelled with escapes too: the normalizer decodes them, and reads storage.batch.
  for (const path of ['/batch/storage/v1', '/batch/compute/v1', '/batch', '/batch/', '/%62atch/storage/v1', '/b%61tch', '/%62%61%74%63%68/']) {
    assert.throws(() => canonicalize('POST', path, [], undefined, 'gcp'), (err: HttpGatewayError) => err.status === 400 && err.code === 'http.batch_refused')
  }
  assert.is(canonicalize('POST', '/batches/x', [], undefined, 'gcp').path, '/batches/x')
  assert.is(canonicalize('POST', '/batch/x', [], undefined, 'http').path, '/batch/x')
})

test('duplicate query keys are refused, except the lists clients repeat on purpose', () => {
  refused(() => canonicalize('GET', '/x?dryRun=All&dryRun=', []), '"dryRun" is given more than once')
  refused(() => canonicalize('GET', '/x?a=1&%61=2', []), '"a" is given more than once')
  assert.is(canonicalize('GET', '/x?command=ls&command=-l&ports=80&ports=443', []).query, 'command=ls&command=-l&ports=80&ports=443')
})

test('a raw ; in the query is refused (Go drops its pair, others split on it); an encoded one is data', () => {
  refused(() => canonicalize('GET', '/x?watch=1;', []), 'raw `;`')
  refused(() => canonicalize('POST', '/exec?command=rm&command=--dry-run;', []), 'raw `;`')
  assert.is(canonicalize('GET', '/x?fieldSelector=a%3Db%3B', []).query, 'fieldSelector=a%3Db%3B')
  refused(() => canonicalize('POST', '/exec?command=rm&command=--dry-run%zz', []), 'stray %')
  refused(() => canonicalize('GET', '/x?a=100%', []), 'stray %')
  assert.is(canonicalize('GET', '/x?a=100%25', []).query, 'a=100%25')
})

test('GCS: an XML API copy (x-goog-copy-source, or x-amz-copy-source for S3 interoperability) is refused; an S3 copy is not', () => {
  refused(() => canonicalize('PUT', '/stage-bucket/dst', [['x-goog-copy-source', '/secret-bucket/obj']], undefined, 'gcp'), 'x-goog-copy-source asks Cloud Storage')
  refused(() => canonicalize('PUT', '/stage-bucket/dst', [['X-Amz-Copy-Source', '/secret-bucket/obj']], undefined, 'gcp'), 'x-amz-copy-source asks Cloud Storage')
  assert.is(canonicalize('PUT', '/dst/k', [['x-amz-copy-source', '/src/k']], undefined, 'aws').method, 'PUT')
})

test('S3: two subresources that each pick an operation are refused; parameters that ride along are not', () => {
  refused(() => canonicalize('PUT', '/bkt?cors&tagging', [], undefined, 'aws'), 'cors, tagging')
  refused(() => canonicalize('PUT', '/bkt/k?retention&acl', [], undefined, 'aws'), 'subresources')
  refused(() => canonicalize('GET', '/bkt?policy&%61cl', [], undefined, 'aws'), 'subresources')
  for (const [method, target] of [['PUT', '/bkt/k?partNumber=2&uploadId=u1'], ['GET', '/bkt/k?acl&versionId=v'], ['GET', '/bkt?list-type=2&prefix=a'], ['POST', '/bkt?delete'], ['PUT', '/bkt/k?acl&partNumber=2&uploadId=u1']]) {
    assert.is(canonicalize(method!, target!, [], undefined, 'aws').method, method)
  }
  assert.is(canonicalize('PUT', '/x?cors&tagging', [], undefined, 'http').method, 'PUT')
})

test('framing conflicts are refused', () => {
  refused(() => canonicalize('POST', '/x', [['Content-Length', '3'], ['Content-Length', '4']]), 'more than once')
  refused(() => canonicalize('POST', '/x', [['Content-Length', '3, 3']]), 'more than once')
  refused(() => canonicalize('POST', '/x', [['Content-Length', '3'], ['Transfer-Encoding', 'chunked']]), 'both Content-Length and Transfer-Encoding')
  refused(() => canonicalize('POST', '/x', [['Transfer-Encoding', 'gzip, chunked']]), 'only a single chunked')
  refused(() => canonicalize('POST', '/x', [['Content-Length', '-1']]), 'not a number')
})

test('method overrides are refused unless they repeat the method; methods must be upper-case tokens', () => {
  refused(() => canonicalize('POST', '/x', [['X-HTTP-Method-Override', 'DELETE']]), 'x-http-method-override')
  refused(() => canonicalize('GET', '/x', [['X-Method-Override', 'PUT']]), 'x-method-override')
  refused(() => canonicalize('GET', '/x', [['X-HTTP-Method', 'PATCH']]), 'x-http-method')
  assert.is(canonicalize('POST', '/x', [['X-HTTP-Method-Override', 'post']]).method, 'POST')
  refused(() => canonicalize('get', '/x', []), 'upper-case')
})

test('an override spelled with underscores (PHP, Rack, WSGI and CGI read X_HTTP_Method_Override as the same header) is refused too', () => {
  refused(() => canonicalize('GET', '/x', [['X_HTTP_Method_Override', 'DELETE']]), 'x-http-method-override')
  refused(() => canonicalize('POST', '/x', [['x_method_override', 'DELETE']]), 'x-method-override')
})

test('a _method form field (urlencoded: naming another method; multipart: any) is refused; other fields pass', () => {
  const form = (type: string, body: string) => () => checkFormBody('POST', [['Content-Type', type]], Buffer.from(body))
  refused(form('application/x-www-form-urlencoded', 'a=1&_method=DELETE'), 'form parameter _method')
  refused(form('application/x-www-form-urlencoded; charset=utf-8', '%5Fmethod=put'), 'form parameter _method')
  const part = (disposition: string) => `--b\r\nContent-Disposition: ${disposition}\r\n\r\nDELETE\r\n--b--\r\n`
  refused(form('multipart/form-data; boundary=b', part('form-data; name="_method"')), 'multipart form field _method')
  refused(form('multipart/form-data; boundary=b', part('form-data; name=_method')), 'multipart form field _method')
  refused(form('multipart/form-data; boundary=b', part("form-data; name*=UTF-8''_method")), 'multipart form field _method')
  form('application/x-www-form-urlencoded', 'a=1&_method=POST&method=DELETE')()
  form('multipart/form-data; boundary=b', part('form-data; name="_method_x"'))()
  form('application/json', '{"_method":"DELETE"}')()
})

test('_method as PHP spells it (a leading space dropped; space, . or [ read as _) is refused too, in the form and the query', () => {
  const form = (body: string) => () => checkFormBody('POST', [['Content-Type', 'application/x-www-form-urlencoded']], Buffer.from(body))
  for (const body of ['.method=DELETE', '%5Bmethod=DELETE', '+_method=DELETE', '%20.method=PUT']) refused(form(body), 'form parameter _method')
  for (const q of ['.method=DELETE', '%20%20_method=DELETE', '[method=PATCH', '%5Fmethod=DELETE', '_method']) {
    refused(() => canonicalize('POST', `/x?${q}`, []), 'query parameter _method')
  }
  // Cut at a NUL, as PHP reads the name as a C string; in a multipart part's name too, as PHP spells it.
  for (const body of ['_method%00=DELETE', '_method%00x=DELETE', '%20_method%00.x=PUT']) refused(form(body), 'form parameter _method')
  refused(() => canonicalize('POST', '/x?_method%00=DELETE', []), 'query parameter _method')
  const part = (name: string) => () => checkFormBody('POST', [['Content-Type', 'multipart/form-data; boundary=b']], Buffer.from(`--b\r\nContent-Disposition: form-data; ${name}\r\n\r\nDELETE\r\n--b--\r\n`, 'latin1'))
  for (const name of ['name=" _method"', 'name=".method"', 'name="[method"', 'name="_method\u0000x"', 'name=_method\u0000', 'name="\\_method"', "name*=UTF-8''%5Fmethod"]) refused(part(name), 'multipart form field _method')
  part('name="_methods"')()
  part('name="x"; filename="_method"')()
  form('.methods=DELETE&method.=DELETE&+method=DELETE')()
  assert.is(canonicalize('POST', '/x?.method=POST&a.method=DELETE', []).method, 'POST')
})

test('a percent-encoding that is no UTF-8 (path, query name or value, form body) is refused: Go reads the raw bytes, node and werkzeug leave it encoded, the policy would read U+FFFD', () => {
  for (const path of ['/api/a%ffb', '/api/x/%c0%ae%c0%ae/admin', '/api/x%c0%afadmin', '/api/a%ed%a0%80b', '/api/%e2%82']) {
    refused(() => canonicalize('GET', path, []), 'path holds a percent-encoding that is not UTF-8')
  }
  for (const q of ['a=%ff', '%ff=1', 'a=1&b=x%c0%ae', 'a=%e2%82']) refused(() => canonicalize('GET', `/x?${q}`, []), 'query holds a percent-encoding that is not UTF-8')
  const form = (body: string) => () => checkFormBody('POST', [['Content-Type', 'application/x-www-form-urlencoded']], Buffer.from(body))
  for (const body of ['a=%ff', '%c0%ae=1', 'a=1&b=%ed%a0%80']) refused(form(body), 'form body holds a percent-encoding that is not UTF-8')
  // As in the query: a pair Go's r.ParseForm drops (a raw ;, a stray %) while the policy would read it.
  refused(form('a=1;b=2&c=3'), 'form body holds a raw `;`')
  refused(form('a=100%&c=3'), 'form body holds a stray %')
  // UTF-8, encoded or not, passes.
  assert.is(canonicalize('GET', '/api/caf%C3%A9?q=%E2%82%AC+x&r=%00', []).path, '/api/caf%C3%A9')
  form('q=%E2%82%AC&r=caf\u00e9&s=%00')()
})

test('path overrides (X-Original-URL, X-Rewrite-URL: another path served than the request line\'s) are refused, however spelled', () => {
  refused(() => canonicalize('GET', '/public', [['X-Original-URL', '/admin/delete']]), 'x-original-url')
  refused(() => canonicalize('GET', '/public', [['X_Rewrite_Url', '/admin']]), 'x-rewrite-url')
})

test('forward mode: Host, the absolute URL and the SNI must agree with the CONNECT authority', () => {
  assert.is(canonicalize('GET', '/v1', host, tunnel).path, '/v1')
  assert.is(canonicalize('GET', 'https://api.example/v1?x=1', host, tunnel).query, 'x=1')
  assert.is(canonicalize('GET', '/v1', [['Host', 'API.example:443']], { authority: 'api.example:443', sni: 'api.example' }).path, '/v1')
  refused(() => canonicalize('GET', '/v1', [['Host', 'other.example']], tunnel), 'Host other.example differs')
  refused(() => canonicalize('GET', '/v1', [['Host', 'api.example:8443']], tunnel), 'differs')
  refused(() => canonicalize('GET', '/v1', [], tunnel), 'Host is missing')
  refused(() => canonicalize('GET', '/v1', [...host, ['Host', 'api.example']], tunnel), 'Host is given more than once')
  refused(() => canonicalize('GET', 'https://other.example/v1', host, tunnel), "URL's host other.example differs")
  refused(() => canonicalize('GET', '/v1', host, { ...tunnel, sni: 'other.example' }), 'TLS server name other.example differs')
  refused(() => canonicalize('GET', 'https://api.example/v1', []), 'absolute URL was sent to the reverse proxy')
})

test('a header hoisted into the query (as a presigned URL carries it) is refused for cloud targets', () => {
  for (const query of ['x-amz-copy-source=vault%2Fsecret.csv', 'X-Amz-Copy-Source=%2Fvault%2Fsecret.csv', 'x-amz-acl=public-read', 'x-amz-grant-read=uri%3Dhttp%3A%2F%2Facs.amazonaws.com%2Fgroups%2Fglobal%2FAllUsers', 'x%2Damz%2Dacl=public-read']) {
    refused(() => canonicalize('PUT', `/drop/copy.csv?${query}`, [], undefined, 'aws'), 'reads as that header')
  }
  for (const query of ['x-goog-copy-source=%2Fvault%2Fsecret.csv', 'x-goog-acl=public-read', 'x-amz-copy-source=%2Fvault%2Fsecret.csv']) {
    refused(() => canonicalize('PUT', `/drop/copy.csv?${query}`, [], undefined, 'gcp'), 'reads as that header')
  }
  assert.is(canonicalize('GET', '/api?x-amz-acl=public-read', [], undefined, 'http').query, 'x-amz-acl=public-read', 'a plain HTTP upstream reads no such thing')
})

// The gateway signs: an agent's presigned parameters forwarded beside its signature were a second credential (and
// X-Amz-Credential named a service of its own), passed through to the upstream as they came.
test('the agent\'s own query signature (SigV4, SigV2, Google V4, a session token) is refused for cloud targets, named', () => {
  const signed = (err: HttpGatewayError, name: string) => err.status === 400 && err.code === 'http.signature_refused' && err.message.includes(name)
  const presigned = 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261130%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261130T200000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=abc&x-id=GetObject'
  assert.throws(() => canonicalize('GET', `/drop/a.csv?${presigned}`, [], undefined, 'aws'), (err: HttpGatewayError) => signed(err, 'X-Amz-Algorithm'))
  const names = ['X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Security-Token', 'X-Amz-Algorithm', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires', 'x-amz-signature', 'X%2DAmz%2DSignature', 'AWSAccessKeyId', 'Signature', 'SecurityToken', 'SignatureVersion']
  for (const name of names) {
    assert.throws(() => canonicalize('GET', `/?Action=ListUsers&${name}=x`, [], undefined, 'aws'), (err: HttpGatewayError) => signed(err, decodeURIComponent(name)), name)
  }
  for (const name of ['X-Goog-Signature', 'X-Goog-Credential', 'GoogleAccessId', 'Signature']) {
    assert.throws(() => canonicalize('GET', `/b/o?${name}=x`, [], undefined, 'gcp'), (err: HttpGatewayError) => signed(err, name), name)
  }
  assert.is(canonicalize('GET', '/b/k?versionId=3&x-id=GetObject', [], undefined, 'aws').query, 'versionId=3&x-id=GetObject')
  assert.is(canonicalize('GET', '/api?Signature=x&X-Amz-Signature=y', [], undefined, 'http').query, 'Signature=x&X-Amz-Signature=y', 'a plain HTTP upstream is signed by no gateway')
})

test.run()
