import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MAX_BODY_BYTES, MAX_YAML_BYTES, REDACTED, normalizeHttp, normalizePath, percentDecode, rawSegments, type RawHttpRequest } from './http.ts'

const get = (url: string, headers: RawHttpRequest['headers'] = {}) => normalizeHttp({ method: 'get', url, headers })
const post = (body: string | Uint8Array, contentType?: string) =>
  normalizeHttp({ method: 'POST', url: 'https://api.example.com/x', headers: contentType ? { 'Content-Type': contentType } : {}, body })

test('absolute URL: method upper-cased, scheme and host lower-cased, default port dropped, fragment ignored', () => {
  const http = normalizeHttp({ method: 'delete', url: 'HTTPS://API.Example.COM:443/v1/items?x=1#frag' })
  assert.equal(http.method, 'DELETE')
  assert.equal(http.scheme, 'https')
  assert.equal(http.host, 'api.example.com')
  assert.equal(http.path, '/v1/items')
  assert.equal(http.query, { x: ['1'] })
})

test('a non-default port is kept; http drops :80', () => {
  assert.equal(get('https://api.example.com:8443/').host, 'api.example.com:8443')
  assert.equal(get('http://api.example.com:80/').host, 'api.example.com')
  assert.equal(get('http://api.example.com:443/').host, 'api.example.com:443')
})

test('userinfo is never part of the host; a trailing dot is removed', () => {
  const http = get('https://user:secret@Example.com./a')
  assert.equal(http.host, 'example.com')
  assert.not.ok(JSON.stringify(http).includes('secret'))
})

test('origin-form takes the host from the Host header and assumes https', () => {
  const http = get('/apis/apps/v1/deployments?limit=5', { Host: 'K8S.internal:443' })
  assert.equal(http.scheme, 'https')
  assert.equal(http.host, 'k8s.internal')
  assert.equal(http.path, '/apis/apps/v1/deployments')
  assert.equal(http.query, { limit: ['5'] })
})

test('IPv6 hosts keep their brackets', () => {
  assert.equal(get('http://[::1]:8080/x').host, '[::1]:8080')
})

const paths: Array<[string, string]> = [
  ['', '/'],
  ['/', '/'],
  ['/a/b', '/a/b'],
  ['/a/b/', '/a/b/'],
  ['//a///b', '/a/b'],
  ['/a/./b/.', '/a/b/'],
  ['/a/b/../c', '/a/c'],
  ['/a/b/..', '/a/'],
  ['/../../etc/passwd', '/etc/passwd'],
  ['/a/%2e%2E/b', '/b'],
  ['/a%2F..%2Fsecret', '/secret'],
  ['/%252e%252e/x', '/%2e%2e/x'],
  ['/caf%C3%A9', '/café'],
  ['/bad%zzescape%', '/bad%zzescape%'],
  ['/half%C3', '/half\uFFFD'],
  ['relative/path', '/relative/path'],
]
for (const [raw, want] of paths) {
  test(`path ${JSON.stringify(raw)} normalizes to ${want}`, () => {
    assert.equal(normalizePath(raw), want)
  })
}

test('percentDecode decodes once and leaves stray percent signs', () => {
  assert.equal(percentDecode('a%20b%'), 'a b%')
  assert.equal(percentDecode('%25'), '%')
  assert.equal(percentDecode('%EF%BB%BFx'), '\uFEFFx')
})

test('rawSegments keeps an encoded slash inside its segment', () => {
  assert.equal(rawSegments('/b/bucket/o/a%2Fb.txt//'), ['b', 'bucket', 'o', 'a/b.txt'])
})

test('query: repeated names, + as space, names without values, credentials redacted', () => {
  const http = get('https://x.test/?a=1&a=2&q=hello+world&flag&X-Amz-Signature=abc&key=AIza&access_token=t&sig=s')
  assert.equal(http.query.a, ['1', '2'])
  assert.equal(http.query.q, ['hello world'])
  assert.equal(http.query.flag, [''])
  for (const name of ['X-Amz-Signature', 'key', 'access_token', 'sig']) assert.equal(http.query[name], [REDACTED], name)
})

test('a __proto__ query parameter is data, not a prototype', () => {
  const http = get('https://x.test/?__proto__=polluted')
  assert.equal(Object.getPrototypeOf(http.query), Object.prototype)
  assert.equal(Object.getOwnPropertyDescriptor(http.query, '__proto__')?.value, ['polluted'])
})

test('headers: allowlisted names copied lower-cased, arrays joined, credentials never copied', () => {
  const http = get('https://x.test/', {
    'Content-Type': 'application/json',
    'User-Agent': 'kubectl/1.30',
    'Impersonate-User': 'admin',
    'Impersonate-Group': ['system:masters', 'ops'],
    'Impersonate-Extra-Scopes': 'view',
    'X-Amz-Target': 'DynamoDB_20120810.Scan',
    'X-Amz-Grant-Read': 'uri=http://acs.amazonaws.com/groups/global/AllUsers',
    Authorization: 'Bearer abc',
    'Proxy-Authorization': 'Basic abc',
    Cookie: 'session=1',
    'X-Api-Key': 'k',
    'X-Amz-Security-Token': 't',
    'X-Goog-Api-Key': 'g',
    'Sec-WebSocket-Protocol': 'base64url.bearer.authorization.k8s.io.abc',
    'Impersonate-Extra-Token': 'leak',
    'X-Custom': 'not listed',
    'X-Undefined': undefined,
  })
  assert.equal(http.headers, {
    'content-type': 'application/json',
    'impersonate-extra-scopes': 'view',
    'impersonate-group': 'system:masters, ops',
    'impersonate-user': 'admin',
    'user-agent': 'kubectl/1.30',
    'x-amz-grant-read': 'uri=http://acs.amazonaws.com/groups/global/AllUsers',
    'x-amz-target': 'DynamoDB_20120810.Scan',
  })
})

test('an allowlisted header whose name looks like a credential is copied only when marked safe', () => {
  const http = get('https://x.test/', { 'X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id': 'arn:aws:kms:k' })
  assert.equal(http.headers['x-amz-server-side-encryption-aws-kms-key-id'], 'arn:aws:kms:k')
})

test('a JSON document declared a form is read as JSON (servers that ignore the type decode it so); a form stays a form', () => {
  const doc = '{"acl":[{"entity":"allUsers","role":"READER"}]}'
  assert.equal(post(doc, 'application/x-www-form-urlencoded').body, { acl: [{ entity: 'allUsers', role: 'READER' }] })
  assert.equal(post('a=1&b=2', 'application/x-www-form-urlencoded').body, { a: ['1'], b: ['2'] })
  assert.equal(post('{a=1', 'application/x-www-form-urlencoded').body, { '{a': ['1'] })
})

test('canned ACL headers (S3 x-amz-acl, Cloud Storage XML x-goog-acl) are visible to the policy', () => {
  const http = get('https://storage.googleapis.com/b/o', { 'X-Goog-Acl': 'public-read', 'x-amz-acl': 'private' })
  assert.equal([http.headers['x-goog-acl'], http.headers['x-amz-acl']], ['public-read', 'private'])
})

test('method override headers are visible to the policy', () => {
  assert.equal(get('https://x.test/', { 'X-HTTP-Method-Override': 'DELETE' }).headers['x-http-method-override'], 'DELETE')
})

test('JSON body parsed (content types json, +json, x-amz-json)', () => {
  assert.equal(post('{"a":[1,2]}', 'application/json; charset=utf-8').body, { a: [1, 2] })
  assert.equal(post('{"spec":{}}', 'application/merge-patch+json').body, { spec: {} })
  assert.equal(post('{"TableName":"t"}', 'application/x-amz-json-1.0').body, { TableName: 't' })
  assert.equal(post(new TextEncoder().encode('\uFEFF{"b":true}'), 'application/json').body, { b: true })
})

test('a body that looks like JSON is parsed whatever the content type says', () => {
  assert.equal(post('  [1]', undefined).body, [1])
  assert.equal(post('{"x":1}', 'text/plain').body, { x: 1 })
})

test('invalid JSON ⇒ body_error, no body, and the error does not echo the body', () => {
  const http = post('{"password":"hunter2",', 'application/json')
  assert.equal(http.body, undefined)
  assert.match(http.body_error ?? '', /invalid JSON/)
  assert.not.ok(http.body_error?.includes('hunter2'))
})

test('form body ⇒ object of arrays', () => {
  assert.equal(post('Action=AttachRolePolicy&RoleName=admin&RoleName=b&x=a+b', 'application/x-www-form-urlencoded').body, {
    Action: ['AttachRolePolicy'], RoleName: ['admin', 'b'], x: ['a b'],
  })
})

test('YAML body (server-side apply) parsed; multi-document ⇒ body_error', () => {
  assert.equal(post('kind: Pod\nspec:\n  hostPID: true\n', 'application/apply-patch+yaml').body, { kind: 'Pod', spec: { hostPID: true } })
  assert.match(post('a: 1\n---\nb: 2\n', 'application/yaml').body_error ?? '', /invalid YAML/)
})

test('a YAML alias bomb ⇒ body_error', () => {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
  for (let i = 0; i < 9; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)
  const http = post(lines.join('\n'), 'application/yaml')
  assert.equal(http.body, undefined)
  assert.match(http.body_error ?? '', /invalid YAML body/)
})

test('YAML duplicate keys ⇒ body_error (last-wins would hide the first value from the policy)', () => {
  assert.match(post('a: 1\na: 2\n', 'application/yaml').body_error ?? '', /invalid YAML body/)
})

test(`YAML past ${MAX_YAML_BYTES} bytes is not parsed on the socket thread: body_error with the reason (60,000 keys took 42 s)`, () => {
  const text = Array.from({ length: 60_000 }, (_, i) => `k${i}: v`).join('\n')
  const http = post(text, 'application/yaml')
  assert.equal(http.body, undefined)
  assert.is(http.body_error, `YAML body too large to inspect: ${text.length} bytes exceeds the ${MAX_YAML_BYTES}-byte limit for YAML (send it as JSON)`)
})

test('JSON sent as YAML (kubectl apply --server-side) is read as JSON, at any size the body limit allows; its duplicate keys still refused', () => {
  const doc = { apiVersion: 'v1', kind: 'ConfigMap', data: Object.fromEntries(Array.from({ length: 30_000 }, (_, i) => [`k${i}`, 'v'])) }
  const http = post(JSON.stringify(doc), 'application/apply-patch+yaml')
  assert.is(http.body_error, undefined)
  assert.is(Object.keys((http.body as typeof doc).data).length, 30_000)
  assert.match(post('{"spec":{"hostPID":true},"spec":{}}', 'application/yaml').body_error ?? '', /names one key twice/)
})

test('YAML duplicate keys are found in linear time, at their line, in any mapping; keys compared as the policy reads them', () => {
  const lines = Array.from({ length: 2_000 }, (_, i) => `k${i}: v`)
  assert.is(post(lines.join('\n'), 'application/yaml').body_error, undefined)
  assert.is(post([...lines, 'inner:', '  a: 1', '  b: 1', '  a: 2'].join('\n'), 'application/yaml').body_error, `invalid YAML body: DUPLICATE_KEY at line ${lines.length + 4}`)
  assert.is(post('a: {x: 1, y: 1}\nb: {x: 1}', 'application/yaml').body_error, undefined)
  assert.is(post('"1": a\n1: b', 'application/yaml').body_error, 'invalid YAML body: DUPLICATE_KEY at line 2', 'both are the key "1" to the policy')
})

test('JSON duplicate keys ⇒ body_error (Go merges a struct named twice; the policy would read only the last)', () => {
  assert.match(post('{"spec":{"hostPID":true},"spec":{}}', 'application/json').body_error ?? '', /names one key twice/)
  assert.match(post('{"a":1,"\\u0061":2}', 'application/x-www-form-urlencoded').body_error ?? '', /names one key twice/)
  assert.equal(post('{"a":{"b":1},"c":{"b":2}}', 'application/json').body, { a: { b: 1 }, c: { b: 2 } })
})

test('a multipart/related upload ⇒ its first part, the JSON metadata, is the body; the media is not read', () => {
  const related = (meta: string, type = 'application/json; charset=UTF-8', eol = '\r\n') =>
    `--b1${eol}Content-Type: ${type}${eol}${eol}${meta}${eol}--b1${eol}content-type: application/octet-stream${eol}${eol}\u0000\u00ff{not json${eol}--b1--${eol}`
  const meta = '{"name":"x.txt","acl":[{"entity":"allUsers","role":"READER"}]}'
  assert.equal(post(related(meta), 'multipart/related; boundary=b1').body, { name: 'x.txt', acl: [{ entity: 'allUsers', role: 'READER' }] })
  assert.equal(post(related(meta), 'Multipart/Related; boundary="b1"').body, { name: 'x.txt', acl: [{ entity: 'allUsers', role: 'READER' }] })
  const python = '===============7330845974216740156=='
  assert.equal(post(related(meta).replaceAll('b1', python), `multipart/related; boundary="${python}"; charset=utf-8`).body, { name: 'x.txt', acl: [{ entity: 'allUsers', role: 'READER' }] })
  assert.match(post(related('{"a":1,"a":2}'), 'multipart/related; boundary=b1').body_error ?? '', /names one key twice/)
  // Whatever another parser could read as other metadata is unread (a write with it is held by the policy).
  for (const [body, type] of [
    [related(meta), 'multipart/related'],
    [related(meta), 'multipart/related; boundary=b1; start="<media>"'],
    [related(meta, 'text/plain'), 'multipart/related; boundary=b1'],
    [related(meta, 'application/json', '\n'), 'multipart/related; boundary=b1'],
    [`--b1\r\n\r\nx\r\n${related(meta)}`, 'multipart/related; boundary=b1'],
    // Go's readers take a boundary of any length, or the second of two; this one cut at 70 was read as b1.
    [related(meta), `multipart/related; boundary=b1${'x'.repeat(69)}`],
    [related(meta), 'multipart/related; boundary=b1; boundary=b2'],
    [related(meta), "multipart/related; boundary=b1; boundary*=utf-8''b2"],
    [related(meta), 'multipart/related; boundary="b1\\"x"'],
  ] as const) assert.match(post(body, type).body_error ?? '', /^multipart\/related body: /, `${type}: ${body.slice(0, 40)}`)
})

test('other content types ⇒ body_error only when the body is non-empty', () => {
  const binary = post(new Uint8Array([0, 1, 2]), 'application/octet-stream')
  assert.equal(binary.body, undefined)
  assert.match(binary.body_error ?? '', /unsupported content type application\/octet-stream/)
  assert.match(post('hello', undefined).body_error ?? '', /unsupported content type \(none given\)/)
  const empty = post('', 'application/octet-stream')
  assert.equal('body' in empty || 'body_error' in empty, false)
})

test('invalid UTF-8 in a JSON body ⇒ body_error', () => {
  assert.equal(post(new Uint8Array([0x7b, 0xff, 0x7d]), 'application/json').body_error, 'body is not valid UTF-8')
})

test('bodies over 1 MiB ⇒ body too large, counted in bytes', () => {
  assert.match(post('x'.repeat(MAX_BODY_BYTES + 1), 'application/json').body_error ?? '', /body too large/)
  assert.match(post('é'.repeat(MAX_BODY_BYTES / 2 + 1), 'application/json').body_error ?? '', /body too large/)
  assert.equal(post(`"${'x'.repeat(MAX_BODY_BYTES - 2)}"`, 'application/json').body_error, undefined)
})

test('a target limit (maxBodyBytes) replaces the 1 MiB default', () => {
  const doc = JSON.stringify({ pad: 'x'.repeat(2 * MAX_BODY_BYTES) })
  const at = (maxBodyBytes: number) => normalizeHttp({ method: 'POST', url: 'https://api.example.com/x', headers: { 'content-type': 'application/json' }, body: doc, maxBodyBytes })
  assert.equal(at(4 * MAX_BODY_BYTES).body, JSON.parse(doc))
  assert.match(at(1000).body_error ?? '', /body too large: \d+ bytes exceeds the 1000-byte limit/)
})

test('a body the frontend streamed unread ⇒ body_error saying so, and no body', () => {
  const cmd = normalizeHttp({ method: 'PUT', url: 'https://s3.amazonaws.com/b/k', headers: { 'content-length': '5242880', 'x-amz-decoded-content-length': '5242880' }, bodyNotRead: 'an object upload streamed to the upstream' })
  assert.is(cmd.body, undefined)
  assert.is(cmd.body_error, 'body not read: an object upload streamed to the upstream')
  assert.is(cmd.headers['x-amz-decoded-content-length'], '5242880')
})

test('a deeply nested body ⇒ body_error instead of a document that overflows its consumers', () => {
  const deep = '['.repeat(10_000) + ']'.repeat(10_000)
  assert.match(post(deep, 'application/json').body_error ?? '', /nested deeper/)
})

test('never throws on garbage', () => {
  const weird = [
    { method: '', url: '' },
    { method: 'GET', url: '::::' },
    { method: 'GET', url: 'http://' },
    { method: 'GET', url: '%', headers: { host: '%zz' } },
  ]
  for (const req of weird) assert.type(normalizeHttp(req as RawHttpRequest).path, 'string')
})

test('a body carrying mask output is marked; one without it has no such field', () => {
  const marked = post('{"spec":{"template":{"spec":{"containers":[{"env":[{"name":"DB_URL","value":"[redacted]"}]}]}}}}', 'application/strategic-merge-patch+json')
  assert.is(marked.carries_mask_output, true)
  assert.is(post('Name: x\nValue: "************4242"\n', 'application/apply-patch+yaml').carries_mask_output, true)
  assert.is(post('Value=h%3A0123456789abcdef', 'application/x-www-form-urlencoded').carries_mask_output, true)
  const plain = post('{"pattern":"*.txt","note":"[INFO] a * b"}', 'application/json')
  assert.not.ok('carries_mask_output' in plain)
  // A body Warden does not parse (S3's XML) is read as text.
  const xml = post('<Tagging><TagSet><Tag><Key>owner</Key><Value>[email]</Value></Tag></TagSet></Tagging>', 'application/xml')
  assert.match(xml.body_error ?? '', /^unsupported content type/)
  assert.is(xml.carries_mask_output, true)
  assert.not.ok('carries_mask_output' in post('<Tagging><Value>*.txt</Value></Tagging>', 'application/xml'))
})

test('a multipart/related upload carrying mask output in its media (not its metadata) is marked', () => {
  const related = (meta: string, media: string) => `--b1\r\ncontent-type: application/json\r\n\r\n${meta}\r\n--b1\r\ncontent-type: text/plain\r\n\r\n${media}\r\n--b1--\r\n`
  assert.is(post(related('{"name":"a.env"}', 'DB_PASSWORD=[redacted]\n'), 'multipart/related; boundary=b1').carries_mask_output, true)
  assert.is(post(related('{"name":"a.env"', 'DB_PASSWORD=[redacted]\n'), 'multipart/related; boundary=b1').carries_mask_output, true)
  assert.not.ok('carries_mask_output' in post(related('{"name":"a.env"}', 'LOG_LEVEL=info\n'), 'multipart/related; boundary=b1'))
})

test('a protobuf body (not UTF-8) carrying a partial mask after a length byte is marked', () => {
  const body = new Uint8Array(Buffer.concat([Buffer.from('k8s\x00\x0a\x02v1\x12\x06Secret'), Buffer.from([0xff, 0x10]), Buffer.from('************4242')]))
  const http = post(body, 'application/vnd.kubernetes.protobuf')
  assert.match(http.body_error ?? '', /^unsupported content type/)
  assert.is(http.carries_mask_output, true)
})

test('mask output in a stored header (object metadata, tags) or a query value is marked, an upload\'s too', () => {
  const put = (headers: Record<string, string>, url = 'https://s3.amazonaws.com/b/k', bodyNotRead?: string) =>
    normalizeHttp({ method: 'PUT', url, headers, body: bodyNotRead ? undefined : '', bodyNotRead })
  assert.is(put({ 'x-amz-meta-owner': '[email]', 'x-amz-metadata-directive': 'REPLACE' }).carries_mask_output, true)
  assert.is(put({ 'x-amz-meta-owner': '=?UTF-8?B?W2VtYWlsXQ==?=' }).carries_mask_output, true)
  assert.is(put({ 'x-amz-tagging': 'owner=%5Bemail%5D&team=pay' }).carries_mask_output, true)
  assert.is(put({ 'x-goog-meta-card': '************4242' }, 'https://storage.googleapis.com/b/k', 'object upload').carries_mask_output, true)
  assert.is(put({}, 'https://api.example.com/users/1?email=%5Bemail%5D').carries_mask_output, true)
  const plain = put({ accept: '*/*', 'x-amz-meta-glob': '*.txt', 'x-amz-tagging': 'a=b' }, 'https://api.example.com/x?token=abc&q=*.txt')
  assert.equal(plain.query.token, ['[redacted]'])
  assert.not.ok('carries_mask_output' in plain)
})

test('a Secret whose data is base64 of mask output is marked, as YAML text or !!binary', () => {
  const b64 = Buffer.from('[redacted]').toString('base64')
  assert.is(post(`kind: Secret\ndata:\n  password: ${b64}\n`, 'application/yaml').carries_mask_output, true)
  assert.is(post(`kind: Secret\ndata:\n  password: !!binary ${b64}\n`, 'application/yaml').carries_mask_output, true)
  const plain = Buffer.from('hunter2hunter2').toString('base64')
  assert.not.ok('carries_mask_output' in post(`kind: Secret\ndata:\n  password: ${plain}\n`, 'application/yaml'))
})

test('YAML merge keys are folded in as the apiserver folds them; a key set before a merge that brings it in is refused', () => {
  assert.equal(post("spec:\n  <<: {externalIPs: ['10.0.0.1']}\n  type: ClusterIP", 'application/yaml').body, { spec: { externalIPs: ['10.0.0.1'], type: 'ClusterIP' } })
  assert.equal(post('d: &d {a: 1, b: 2}\ns:\n  <<: [*d, {a: 3, c: 4}]\n  b: 5', 'application/apply-patch+yaml').body, { d: { a: 1, b: 2 }, s: { a: 1, b: 5, c: 4 } })
  assert.equal(post('"<<": {a: 1}', 'application/yaml').body, { '<<': { a: 1 } }, 'a quoted << is a plain key')
  assert.match(post('s:\n  a: 1\n  <<: {a: 2}', 'application/yaml').body_error ?? '', 'merge key (<<) at line 3 brings in "a", which the mapping sets before it')
  assert.match(post('d: &d {<<: {a: 2}}\ns:\n  a: 1\n  <<: *d', 'application/yaml').body_error ?? '', 'brings in "a"')
  const fan = ['a0: &a0 {k: 1}', ...Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} {<<: [${Array(12).fill(`*a${i}`).join(', ')}]}`), 'x: {<<: *a8}'].join('\n')
  assert.match(post(fan, 'application/yaml').body_error ?? '', /merge keys|aliases/)
})

test.run()
