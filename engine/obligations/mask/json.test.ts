import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MaskError } from '../errors.ts'
import { jsonMasker, maskJson } from './json.ts'
import { cpuTimed } from '../../testing/cpu-time.ts'

const KEY = new Uint8Array(32).fill(3)

test('path rules mask the matched node, with * over keys and indexes', () => {
  const doc = { users: [{ name: 'a', ssn: '536-22-1234' }, { name: 'b', ssn: '536-22-1235' }], total: 2 }
  const out = maskJson(doc, [{ path: 'users.*.ssn' }], KEY)
  assert.equal(out, { doc: { users: [{ name: 'a', ssn: '[redacted]' }, { name: 'b', ssn: '[redacted]' }], total: 2 }, masked: 2 })
  assert.is(doc.users[0]?.ssn, '536-22-1234', 'input untouched')
})

test('a matched container masks every leaf; null replaces the node; $. prefix accepted', () => {
  const doc = { card: { number: '4242424242424242', exp: 1228, valid: true, note: null } }
  assert.equal(maskJson(doc, [{ path: '$.card', strategy: 'partial' }], KEY), {
    doc: { card: { number: '************4242', exp: '****', valid: '****', note: null } },
    masked: 3,
  })
  assert.equal(maskJson(doc, [{ path: 'card', strategy: 'null' }], KEY), { doc: { card: null }, masked: 1 })
})

test('a boolean masked whole by a path or a column rule does not tell which it was: a partial is `****`, a hash `[redacted]`', () => {
  const doc = { a: { on: true, off: false }, admin: false }
  for (const strategy of ['partial', 'hash', 'redact'] as const) {
    const out = maskJson(doc, [{ path: 'a', strategy }, { column: 'admin', strategy }], KEY).doc as { a: { on: unknown; off: unknown }; admin: unknown }
    assert.is(out.a.on, out.a.off, strategy)
    assert.is(out.admin, out.a.on, strategy)
    assert.is(out.admin, strategy === 'partial' ? '****' : '[redacted]', strategy)
  }
})

test('column rules match object keys at any depth', () => {
  const doc = { data: { Email: 'x@example.com', nested: [{ email_address: 'y@example.com' }] } }
  const out = maskJson(doc, [{ column: 'email*', strategy: 'hash' }], KEY)
  assert.is(out.masked, 2)
  assert.match(JSON.stringify(out.doc), /"Email":"h:[0-9a-f]{16}".*"email_address":"h:[0-9a-f]{16}"/)
})

test('detectors scan string leaves and long numbers', () => {
  const doc = { msg: 'from jane@example.com', card: 4242424242424242, n: 7, tags: ['Bearer abcdef123456'] }
  assert.equal(maskJson(doc, [{ detector: 'all' }], KEY), {
    doc: { msg: 'from [email]', card: '[card]', n: 7, tags: ['Bearer [token]'] },
    masked: 3,
  })
})

test('detectors scan object keys: a masked key takes the masked text, unique within its object; rules match the keys as they were', () => {
  const doc = { owners: { 'jane@example.com': 'admin', 'joe@example.com': 'viewer', plain: 1 } }
  const out = maskJson(doc, [{ detector: 'email' }], KEY)
  const owners = (out.doc as { owners: Record<string, unknown> }).owners
  assert.not.ok(JSON.stringify(out.doc).includes('@example.com'), JSON.stringify(out.doc))
  assert.equal(Object.values(owners).sort(), [1, 'admin', 'viewer'])
  assert.is(out.masked, 2)
  const byColumn = maskJson({ 'jane@example.com': 'x' }, [{ column: 'jane*' }, { detector: 'email' }], KEY).doc as Record<string, unknown>
  assert.not.equal(Object.values(byColumn), ['x'])
  assert.not.ok(Object.keys(byColumn)[0]!.includes('@'))
})

test('detectors scan object keys too: a key that is an email or an access key is masked, its value judged by the key as sent', () => {
  const doc = { 'alice@example.com': { plan: 'pro' }, 'bob@example.com': { plan: 'free' }, AKIAQWERTYUIOPASDFGH: 'active', region: 'eu' }
  const out = maskJson(doc, [{ detector: 'email' }, { detector: 'aws_access_key' }, { path: 'AKIAQWERTYUIOPASDFGH' }], KEY)
  const keys = Object.keys(out.doc as object)
  assert.not.ok(JSON.stringify(out.doc).includes('example.com'), JSON.stringify(out.doc))
  assert.not.ok(JSON.stringify(out.doc).includes('AKIAQWERTYUIOPASDFGH'), JSON.stringify(out.doc))
  assert.is(keys.length, 4, `masked keys that collide are kept apart: ${keys}`)
  assert.equal(Object.values(out.doc as object), [{ plan: 'pro' }, { plan: 'free' }, '[redacted]', 'eu'])
  assert.is(out.masked, 4)
  const dropped = maskJson({ 'carol@example.com': 1, kept: 2 }, [{ detector: 'email', strategy: 'null' }], KEY)
  assert.equal(dropped.doc, { kept: 2 }, 'a key the null strategy blanks drops its entry')
})

test('a secret found only by its name is found as a JSON value too: SecretAccessKey and aws_secret_access_key keys', () => {
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
  const doc = { Credentials: { AccessKeyId: 'ASIAY34FZKBOKMUTVV7A', SecretAccessKey: secret, Expiration: 'x' }, profile: { aws_secret_access_key: secret }, note: secret }
  for (const memo of [false, true]) {
    const out = jsonMasker([{ detector: 'aws_access_key' }], KEY, { memo }).mask(doc)
    assert.equal(out.doc, { Credentials: { AccessKeyId: '[aws_key]', SecretAccessKey: '[aws_secret]', Expiration: 'x' }, profile: { aws_secret_access_key: '[aws_secret]' }, note: secret }, `memo: ${memo}`)
    assert.is(out.masked, 3)
  }
})

test('a value under a secret name (an environment map keyed DB_PASSWORD) is masked whole, even when another detector finds part of it', () => {
  const doc = { Variables: { DB_PASSWORD: 'hunter2 admin@example.com', LOG_LEVEL: 'info', NextToken: 'abc123', EMPTY_TOKEN: '' } }
  for (const memo of [false, true]) {
    const out = jsonMasker([{ detector: 'all' }], KEY, { memo }).mask(doc)
    assert.equal(out.doc, { Variables: { DB_PASSWORD: '[secret]', LOG_LEVEL: 'info', NextToken: 'abc123', EMPTY_TOKEN: '' } }, `memo: ${memo}`)
    assert.is(out.masked, 1)
  }
  const hashed = jsonMasker([{ detector: 'secret_assignment', strategy: 'hash' }], KEY).mask(doc).doc as { Variables: Record<string, string> }
  assert.match(hashed.Variables.DB_PASSWORD!, /^h:[0-9a-f]{16}$/)
  assert.equal(jsonMasker([{ detector: 'secret_assignment', strategy: 'null' }], KEY).mask(doc).doc, { Variables: { DB_PASSWORD: null, LOG_LEVEL: 'info', NextToken: 'abc123', EMPTY_TOKEN: '' } })
})

test('a number under a secret name is masked whole as a string there is (`[secret]`, a partial, a hash or null), in a pair, a DynamoDB value and an array under the name; a boolean under one is null; other booleans and numbers pass', () => {
  const doc = {
    password: 12345678, api_key: 9876543210, pin_password: 1234, db_secret: -0.5, token: 12345678901234567890n,
    environment: [{ name: 'DB_PASSWORD', value: 4321 }], Item: { api_key: { N: 77 } },
    passwords: [1], secret: [5, 'hunter2', [6]], automountServiceAccountToken: true, password_set: false,
    NextToken: 12, replicas: 3, port: 5432,
  }
  for (const memo of [false, true]) {
    const out = jsonMasker([{ detector: 'all' }], KEY, { memo }).mask(doc)
    assert.equal(out.doc, {
      password: '[secret]', api_key: '[secret]', pin_password: '[secret]', db_secret: '[secret]', token: '[secret]',
      environment: [{ name: 'DB_PASSWORD', value: '[secret]' }], Item: { api_key: { N: '[secret]' } },
      passwords: [1], secret: ['[secret]', '[secret]', ['[secret]']], automountServiceAccountToken: null, password_set: false,
      NextToken: 12, replicas: 3, port: 5432,
    }, `memo: ${memo}`)
    assert.is(out.masked, 11)
  }
  const partial = jsonMasker([{ detector: 'secret_assignment', strategy: 'partial' }], KEY).mask({ pin_password: 123456 }).doc
  assert.equal(partial, { pin_password: '**3456' })
  assert.equal(jsonMasker([{ detector: 'secret_assignment', strategy: 'null' }], KEY).mask({ password: 1234 }).doc, { password: null })
  const hashed = jsonMasker([{ detector: 'secret_assignment', strategy: 'hash' }], KEY).mask({ password: 1234, same: { password: '1234' } }).doc as { password: string; same: { password: string } }
  assert.match(hashed.password, /^h:[0-9a-f]{16}$/)
  assert.is(hashed.password, hashed.same.password, 'a number hashes as its text does')
})

test('every scalar a secret name holds is masked, at any depth (objects, arrays of objects, pairs inside): strings and numbers as the strategy writes them, booleans as null, null kept, the shape kept', () => {
  const doc = {
    password: { value: 'hunter2', n: 12, ok: true, none: null, list: [{ v: 'a', deep: { w: 7 } }] },
    credentials: ['a', 'b'], token: [{ v: 123 }], Secret: { data: { 'tls.key': 'LS0t', size: 1 } },
    api_key: [], db_password: {}, plain: { value: 'kept', n: 12, ok: true },
  }
  for (const memo of [false, true]) {
    const out = jsonMasker([{ detector: 'all' }], KEY, { memo }).mask(doc)
    assert.equal(out.doc, {
      password: { value: '[secret]', n: '[secret]', ok: null, none: null, list: [{ v: '[secret]', deep: { w: '[secret]' } }] },
      credentials: ['[secret]', '[secret]'], token: [{ v: '[secret]' }], Secret: { data: { 'tls.key': '[secret]', size: '[secret]' } },
      api_key: [], db_password: {}, plain: { value: 'kept', n: 12, ok: true },
    }, `memo: ${memo}`)
    assert.is(out.masked, 10)
  }
  const hashed = jsonMasker([{ detector: 'secret_assignment', strategy: 'hash' }], KEY).mask({ token: { a: true, b: false, s: 'x' } }).doc as { token: Record<string, unknown> }
  assert.equal([hashed.token.a, hashed.token.b], [null, null], 'a hash of a boolean would tell which it was')
  assert.match(String(hashed.token.s), /^h:[0-9a-f]{16}$/)
  assert.equal(jsonMasker([{ detector: 'secret_assignment', strategy: 'null' }], KEY).mask({ token: { a: 'x', b: [1, true] } }).doc, { token: { a: null, b: [null, null] } })
})

test('a Kubernetes secret volume or token projection under a secret name is a reference, read as before: typed clients still decode the pod', () => {
  const pod = { volumes: [
    { projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }, { secret: { name: 'db', items: [{ key: 'k', path: 'p', mode: 256 }] } }] } },
    { secret: { secretName: 'db', defaultMode: 420, optional: false } },
  ] }
  assert.equal(jsonMasker([{ detector: 'all' }], KEY).mask(pod), { doc: pod, masked: 0 })
  const notReferences = { secret: { name: 'db', value: 'hunter2' }, token: { name: 'p' }, credentials: { secretName: 'a' }, serviceAccountToken: { path: 'p', token: 'x' } }
  assert.equal(jsonMasker([{ detector: 'all' }], KEY).mask(notReferences).doc, { secret: { name: '[secret]', value: '[secret]' }, token: { name: '[secret]' }, credentials: { secretName: '[secret]' }, serviceAccountToken: { path: '[secret]', token: '[secret]' } })
})

test('a string that is a JSON document is masked as one (an escaped key, an array or an object under a secret name, a document encoded twice), numbers kept as written; other strings as text', () => {
  const inner = '{"pass\\u0077ord":"hunter2","credentials":["aaa","bbb"],"token":{"v":1234},"id":12345678901234567891,"r":1.50}'
  const doc = {
    note: inner, twice: JSON.stringify(inner), list: '[{"email":"jane@example.com"}]',
    log: '[INFO] password=hunter2 started', plain: '{"kind":"Pod"}', spaced: '  {"api_key": "k1"}',
  }
  const out = jsonMasker([{ detector: 'all' }], KEY).mask(doc)
  const masked = '{"password":"[secret]","credentials":["[secret]","[secret]"],"token":{"v":"[secret]"},"id":12345678901234567891,"r":1.50}'
  assert.equal(out.doc, {
    note: masked, twice: JSON.stringify(masked), list: '[{"email":"[email]"}]',
    log: '[INFO] password=[secret] started', plain: '{"kind":"Pod"}', spaced: '{"api_key":"[secret]"}',
  })
  assert.is(out.masked, 11)
  const deep = `${'['.repeat(600)}"jane@example.com"${']'.repeat(600)}`
  assert.equal(jsonMasker([{ detector: 'all' }], KEY).mask({ deep }).doc, { deep: deep.replace('jane@example.com', '[email]') }, 'too deep to walk: read as text')
})

test('a {name, value} pair naming a secret (ECS or Kubernetes env, CloudFormation parameters, tags) and a DynamoDB typed value under a secret name are masked whole, whatever the value holds', () => {
  const doc = {
    environment: [{ name: 'DB_PASSWORD', value: 'hunter2' }, { name: 'LOG_LEVEL', value: 'info' }],
    Parameters: [{ ParameterKey: 'DbPassword', ParameterValue: 'hunter3' }],
    Tags: [{ Key: 'api_token', Value: 'tok-1' }, { Key: 'team', Value: 'web' }],
    odd: { name: 'DB_PASSWORD', other: 'kept', value: { nested: 'x' } },
    Item: { id: { S: '1' }, api_key: { S: 'ddb-key' }, password: { S: 'p', N: '1' } },
  }
  const out = jsonMasker([{ detector: 'all' }], KEY).mask(doc)
  assert.equal(out.doc, {
    environment: [{ name: 'DB_PASSWORD', value: '[secret]' }, { name: 'LOG_LEVEL', value: 'info' }],
    Parameters: [{ ParameterKey: 'DbPassword', ParameterValue: '[secret]' }],
    Tags: [{ Key: 'api_token', Value: '[secret]' }, { Key: 'team', Value: 'web' }],
    odd: { name: 'DB_PASSWORD', other: 'kept', value: { nested: '[secret]' } },
    Item: { id: { S: '1' }, api_key: { S: '[secret]' }, password: { S: '[secret]', N: '[secret]' } },
  })
  assert.is(out.masked, 7)
})

test('a Kubernetes Table: a cell is read under the name of its column (a printer column on .spec.password), also in a watch event; other cells pass', () => {
  const table = (cells: unknown[], password: string) => ({
    kind: 'Table', columnDefinitions: [{ name: 'Name', type: 'string' }, { name: 'Password', type: 'string' }, { name: 'Size', type: 'integer' }],
    rows: [{ cells, object: { spec: { password } } }],
  })
  const out = jsonMasker([{ detector: 'all' }], KEY).mask({ type: 'ADDED', object: table(['w', 'plain-pw', 3], 'in-object') })
  assert.equal(out.doc, { type: 'ADDED', object: table(['w', '[secret]', 3], '[secret]') })
  assert.is(out.masked, 2)
  // Names only name cells: a row's other members and a cells array outside a table are read as before.
  const other = { columnDefinitions: [{ name: 'Password' }], rows: [{ cells: ['a'], note: ['b'] }], cells: ['c'] }
  assert.equal(jsonMasker([{ detector: 'all' }], KEY).mask(other).doc, { columnDefinitions: [{ name: 'Password' }], rows: [{ cells: ['[secret]'], note: ['b'] }], cells: ['c'] })
})

test('a base64 string whose text holds what a detector finds is masked whole; other base64 passes', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64')
  const doc = { Records: [{ Data: b64('{"user":"a","password":"hunter2"}') }, { Data: b64('{"event":"login","ok":true}') }], UserData: b64('#!/bin/bash\nexport DB_PASSWORD=x\n') }
  const out = jsonMasker([{ detector: 'all' }], KEY, { memo: true }).mask(doc)
  assert.equal(out.doc, { Records: [{ Data: '[base64]' }, { Data: doc.Records[1]!.Data }], UserData: '[base64]' })
  assert.is(out.masked, 2)
  assert.equal(jsonMasker([{ detector: 'secret_assignment', strategy: 'null' }], KEY).mask({ d: doc.UserData }).doc, { d: null })
  const unpadded = { a: b64('{"password":"hunter22"}').replace(/=+$/, ''), b: Buffer.from('{"password":"hunter2??>>~"}').toString('base64url') }
  assert.equal(jsonMasker([{ detector: 'all' }], KEY).mask(unpadded).doc, { a: '[base64]', b: '[base64]' }, 'unpadded, URL alphabet')
})

test('no obligations: the document comes back equal with nothing masked', () => {
  const doc = { a: [1, 'x', null, { b: true }] }
  assert.equal(maskJson(doc, [], KEY), { doc, masked: 0 })
})

test('a __proto__ key stays a plain property', () => {
  const doc = JSON.parse('{"__proto__": {"email": "x@example.com"}}') as unknown
  const out = maskJson(doc, [{ column: 'email' }], KEY).doc as Record<string, unknown>
  assert.is(Object.getPrototypeOf(out), Object.prototype)
  assert.is(JSON.stringify(out), '{"__proto__":{"email":"[redacted]"}}')
})

test('cycles and bad obligations fail closed', () => {
  const cyclic: Record<string, unknown> = { a: 'x' }
  cyclic.self = cyclic
  const failed = (err: unknown) => err instanceof MaskError && err.code === 'mask.failed'
  assert.throws(() => maskJson(cyclic, [{ detector: 'email' }], KEY), failed)
  assert.throws(() => maskJson({ a: 'x' }, [{ path: 'a', strategy: 'hash' }], new Uint8Array(1)), failed)
  assert.throws(() => maskJson({}, [{ detector: 'nope' }], KEY), failed)
  let deep: unknown = 'x@example.com'
  for (let i = 0; i < 600; i++) deep = [deep]
  assert.throws(() => maskJson(deep, [{ detector: 'email' }], KEY), (err: unknown) => failed(err) && /nested deeper/.test((err as Error).message))
})

test('a compiled masker that remembers detections masks exactly as maskJson, document after document', () => {
  const jwtText = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"1"}').toString('base64url')}.c2lnbmF0dXJlLXNpZ25hdHVyZQ`
  const strings = [
    'jane@example.com', 'from jane@example.com to joe@example.org', '4242 4242 4242 4242', 'GB82 WEST 1234 5698 7654 32', '536-22-1234',
    '+1 415 555 0100', 'AKIAIOSFODNN7EXAMPLE', 'Bearer abcdef1234567890', jwtText, 'plain', 'Running', 'prod', '', '****4242',
    `long ${'x'.repeat(300)} jane@example.com`, `${'y'.repeat(400)}`,
  ]
  const docs: unknown[] = [
    { kind: 'PodList', items: strings.map((s, i) => ({ metadata: { name: s, namespace: 'prod', uid: i }, status: { phase: s } })) },
    strings,
    { nums: [4242424242424242, 1234567, 12, 5362212345], nested: { deeper: [{ email: 'x@example.com', note: strings[1] }] } },
    'jane@example.com',
    4242424242424242,
    null,
  ]
  const obligationSets: Parameters<typeof maskJson>[1][] = [
    [{ detector: 'all' }],
    [{ detector: 'all', strategy: 'partial' }],
    [{ detector: 'email', strategy: 'hash' }, { detector: 'payment_card', strategy: 'null' }],
    [{ detector: 'all', strategy: 'hash' }, { path: 'items.*.metadata.uid' }, { column: 'email', strategy: 'partial' }],
    [],
  ]
  for (const obligations of obligationSets) {
    const masker = jsonMasker(obligations, KEY, { memo: true })
    // Twice over every document: the second pass answers the short strings from the memo.
    for (let round = 0; round < 2; round++) {
      for (const doc of docs) {
        const want = maskJson(doc, obligations, KEY)
        assert.equal(masker.mask(doc), want, `${JSON.stringify(obligations)} round ${round}`)
      }
    }
  }
})

test('a masker remembers per key: the same text hashes differently under another key', () => {
  const other = new Uint8Array(32).fill(9)
  const a = jsonMasker([{ detector: 'email', strategy: 'hash' }], KEY, { memo: true })
  const b = jsonMasker([{ detector: 'email', strategy: 'hash' }], other, { memo: true })
  const doc = { e: 'jane@example.com' }
  assert.is.not(JSON.stringify(a.mask(doc).doc), JSON.stringify(b.mask(doc).doc))
  assert.equal(b.mask(doc), maskJson(doc, [{ detector: 'email', strategy: 'hash' }], other))
})

test('a masker with bad obligations fails closed when compiled, as maskJson does', () => {
  let want = ''
  try {
    maskJson({}, [{ detector: 'nope' }], KEY)
  } catch (err) {
    want = (err as Error).message
  }
  assert.ok(want, 'maskJson refuses the obligation')
  assert.throws(() => jsonMasker([{ detector: 'nope' }], KEY), (err: unknown) => err instanceof MaskError && (err as Error).message === want)
})

test('strings that open as JSON and are none (log lines: `[INFO] …`) cost about what other strings do', () => {
  const masker = jsonMasker([{ detector: 'all' }], KEY, { memo: false })
  const best = (line: (i: number) => string) => {
    const doc = Array.from({ length: 20_000 }, (_, i) => line(i))
    let ms = Infinity
    for (let r = 0; r < 3; r++) ms = Math.min(ms, cpuTimed(() => masker.mask(doc)).cpuMs)
    return ms
  }
  const bracketed = best((i) => `[INFO] ok ${i}`)
  const plain = best((i) => `INFO ok ${i}`)
  assert.ok(bracketed < Math.max(2.5 * plain, 30), `${bracketed.toFixed(0)} ms bracketed, ${plain.toFixed(0)} ms plain (CPU)`)
  assert.equal(masker.mask(['[{"password": "x"}] ', '"{\\"token\\": \\"y\\"}"']).doc, ['[{"password":"[secret]"}]', '"{\\"token\\":\\"[secret]\\"}"'])
})

test('a key written with a NUL after each character (UTF-16 read as bytes) is read as its reader reads it', () => {
  const doc = { 'p\0a\0s\0s\0w\0o\0r\0d\0': 'hunter2', 'u\0s\0e\0r\0': 'app' }
  const out = maskJson(doc, [{ detector: 'secret_assignment' }], KEY).doc as Record<string, string>
  assert.is.not(out['p\0a\0s\0s\0w\0o\0r\0d\0'], 'hunter2')
  assert.is(out['u\0s\0e\0r\0'], 'app')
})

test.run()
