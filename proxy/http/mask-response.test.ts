// readAll: the whole body of an upstream response, or a rejection that says why it could not be read whole.
import { generateKeyPairSync } from 'node:crypto'
import { gunzipSync, gzipSync } from 'node:zlib'
import { PassThrough, Readable } from 'node:stream'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { deepFreeze } from '../../engine/deep-freeze.ts'
import type { MaskObligation } from '../../engine/types.ts'
import { jsonMasker } from '../../engine/obligations/index.ts'
import { bodyMasks, maskLines, maskWholeBody, readAll, utf8ContentType } from './mask-response.ts'
import type { UpstreamResponse } from './upstream.ts'

/** The rejection of `p` (fails when it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected a rejection')
}

const response = (stream: Readable) => Object.assign(stream, { statusCode: 200, headers: {} }) as UpstreamResponse

test('every chunk, in order; `first` sees the first one', async () => {
  const seen: string[] = []
  const body = await readAll(response(Readable.from([Buffer.from('{"a":'), Buffer.from('1'), Buffer.from('}')])), (c) => seen.push(c.toString()))
  assert.is(body.toString(), '{"a":1}')
  assert.equal(seen, ['{"a":'])
})

test('`first` throwing stops the read, destroys the stream and rejects with its error', async () => {
  const stream = new PassThrough()
  stream.write('\u0000binary')
  const read = readAll(response(stream), () => { throw new Error('binary refused') })
  assert.is((await rejection(read)).message, 'binary refused')
  assert.ok(stream.destroyed)
})

test('a stream that fails rejects with its error; one that closes before its end rejects as a premature close', async () => {
  const failing = new PassThrough()
  const a = readAll(response(failing))
  failing.write('part')
  failing.destroy(new Error('upstream reset'))
  assert.is((await rejection(a)).message, 'upstream reset')
  const cut = new PassThrough()
  const b = readAll(response(cut))
  cut.write('part')
  cut.destroy()
  assert.is((await rejection(b)).code, 'ERR_STREAM_PREMATURE_CLOSE')
  const gone = new PassThrough()
  gone.destroy()
  assert.is((await rejection(readAll(response(gone)))).code, 'ERR_STREAM_PREMATURE_CLOSE')
})

test('a finished read leaves no listener of its own on the stream but the one that swallows late errors', async () => {
  const stream = response(Readable.from([Buffer.from('{}')]))
  await readAll(stream)
  assert.equal(['data', 'end', 'close'].map((e) => stream.listenerCount(e)), [0, 0, 0])
  assert.is(stream.listenerCount('error'), 1)
})

const KEY = new Uint8Array(32).fill(3)
const DOC = { a: 'alpha-value', b: 'beta-value', c: 'jane@example.com' }
async function masked(obligations: MaskObligation[]): Promise<Record<string, string>> {
  const res = Object.assign(Readable.from([Buffer.from(JSON.stringify(DOC))]), { statusCode: 200, headers: { 'content-type': 'application/json' } }) as UpstreamResponse
  const out = await maskWholeBody(res, bodyMasks(obligations), KEY)
  return JSON.parse(Buffer.from(out.body as Uint8Array).toString())
}

test('obligations that can change are read afresh for every response; a frozen list masks exactly as a fresh copy', async () => {
  const list: MaskObligation[] = [{ path: 'a', strategy: 'redact' }]
  const first = await masked(list)
  assert.is.not(first.a, DOC.a)
  assert.is(first.b, DOC.b)
  list.push({ path: 'b', strategy: 'redact' })
  assert.is.not((await masked(list)).b, DOC.b, 'the list grew: its new rule applies')

  const obligation: MaskObligation = { path: 'a', strategy: 'redact' }
  const frozenList = Object.freeze([obligation]) as MaskObligation[]
  assert.is.not((await masked(frozenList)).a, DOC.a)
  obligation.path = 'b'
  const changed = await masked(frozenList)
  assert.equal([changed.a, changed.b === DOC.b], [DOC.a, false], 'a frozen list of obligations that can still change is read again')

  const cached = deepFreeze([{ path: 'a', strategy: 'hash' }, { detector: 'email' }, { rule: 'no-op' }] as MaskObligation[])
  assert.ok(bodyMasks(cached) === bodyMasks(cached), 'one body-mask list per cached decision')
  assert.equal(bodyMasks(cached), [{ path: 'a', strategy: 'hash' }, { detector: 'email' }])
  assert.equal(await masked(cached), await masked(JSON.parse(JSON.stringify(cached))))
  assert.equal(await masked(cached), await masked(cached))
})

/** The body as maskWholeBody sends it, for `text` under `obligations`, `key` and `credentials`. */
async function maskText(text: string, obligations: readonly MaskObligation[], key = KEY, credentials: string[] = []): Promise<{ text: string; masked: number }> {
  const res = Object.assign(Readable.from([Buffer.from(text)]), { statusCode: 200, headers: { 'content-type': 'application/json' } }) as UpstreamResponse
  const out = await maskWholeBody(res, bodyMasks(obligations as MaskObligation[]), key, credentials)
  return { text: Buffer.from(out.body as Uint8Array).toString(), masked: out.masked() }
}

// Texts that parse to the same value differently (spacing, escapes, duplicate keys, number spellings), keys that
// are prototypes' names, secrets in keys and values, and texts one character apart.
const CORPUS = [
  '{"kind":"PodList","apiVersion":"v1","items":[{"metadata":{"name":"web-1","namespace":"prod"},"status":{"phase":"Running"}}]}',
  '{"kind":"PodList", "apiVersion":"v1","items":[{"metadata":{"name":"web-1","namespace":"prod"},"status":{"phase":"Running"}}]}',
  '{"a":"jane@example.com","a":"safe"}', '{"a":"safe","a":"jane@example.com"}', '{"a":"jane\u0040example.com"}', '{"a":"jane@example.co"}',
  '{"__proto__":{"x":"jane@example.com"},"constructor":1}', '{"jane@example.com":{"plan":"pro"},"n":4242424242424242,"m":4242424242424242.0}',
  '{"items":[{"spec":{"containers":[{"env":[{"name":"DB_PASSWORD","value":"hunter2hunter2"}]}]}}]}', '[1,2,"4111 1111 1111 1111"]', '"just a string"', '12', 'null',
  '{"token":"sa-token-value-1234","echo":"Bearer sa-token-value-1234"}', '{"k":"' + 'x'.repeat(20_000) + ' jane@example.com"}',
]
const RULES = deepFreeze([{ detector: 'all' }, { path: 'items.*.spec.containers.*.env.*.value' }, { path: 'kind', strategy: 'hash' }, { column: 'token', strategy: 'partial' }] as MaskObligation[])

test('a document masked again is masked exactly as the masker masks it afresh, every time, text by text', async () => {
  for (let round = 0; round < 3; round++) {
    for (const text of CORPUS) {
      const fresh = jsonMasker(RULES, KEY).mask(JSON.parse(text))
      assert.equal(await maskText(text, RULES), { text: JSON.stringify(fresh.doc), masked: fresh.masked }, `round ${round}: ${text.slice(0, 80)}`)
    }
  }
})

test('a remembered document is not the answer for another key, other obligations or another credential', async () => {
  const text = CORPUS[0]!
  const a = await maskText(text, RULES)
  const b = await maskText(text, RULES, new Uint8Array(32).fill(9))
  assert.is.not(a.text, b.text, 'the hash strategy follows the key')
  const other = deepFreeze([{ detector: 'all' }] as MaskObligation[])
  assert.ok(JSON.parse((await maskText(text, other)).text).kind === 'PodList', 'without the kind rule, kind is left as sent')
  assert.equal(await maskText(text, JSON.parse(JSON.stringify(RULES))), a, 'an equal list that can change masks alike')
  const echo = '{"echo":"the upstream saw gateway-credential-123"}'
  assert.is((await maskText(echo, RULES)).text, echo)
  assert.is((await maskText(echo, RULES, KEY, ['gateway-credential-123'])).text, '{"echo":"the upstream saw [warden:credential]"}', 'credentials are hidden after the document, every time')
  assert.is((await maskText(echo, RULES)).text, echo)
})

test('a body that is not JSON is refused every time, however often it comes', async () => {
  for (let i = 0; i < 3; i++) {
    const res = Object.assign(Readable.from([Buffer.from('{"a":')]), { statusCode: 200, headers: { 'content-type': 'application/json' } }) as UpstreamResponse
    assert.match((await rejection(maskWholeBody(res, bodyMasks(RULES as MaskObligation[]), KEY))).message, /not valid JSON/)
  }
})

test('a body declared as text that starts as JSON does but is none (an INI file, a log) is masked as text; declared as JSON, or under path rules, it is refused', async () => {
  const ini = '[default]\naws_access_key_id = AKIAQWERTYUIOPASDFGH\ndb_password = hunter2\n'
  const typed = (type: string, text: string) => Object.assign(Readable.from([Buffer.from(text)]), { statusCode: 200, headers: { 'content-type': type } }) as UpstreamResponse
  for (const type of ['text/plain', 'application/yaml']) {
    const out = await maskWholeBody(typed(type, ini), [{ detector: 'all' }], KEY)
    const body = Buffer.from(out.body as Uint8Array).toString()
    assert.not.ok(body.includes('hunter2') || body.includes('AKIAQWERTYUIOPASDFGH'), body)
    assert.ok(body.startsWith('[default]\n'), body)
  }
  assert.match((await rejection(maskWholeBody(typed('application/json', ini), [{ detector: 'all' }], KEY))).message, /not valid JSON/)
  assert.match((await rejection(maskWholeBody(typed('application/octet-stream', ini), [{ detector: 'all' }], KEY))).message, /not valid JSON/)
  assert.match((await rejection(maskWholeBody(typed('text/plain', ini), [{ detector: 'all' }, { path: 'a' }], KEY))).message, /not JSON/)
})

test('text bodies (XML, Ruby and Perl hashes, INI, .env, YAML with tags) have the values under secret names masked, the rest kept', async () => {
  const typed = (type: string, text: string) => Object.assign(Readable.from([Buffer.from(text)]), { statusCode: 200, headers: { 'content-type': type } }) as UpstreamResponse
  for (const [type, text, kept] of [
    ['application/xml', '<config><user>app</user><Password>s3cret one</Password><ns:api_key id="1">s3cret two</ns:api_key></config>', '<user>app</user>'],
    ['text/xml', '<secret attr="x">s3cret one</secret><add key="SmtpPassword" value="s3cret two"/>', '<secret attr="x">'],
    ['text/plain', "db = { :password => 's3cret one', user => 'app', password => s3cret two }", "user => 'app'"],
    ['text/plain', '[db]\nuser = app\npassword = s3cret one\n  s3cret two\n', 'user = app'],
    ['text/plain', 'USER=app\nPASSWORD=s3cret one\nexport API_KEY=s3cret two\n', 'USER=app'],
    ['application/yaml', 'user: app\npassword: !!str s3cret one\napi_key: !binary |\n  s3cret two\n', 'user: app'],
    ['application/toml', '[db]\nuser = "app"\npassword = """\ns3cret one\ns3cret two"""\n', 'user = "app"'],
    ['application/x-sh', '#!/bin/sh\nexport DB_PASSWORD="s3cret one"\nAPI_KEY=s3cret two ./run\n', '#!/bin/sh'],
    ['application/javascript', 'const config = { user: "app", password: "s3cret one", apiKey: \'s3cret two\' }', 'user: "app"'],
    ['application/x-www-form-urlencoded', 'user=app&password=s3cret+one&api_key=s3cret%20two', ''],
  ]) {
    const out = await maskWholeBody(typed(type!, text!), [{ detector: 'secret_assignment' }], KEY)
    const body = Buffer.from(out.body as Uint8Array).toString()
    assert.not.ok(body.includes('s3cret'), `${type}: ${body}`)
    assert.ok(body.includes(kept!), `${type}: ${body}`)
  }
})

test('JSON behind an XSSI prefix is masked by every rule, the prefix kept; other text before JSON is still withheld', async () => {
  const typed = (type: string, text: string) => Object.assign(Readable.from([Buffer.from(text)]), { statusCode: 200, headers: { 'content-type': type } }) as UpstreamResponse
  const doc = '{"user":{"email":"jane@example.com","name":"Jane"},"n":1}'
  const rules: MaskObligation[] = [{ path: 'user.name' }, { detector: 'email' }]
  for (const prefix of [")]}'\n", ")]}',\n", 'while(1);', 'for(;;);', ")]}'\r\n"]) {
    for (const type of ['application/json', 'text/javascript', 'application/javascript']) {
      const out = await maskWholeBody(typed(type, prefix + doc), rules, KEY)
      const body = Buffer.from(out.body as Uint8Array).toString()
      assert.ok(body.startsWith(prefix), `${JSON.stringify(prefix)} ${type}: ${body}`)
      const masked = JSON.parse(body.slice(prefix.length))
      assert.not.ok(body.includes('jane@example.com') || body.includes('Jane'), body)
      assert.is(masked.n, 1)
      assert.ok(out.masked() > 0)
    }
  }
  for (const text of [`while(2);${doc}`, `)]}${doc}`, `)]}'\n${doc} trailing`, `/**/${doc}`]) {
    assert.match((await rejection(maskWholeBody(typed('application/json', text), rules, KEY))).message, /withheld/, text)
  }
})

test('a body in UTF-16 or UTF-32 with a byte-order mark is decoded and masked by every rule, and sent as UTF-8', async () => {
  const typed = (type: string, body: Buffer, status = 200) => Object.assign(Readable.from([body]), { statusCode: status, headers: { 'content-type': type } }) as UpstreamResponse
  const doc = '{"user":{"email":"jane@example.com","name":"Jane"},"note":"ok ✓"}'
  const le16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(doc, 'utf16le')])
  const be32 = Buffer.alloc(4 + [...doc].length * 4)
  be32.writeUInt32BE(0xfeff, 0)
  ;[...doc].forEach((c, i) => be32.writeUInt32BE(c.codePointAt(0)!, 4 + i * 4))
  for (const [type, body] of [['application/json; charset=utf-16', le16], ['application/json', be32]] as const) {
    const out = await maskWholeBody(typed(type, body), [{ path: 'user.name' }, { detector: 'email' }], KEY)
    const sent = JSON.parse(Buffer.from(out.body as Uint8Array).toString('utf8'))
    assert.equal([sent.user.email, sent.user.name === 'Jane', sent.note], ['[email]', false, 'ok ✓'], type)
    assert.is(out.headers['content-type'], type.includes('charset') ? 'application/json; charset=utf-8' : 'application/json')
  }
  // A part of an object that starts at an FF FE the agent chose, before ASCII text: no mark; binary, refused.
  const part = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('jane@example.com password=hunter2')])
  assert.match((await rejection(maskWholeBody(typed('text/plain', part, 206), [{ detector: 'all' }], KEY))).message, /binary/)
})

test('a watch event arriving in many small chunks is split once, not again with every chunk', async () => {
  // Before: every chunk split all that was pending again; a 6 MB event in 16 KB chunks took seconds. The work is
  // counted (characters handed to String.prototype.split), not timed.
  const obligations: MaskObligation[] = [{ path: 'object.data.*', rule: 't' }]
  const event = JSON.stringify({ type: 'ADDED', object: { pad: 'x'.repeat(6 * 1024 * 1024) } })
  const chunks: Buffer[] = []
  for (let i = 0; i < event.length; i += 16 * 1024) chunks.push(Buffer.from(event.slice(i, i + 16 * 1024)))
  chunks.push(Buffer.from('\n'))
  const split = String.prototype.split
  let scanned = 0
  String.prototype.split = function (this: string, ...args: Parameters<typeof split>) {
    scanned += this.length
    return split.apply(this, args)
  } as typeof split
  let length = 0
  try {
    const out = maskLines(response(Readable.from(chunks)), obligations, new Uint8Array(32), 'ndjson')
    for await (const part of out.body as Readable) length += (part as Buffer).length
  } finally {
    String.prototype.split = split
  }
  assert.is(length, event.length + 1)
  assert.ok(scanned <= 2 * event.length, `split ${scanned} characters for an event of ${event.length}`)
})

test('a watch of Kubernetes tables: a later event, sent without the columns, has the cell under a secret column masked; its columns stay as sent', async () => {
  const columns = [{ name: 'Name', type: 'string' }, { name: 'Password', type: 'string' }]
  const event = (name: string, pw: string, cols: unknown) => JSON.stringify({ type: 'ADDED', object: { kind: 'Table', apiVersion: 'meta.k8s.io/v1', columnDefinitions: cols, rows: [{ cells: [name, pw] }] } })
  const sent = [event('w1', 'first-pw', columns), event('w2', 'second-pw', null), event('w3', 'third-pw', [])].join('\n') + '\n'
  const out = maskLines(response(Readable.from([Buffer.from(sent)])), [{ detector: 'all', rule: 't' }], new Uint8Array(32), 'ndjson')
  let text = ''
  for await (const part of out.body as Readable) text += (part as Buffer).toString()
  assert.not.match(text, 'first-pw')
  assert.not.match(text, 'second-pw')
  assert.not.match(text, 'third-pw')
  assert.equal(text.trim().split('\n').map((l) => JSON.parse(l).object.columnDefinitions), [columns, null, []])
  assert.equal(text.trim().split('\n').map((l) => JSON.parse(l).object.rows[0].cells[0]), ['w1', 'w2', 'w3'])
})

test('a watch of Kubernetes tables: a later event, sent without the columns, keeps its numbers as sent (past 2^53, 1.50, -0) and has a number in a secret column masked', async () => {
  const first = '{"type":"ADDED","object":{"kind":"Table","apiVersion":"meta.k8s.io/v1","columnDefinitions":[{"name":"Name","type":"string"},{"name":"Size","type":"number"},{"name":"Password","type":"integer"}],"rows":[{"cells":["w1",1.50,87654321]}]}}'
  const later = '{"type":"MODIFIED","object":{"kind":"Table","apiVersion":"meta.k8s.io/v1","rows":[{"cells":["w2",12345678901234567891,98765432,-0]}]}}'
  const out = maskLines(response(Readable.from([Buffer.from(`${first}\n${later}\n`)])), [{ detector: 'all', rule: 't' }], new Uint8Array(32), 'ndjson')
  let text = ''
  for await (const part of out.body as Readable) text += (part as Buffer).toString()
  assert.equal(text.trim().split('\n'), [
    first.replace('87654321', '"[secret]"'),
    '{"type":"MODIFIED","object":{"kind":"Table","apiVersion":"meta.k8s.io/v1","rows":[{"cells":["w2",12345678901234567891,"[secret]",-0]}]}}',
  ])
})

/** The text of a masked stream. */
async function streamed(body: unknown): Promise<string> {
  let text = ''
  for await (const part of body as Readable) text += (part as Buffer).toString()
  return text
}

test('server-sent events: a comment or data with a NUL after each character (UTF-16 read as bytes) is masked as its reader reads it', async () => {
  const wide = (t: string) => [...t].map((c) => `${c}\0`).join('')
  const sent = `: ${wide('jane@example.com')}\ndata: ${wide('password=hunter2')}\n\n`
  const text = (await streamed(maskLines(response(Readable.from([Buffer.from(sent)])), [{ detector: 'all' }], KEY, 'sse').body)).replace(/\0/g, '')
  assert.not.ok(text.includes('jane@example.com') || text.includes('hunter2'), text)
  assert.ok(text.startsWith(': '), text)
})

test('server-sent events: the data lines of one event are masked together, as a client joins them (a private key, a JSON document over several lines); other fields as text', async () => {
  const pem = (generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string).trim()
  const body = pem.split('\n')[1]!
  const sent = [
    'event: key', ...pem.split('\n').map((l) => `data: ${l}`), '',
    ': for jane@example.com', 'data: {"credentials":', 'data:  ["aaa",', 'data:   "bbb"]}', '',
    'id: 7', 'data:plain text from dave@example.com', '', 'data: last, unended',
  ].join('\n')
  const out = maskLines(response(Readable.from([Buffer.from(sent)])), [{ detector: 'all' }], KEY, 'sse')
  const text = await streamed(out.body)
  for (const leak of [body, 'aaa', 'bbb', 'jane@example.com', 'dave@example.com']) assert.not.match(text, leak, text)
  assert.is(text, 'event: key\ndata: [private_key]\n\n: for [email]\ndata: {"credentials":["[secret]","[secret]"]}\n\nid: 7\ndata:plain text from [email]\n\ndata: last, unended')
})

test('server-sent events: a carriage return alone ends a line, as clients read it; an event is sent once it ends, not before', async () => {
  const pem = (generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string).trim()
  const crOnly = `${pem.split('\n').map((l) => `data: ${l}`).join('\r')}\r\r\n`
  const text = await streamed(maskLines(response(Readable.from([Buffer.from(crOnly)])), [{ detector: 'all' }], KEY, 'sse').body)
  assert.not.match(text, pem.split('\n')[1]!, text)
  assert.is(text, 'data: [private_key]\n\r\n')
  const up = new PassThrough()
  const out = maskLines(response(up), [{ detector: 'all' }], KEY, 'sse').body as Readable
  const seen: string[] = []
  out.on('data', (c: Buffer) => seen.push(c.toString()))
  up.write('data: first line\r\ndata: second\r\n')
  await new Promise((r) => setTimeout(r, 20))
  assert.equal(seen, [], 'an open event is held')
  up.end('\r\n')
  await new Promise((r) => out.once('end', r))
  assert.equal(seen.join(''), 'data: first line\r\ndata: second\r\n\r\n')
})

test('server-sent events: data that starts as JSON and is none (`[DONE]`) is masked as text in an event of data lines only; withheld beside other fields', async () => {
  const sent = 'data: {"choices":[{"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\ndata: [INFO] password=Xq7-hunter2-zz\n\n'
  const text = await streamed(maskLines(response(Readable.from([Buffer.from(sent)])), [{ detector: 'all' }], KEY, 'sse').body)
  assert.is(text, 'data: {"choices":[{"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\ndata: [INFO] password=[secret]\n\n')
  // A bare carriage return in a document the server sent whole ends the line: the rest reaches a client as a comment.
  const cut = 'data: {"password"\r: "Xq7-hunter2-zz"}\n\n'
  const failed = await streamed(maskLines(response(Readable.from([Buffer.from(cut)])), [{ detector: 'all' }], KEY, 'sse').body).catch((err: Error) => err.message)
  assert.match(failed, 'not valid JSON')
  const paths = await streamed(maskLines(response(Readable.from([Buffer.from('data: [DONE]\n\n')])), [{ path: 'a' }], KEY, 'sse').body).catch((err: Error) => err.message)
  assert.match(paths, 'its mask obligations name JSON paths', 'path rules cannot apply to text')
})

test('a masked body is declared UTF-8 when the upstream named another charset: the client reads the text that was masked', async () => {
  // `jane+AEA-example.com` is jane@example.com to a client reading UTF-7; the masker read UTF-8.
  const typed = (type: string) => Object.assign(Readable.from([Buffer.from('{"note":"jane+AEA-example.com"}')]), { statusCode: 200, headers: { 'content-type': type } }) as UpstreamResponse
  for (const [sent, want] of [
    ['text/plain; charset=utf-7', 'text/plain; charset=utf-8'], ['text/plain;charset="UTF-16LE"', 'text/plain;charset=utf-8'],
    ['text/html; charset=Shift_JIS; q=1', 'text/html; charset=utf-8; q=1'], ['application/json; charset=UTF-8', 'application/json; charset=UTF-8'], ['text/plain', 'text/plain'],
  ]) {
    assert.is(utf8ContentType(sent!), want, sent)
    assert.is((await maskWholeBody(typed(sent!), [{ detector: 'email' }], KEY)).headers['content-type'], want, sent)
  }
  const lines = maskLines(Object.assign(Readable.from([Buffer.from('data: x\n\n')]), { statusCode: 200, headers: { 'content-type': 'text/event-stream; charset=utf-16' } }) as UpstreamResponse, [{ detector: 'email' }], KEY, 'sse')
  assert.is(lines.headers['content-type'], 'text/event-stream; charset=utf-8')
})

// A gzip file served as the body (no Content-Encoding): read through gzip as text, masked, compressed again.
test('a gzip file as the body: its text masked and compressed again, of every member; past the limit, or holding binary, withheld', async () => {
  const served = (body: Buffer, type = 'application/gzip') => Object.assign(Readable.from([body]), { statusCode: 200, headers: { 'content-type': type } }) as UpstreamResponse
  const detectors = bodyMasks([{ detector: 'all' }] as MaskObligation[])
  const two = Buffer.concat([gzipSync('owner=jane@example.com\n'), gzipSync('next=bob@example.com\n')])
  const out = await maskWholeBody(served(two), detectors, KEY)
  const text = gunzipSync(Buffer.from(out.body as Uint8Array)).toString()
  assert.not.match(text, 'jane@example.com')
  assert.not.match(text, 'bob@example.com')
  assert.match(text, 'owner=')
  assert.ok(out.masked() > 0)
  assert.is(out.headers['content-length'], String((out.body as Uint8Array).byteLength))
  const bomb = gzipSync(Buffer.alloc(33 * 1024 * 1024, 'a'))
  assert.match((await rejection(maskWholeBody(served(bomb), detectors, KEY))).message, /inflates to more than/)
  assert.match((await rejection(maskWholeBody(served(gzipSync(Buffer.from([0, 1, 2, 0]))), detectors, KEY))).message, /binary/)
  assert.match((await rejection(maskWholeBody(served(Buffer.from([0x1f, 0x8b, 8, 0, 9, 9])), detectors, KEY))).message, /cannot be inflated/)
})

// Bytes gunzip never inflates went out as they came when the text it inflates held nothing to mask: after a member,
// a NUL byte ends what zlib reads (padding) and anything may follow; a member's header carries a comment.
test('a gzip file is compressed again unless bare: what follows its members and what its header carries never leave unmasked', async () => {
  const served = (body: Buffer) => Object.assign(Readable.from([body]), { statusCode: 200, headers: { 'content-type': 'application/gzip' } }) as UpstreamResponse
  const detectors = bodyMasks([{ detector: 'all' }] as MaskObligation[])
  const clean = gzipSync('status=ok\n')
  const trailing = Buffer.concat([clean, Buffer.from('\0owner=jane@example.com\n')])
  const flags = Buffer.from(clean)
  flags[3] = 0x10 // FCOMMENT: a NUL-terminated comment after the fixed header
  const commented = Buffer.concat([flags.subarray(0, 10), Buffer.from('owner=jane@example.com\0'), flags.subarray(10)])
  assert.is(gunzipSync(commented).toString(), 'status=ok\n')
  for (const [name, body] of [['trailing', trailing], ['comment', commented], ['stored second member', Buffer.concat([clean, gzipSync('owner=jane@example.com\n', { level: 0 })])]] as const) {
    const out = await maskWholeBody(served(body), detectors, KEY).then((r) => Buffer.from(r.body as Uint8Array), (err: Error) => Buffer.from(err.message))
    assert.not.match(out.toString('latin1'), 'jane@example.com', name)
  }
  for (const [name, body] of [['trailing', trailing], ['comment', commented]] as const) {
    const out = Buffer.from((await maskWholeBody(served(body), detectors, KEY)).body as Uint8Array)
    assert.is(gunzipSync(out).toString(), 'status=ok\n', name)
  }
  // A bare file with nothing to mask goes as it came (a client checks it against the object's hash).
  const kept = Buffer.from((await maskWholeBody(served(clean), detectors, KEY)).body as Uint8Array)
  assert.ok(kept.equals(clean))
})

test.run()
