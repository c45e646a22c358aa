// The crafted requests of the HTTP differential check. Each is one raw HTTP/1.1 request, written as latin1 (a
// character below U+0100 is one byte: '\u00c3\u00a9' sends the UTF-8 of é); the harness adds the
// Host (unless the case gives its own), the agent's credential, an X-Request-Id and Connection: close.
// `expect`: 'refused' when the gateway must answer 400 without forwarding, 'agree' when it must forward and every
// upstream must read what was judged; 'either' when forwarding is fine as long as they agree.

export interface DiffCase {
  name: string
  method?: string
  /** Origin-form target after the reverse prefix (/t/<name>), or the whole target in a tunnel. */
  target?: string
  /** The whole request line, for absolute-form targets and odd lines. */
  line?: (p: { prefix: string; authority: string }) => string
  /** Host header values ($AUTHORITY: the one the mode expects); the harness's one Host when absent. */
  host?: string[]
  headers?: string[]
  body?: string
  expect: 'refused' | 'agree' | 'either'
  /** The target's kind: 'gcp' sends it (reverse mode only) to a Cloud Storage target, whose object names may hold %2F. */
  kind?: 'gcp'
}

const json = (body: string, extra: string[] = []): Pick<DiffCase, 'method' | 'headers' | 'body'> =>
  ({ method: 'POST', headers: ['Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body, 'latin1')}`, ...extra], body })

const form = (body: string): Pick<DiffCase, 'method' | 'headers' | 'body'> =>
  ({ method: 'POST', headers: ['Content-Type: application/x-www-form-urlencoded', `Content-Length: ${body.length}`], body })

export const cases: DiffCase[] = [
  // Controls.
  { name: 'plain GET', target: '/api/items?limit=5', expect: 'agree' },
  { name: 'plain JSON POST', target: '/api/items', ...json('{"name":"a"}'), expect: 'agree' },

  // Percent-encoding in the path.
  { name: 'encoded slash %2F', target: '/api/a%2Fb', expect: 'refused' },
  { name: 'encoded dot segment %2e%2e', target: '/api/x/%2e%2e/admin', expect: 'refused' },
  { name: 'encoded dot segment %2E%2E (upper)', target: '/api/x/%2E%2E/admin', expect: 'refused' },
  { name: 'encoded NUL %00', target: '/api/a%00b', expect: 'either' },
  { name: 'overlong UTF-8 dot-dot %c0%ae%c0%ae', target: '/api/x/%c0%ae%c0%ae/admin', expect: 'refused' },
  { name: 'overlong UTF-8 slash %c0%af', target: '/api/x%c0%afadmin', expect: 'refused' },
  { name: 'invalid UTF-8 %ff', target: '/api/a%ffb', expect: 'refused' },
  { name: 'lone surrogate %ed%a0%80', target: '/api/a%ed%a0%80b', expect: 'refused' },
  { name: 'lowercase hex %6c', target: '/api/%6cist', expect: 'agree' },
  { name: 'IIS %u encoding', target: '/api/%u002e%u002e/admin', expect: 'refused' },
  { name: 'double encoding %252e%252e', target: '/api/x/%252e%252e/admin', expect: 'either' },
  { name: 'encoded backslash %5c', target: '/api/x%5c..%5cadmin', expect: 'refused' },

  { name: 'encoded ? and # in the path', target: '/api/a%3Fb%23c', expect: 'agree' },
  { name: 'encoded % in the path (%25)', target: '/api/a%252e', expect: 'agree' },
  { name: 'raw quote, braces and pipe in the path', target: '/api/a"{|}^`b', expect: 'either' },
  { name: 'half dot segment .%2e', target: '/api/x/.%2e/admin', expect: 'refused' },
  { name: 'encoded dot %2e alone', target: '/api/x/%2e/admin', expect: 'refused' },

  { name: 'Cloud Storage object name with %2F', kind: 'gcp', target: '/storage/v1/b/bkt/o/dir%2Ffile.txt', expect: 'agree' },
  { name: 'Cloud Storage folder object, an empty one named dir/ (trailing %2F)', kind: 'gcp', target: '/storage/v1/b/bkt/o/dir%2F', expect: 'agree' },
  { name: 'Cloud Storage object name ..%2F into another bucket', kind: 'gcp', target: '/storage/v1/b/bkt/o/a%2F..%2F..%2F..%2Fother%2Fo%2Fsecret', expect: 'refused' },
  { name: 'Cloud Storage object name with %2F%2F', kind: 'gcp', target: '/download/storage/v1/b/bkt/o/a%2F%2Fb?alt=media', expect: 'refused' },
  { name: 'Cloud Storage object name starting with %2F', kind: 'gcp', target: '/storage/v1/b/bkt/o/%2Fpublic%2Fx', expect: 'refused' },

  // `;` parameters.
  { name: '; parameter in a segment', target: '/api/items;jsessionid=1/7', expect: 'either' },
  { name: '..; segment', target: '/api/public/..;/admin', expect: 'refused' },
  { name: '; as a query separator', target: '/api/items?a=1;b=2', expect: 'refused' },

  // `+`, repeated, empty and bare keys.
  { name: '+ vs %20 in the query', target: '/api/search?q=a+b&r=a%20b', expect: 'agree' },
  { name: '+ in the path', target: '/api/a+b', expect: 'agree' },
  { name: 'repeated key', target: '/api/items?id=1&id=2', expect: 'refused' },
  { name: 'repeated key, one encoded', target: '/api/items?id=1&%69d=2', expect: 'refused' },
  { name: 'empty key', target: '/api/items?=x&a=1', expect: 'either' },
  { name: 'empty pairs', target: '/api/items?&&a=1&', expect: 'agree' },
  { name: 'key without =', target: '/api/items?flag&a=1', expect: 'agree' },
  { name: 'empty value', target: '/api/items?a=', expect: 'agree' },
  { name: 'encoded & in a value', target: '/api/items?a=1%26b%3D2', expect: 'agree' },
  { name: 'encoded = in a key', target: '/api/items?a%3Db=1', expect: 'agree' },
  { name: 'stray % in the query', target: '/api/items?a=100%', expect: 'refused' },
  { name: 'invalid UTF-8 in a query value', target: '/api/items?a=%ff', expect: 'refused' },
  { name: 'invalid UTF-8 in a query key', target: '/api/items?%ff=1', expect: 'refused' },
  { name: 'NUL in a query value', target: '/api/items?a=%00', expect: 'agree' },
  { name: 'encoded + in the query (%2B)', target: '/api/items?q=a%2Bb', expect: 'agree' },
  { name: 'raw quote, angle brackets and braces in the query', target: '/api/items?q="<a>{b}|`', expect: 'either' },
  { name: 'keys differing in case', target: '/api/items?ID=1&id=2', expect: 'agree' },
  { name: 'repeated key without =', target: '/api/items?a&a', expect: 'refused' },
  { name: 'second ? in the query', target: '/api/items?a=1?b=2', expect: 'agree' },

  // Fragments, backslashes, absolute form, `//` and dot segments, raw non-ASCII.
  { name: 'fragment', target: '/api/items#frag', expect: 'refused' },
  { name: 'raw backslash', target: '/api/x\\..\\admin', expect: 'refused' },
  { name: 'absolute-form target', line: ({ prefix, authority }) => `GET http://${authority}${prefix}/api/items HTTP/1.1`, expect: 'either' },
  { name: 'absolute-form target, other host', line: ({ prefix }) => `GET http://evil.example${prefix}/api/items HTTP/1.1`, expect: 'refused' },
  { name: 'asterisk-form target', line: () => 'OPTIONS * HTTP/1.1', expect: 'refused' },
  { name: 'empty segment //', target: '/api//admin', expect: 'refused' },
  { name: 'leading //', target: '//api/admin', expect: 'refused' },
  { name: 'dot segment /./', target: '/api/./admin', expect: 'refused' },
  { name: 'dot-dot segment /../', target: '/api/x/../admin', expect: 'refused' },
  { name: 'trailing dot segment', target: '/api/admin/.', expect: 'refused' },
  { name: 'raw non-ASCII byte in the path', target: '/api/caf\u00e9', expect: 'refused' },
  { name: 'raw UTF-8 bytes in the path', target: '/api/caf\u00c3\u00a9', expect: 'refused' },
  { name: 'raw DEL byte in the path', target: '/api/a\u007fb', expect: 'refused' },
  { name: 'raw non-ASCII byte in the query', target: '/api/items?q=caf\u00e9', expect: 'refused' },
  { name: 'tab in the request line', line: ({ prefix }) => `GET\t${prefix}/api/items HTTP/1.1`, expect: 'refused' },
  { name: 'two spaces in the request line', line: ({ prefix }) => `GET  ${prefix}/api/items HTTP/1.1`, expect: 'either' },
  { name: 'HTTP/1.2 request line', line: ({ prefix }) => `GET ${prefix}/api/items HTTP/1.2`, expect: 'either' },
  { name: 'absolute-form https target', line: ({ prefix, authority }) => `GET https://${authority}${prefix}/api/items?a=1 HTTP/1.1`, expect: 'either' },
  { name: 'absolute-form target, upper-case host', line: ({ prefix, authority }) => `GET http://${authority.toUpperCase()}${prefix}/api/items HTTP/1.1`, expect: 'either' },
  { name: 'absolute-form target with userinfo', line: ({ prefix, authority }) => `GET http://user@${authority}${prefix}/api/items HTTP/1.1`, expect: 'either' },
  { name: 'unknown method token', method: 'PURGE', target: '/api/items', expect: 'either' },
  { name: 'lowercase method', method: 'get', target: '/api/items', expect: 'refused' },

  // Long lines.
  { name: 'long path (8 KiB)', target: `/api/${'a'.repeat(8192)}`, expect: 'either' },
  { name: 'long query (8 KiB)', target: `/api/items?q=${'a'.repeat(8192)}`, expect: 'either' },
  { name: 'long path (64 KiB)', target: `/api/${'a'.repeat(65536)}`, expect: 'either' },
  { name: 'long header (12 KiB)', target: '/api/items', headers: [`X-Long: ${'a'.repeat(12288)}`], expect: 'either' },

  // Body framing.
  { name: 'chunked JSON body', target: '/api/items', method: 'POST', headers: ['Content-Type: application/json', 'Transfer-Encoding: chunked'], body: 'c\r\n{"name":"a"}\r\n0\r\n\r\n', expect: 'agree' },
  { name: 'chunked with a chunk extension', target: '/api/items', method: 'POST', headers: ['Content-Type: application/json', 'Transfer-Encoding: chunked'], body: 'c;ext=1\r\n{"name":"a"}\r\n0\r\n\r\n', expect: 'either' },
  { name: 'chunked with trailers', target: '/api/items', method: 'POST', headers: ['Content-Type: application/json', 'Transfer-Encoding: chunked'], body: 'c\r\n{"name":"a"}\r\n0\r\nX-Http-Method-Override: DELETE\r\n\r\n', expect: 'either' },
  { name: 'Transfer-Encoding: Chunked (case)', target: '/api/items', method: 'POST', headers: ['Content-Type: application/json', 'Transfer-Encoding: Chunked'], body: 'c\r\n{"name":"a"}\r\n0\r\n\r\n', expect: 'agree' },
  { name: 'chunk size with leading zeros', target: '/api/items', method: 'POST', headers: ['Content-Type: application/json', 'Transfer-Encoding: chunked'], body: '000c\r\n{"name":"a"}\r\n0\r\n\r\n', expect: 'either' },
  { name: 'Content-Length with leading zeros', target: '/api/items', method: 'POST', headers: ['Content-Type: application/json', 'Content-Length: 0012'], body: '{"name":"a"}', expect: 'either' },
  { name: 'body longer than Content-Length (pipelined rest)', target: '/api/items', method: 'POST', headers: ['Content-Type: application/json', 'Content-Length: 7'], body: '{"a":1}GET /admin HTTP/1.1\r\nHost: x\r\n\r\n', expect: 'either' },
  { name: 'Content-Length and Transfer-Encoding', target: '/api/items', method: 'POST', headers: ['Content-Type: application/json', 'Content-Length: 4', 'Transfer-Encoding: chunked'], body: 'c\r\n{"name":"a"}\r\n0\r\n\r\n', expect: 'refused' },
  { name: 'two Content-Lengths', target: '/api/items', method: 'POST', headers: ['Content-Type: application/json', 'Content-Length: 12', 'Content-Length: 2'], body: '{"name":"a"}', expect: 'refused' },
  { name: 'Content-Length list', target: '/api/items', method: 'POST', headers: ['Content-Type: application/json', 'Content-Length: 12, 12'], body: '{"name":"a"}', expect: 'refused' },
  { name: 'Content-Length with a sign', target: '/api/items', method: 'POST', headers: ['Content-Type: application/json', 'Content-Length: +12'], body: '{"name":"a"}', expect: 'refused' },
  { name: 'Transfer-Encoding: gzip, chunked', target: '/api/items', method: 'POST', headers: ['Content-Type: application/json', 'Transfer-Encoding: gzip, chunked'], body: '0\r\n\r\n', expect: 'refused' },
  { name: 'Transfer-Encoding: chunked twice', target: '/api/items', method: 'POST', headers: ['Content-Type: application/json', 'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], body: 'c\r\n{"name":"a"}\r\n0\r\n\r\n', expect: 'refused' },
  { name: 'Transfer-Encoding: xchunked', target: '/api/items', method: 'POST', headers: ['Content-Type: application/json', 'Transfer-Encoding: xchunked'], body: '0\r\n\r\n', expect: 'refused' },
  { name: 'Transfer-Encoding with a space before the colon', target: '/api/items', method: 'POST', headers: ['Content-Type: application/json', 'Transfer-Encoding : chunked', 'Content-Length: 12'], body: '{"name":"a"}', expect: 'refused' },
  { name: 'GET with a body', target: '/api/items', ...json('{"name":"a"}'), method: 'GET', expect: 'agree' },
  { name: 'form body', target: '/api/items', ...form('a=1&b=x+y%21'), expect: 'agree' },
  { name: 'form body with invalid UTF-8 in a value', target: '/api/items', ...form('a=%ff'), expect: 'refused' },
  { name: 'form body with an overlong UTF-8 name', target: '/api/items', ...form('%c0%ae=1'), expect: 'refused' },
  { name: 'form body with a ; in a pair', target: '/api/items', ...form('a=1;b=2&c=3'), expect: 'refused' },
  { name: 'form body with a stray %', target: '/api/items', ...form('a=100%&c=3'), expect: 'refused' },
  { name: 'form body with a key without =', target: '/api/items', ...form('flag&c=3'), expect: 'either' },
  { name: 'form body with an empty key', target: '/api/items', ...form('=x&c=3'), expect: 'either' },
  { name: 'form body with a NUL', target: '/api/items', ...form('a=%00&c=3'), expect: 'either' },
  { name: 'form body with a raw non-ASCII value', target: '/api/items', method: 'POST', headers: ['Content-Type: application/x-www-form-urlencoded', 'Content-Length: 6'], body: 'a=caf\u00c3\u00a9', expect: 'either' },
  { name: 'form body with a repeated key', target: '/api/items', method: 'POST', headers: ['Content-Type: application/x-www-form-urlencoded', 'Content-Length: 7'], body: 'a=1&a=2', expect: 'agree' },
  { name: 'JSON body with a duplicate key', target: '/api/items', ...json('{"a":1,"a":2}'), expect: 'either' },
  { name: 'Content-Type with parameters and case', target: '/api/items', ...json('{"a":1}'), headers: ['Content-Type: Application/JSON; charset=utf-8', 'Content-Length: 7'], expect: 'agree' },
  { name: 'two Content-Types', target: '/api/items', method: 'POST', headers: ['Content-Type: application/json', 'Content-Type: text/plain', 'Content-Length: 7'], body: '{"a":1}', expect: 'either' },
  { name: 'two Content-Types, a form first', target: '/api/items', method: 'POST', headers: ['Content-Type: application/x-www-form-urlencoded', 'Content-Type: text/plain', 'Content-Length: 18'], body: 'a=1&_method=DELETE', expect: 'either' },
  { name: 'two x-amz-acl headers', target: '/api/items', method: 'PUT', headers: ['x-amz-acl: public-read', 'x-amz-acl: private'], expect: 'either' },

  // Header syntax.
  { name: 'header folding (obs-fold)', target: '/api/items', headers: ['X-Http-Method-Override: GET', ' DELETE'], expect: 'refused' },
  { name: 'whitespace before the colon', target: '/api/items', headers: ['X-Http-Method-Override : DELETE'], expect: 'refused' },
  { name: 'method override by header', method: 'GET', target: '/api/items', headers: ['X-HTTP-Method-Override: DELETE'], expect: 'refused' },
  { name: 'h2c upgrade', target: '/api/items', headers: ['Connection: Upgrade, HTTP2-Settings', 'Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA'], expect: 'refused' },
  { name: 'Content-Type with leading whitespace and upper case', target: '/api/items', ...json('{"a":1}'), headers: ['Content-Type:    APPLICATION/JSON', 'Content-Length: 7'], expect: 'agree' },
  { name: 'x-amz-acl spelled with underscores', target: '/api/items', method: 'PUT', headers: ['X_Amz_Acl: public-read'], expect: 'either' },
  { name: 'Content-Type spelled with an underscore', target: '/api/items', method: 'POST', headers: ['Content_Type: application/json', 'Content-Length: 7'], body: '{"a":1}', expect: 'either' },
  { name: 'Impersonate-User spelled with an underscore', target: '/api/items', headers: ['Impersonate_User: system:admin'], expect: 'either' },
  { name: 'duplicate Host', target: '/api/items', host: ['$AUTHORITY', 'evil.example'], expect: 'refused' },
  { name: 'missing Host', target: '/api/items', host: [], expect: 'either' },
  { name: 'Host with a path', target: '/api/items', host: ['$AUTHORITY/x'], expect: 'either' },
  { name: 'NUL in a header value', target: '/api/items', headers: ['X-Note: a\u0000b'], expect: 'refused' },
  { name: 'bare LF line ending', line: ({ prefix }) => `GET ${prefix}/api/items HTTP/1.1\nX-Http-Method-Override: DELETE`, expect: 'refused' },
  { name: 'HTTP/1.0 request', line: ({ prefix }) => `GET ${prefix}/api/items HTTP/1.0`, expect: 'either' },
  { name: 'Expect: 100-continue', target: '/api/items', ...json('{"a":1}', ['Expect: 100-continue']), expect: 'either' },
]
