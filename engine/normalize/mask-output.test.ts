import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { maskDetected } from '../obligations/mask/text-spans.ts'
import { maskWhole } from '../obligations/mask/strategy.ts'
import { DETECTOR_NAMES } from '../obligations/mask/detectors/index.ts'
import { boundCarriesMaskOutput, bytesCarryMaskOutput, carriesMaskOutput, isMaskOutput } from './mask-output.ts'
import { cpuTimed } from '../testing/cpu-time.ts'

const KEY = new Uint8Array(32).fill(7)

test('what each strategy writes for a whole value is recognised', () => {
  for (const value of ['jane.doe@example.com', '4242424242424242', 'hunter2hunter2', 'abcd', 'abcdefgh']) {
    for (const strategy of ['redact', 'partial', 'hash'] as const) {
      const masked = maskWhole(value, strategy, KEY)!
      assert.ok(isMaskOutput(masked), `${strategy} of ${value}: ${masked}`)
    }
  }
})

test('what the detectors write inside a text is recognised, for every strategy', () => {
  const text = 'contact jane.doe@example.com, card 4242 4242 4242 4242, key AKIAIOSFODNN7EXAMPLE'
  for (const strategy of ['redact', 'partial', 'hash'] as const) {
    const strategies = Object.fromEntries(DETECTOR_NAMES.map((d) => [d, strategy]))
    const out = maskDetected(text, DETECTOR_NAMES, strategies, KEY)
    assert.ok(out.masked)
    assert.ok(isMaskOutput(out.value!), `${strategy}: ${out.value}`)
  }
})

test('ordinary text holding `*`, brackets or `h:` is not mask output', () => {
  for (const text of [
    '*.txt', '*/5 * * * *', 'SELECT * FROM t', '**bold**', 'a * b', '*abcd', '***abc', '/******/', 'rating: ****',
    '[INFO] started', 'see [1]', 'usage: login [user]', 'path:h:0123456789abcdef0', 'h:0123456789abcdeg',
    'sha:0123456789abcdef', 'x'.repeat(10_000), '*'.repeat(3) + 'text', 'a ******** b', '',
  ]) assert.not.ok(isMaskOutput(text), text)
})

test('a parsed body carrying a mask anywhere is found, keys aside', () => {
  assert.ok(carriesMaskOutput({ spec: { containers: [{ env: [{ name: 'DB_PASSWORD', value: '[redacted]' }] }] } }))
  assert.ok(carriesMaskOutput({ metadata: { annotations: { last: '{"email":"****************.com"}' } } }))
  assert.ok(carriesMaskOutput(['h:0123456789abcdef']))
  assert.not.ok(carriesMaskOutput({ '[redacted]': 'value', glob: '*.txt', n: 4, ok: true, none: null }))
})

test('base64 of mask output (a Kubernetes Secret\'s data) is found; base64 of other text or bytes is not', () => {
  const b64 = (text: string) => Buffer.from(text).toString('base64')
  for (const masked of ['[redacted]', '****', '************4242', 'h:0123456789abcdef', 'DB_PASSWORD=[redacted]\nX=1\n']) {
    assert.ok(carriesMaskOutput({ kind: 'Secret', data: { key: b64(masked) } }), masked)
  }
  assert.ok(carriesMaskOutput({ data: new TextEncoder().encode('[email]') }))
  for (const plain of [b64('hunter2hunter2'), b64('*.txt'), Buffer.from([0xff, 0x2a, 0x2a, 0x2a, 0x2a, 0x00]).toString('base64'), 'nginx123', 'KioqKg']) {
    assert.not.ok(carriesMaskOutput({ data: { key: plain } }), plain)
  }
})

test('a run of `*` alone longer than `****` is a placeholder, not a partial mask', () => {
  assert.ok(isMaskOutput('****'))
  for (const text of ['*****', '********', '************', '****ab']) assert.not.ok(isMaskOutput(text), text)
  assert.not.ok(carriesMaskOutput({ password: '********', schedule: '*/5 * * * *', glob: '**/*.ts' }))
})

test('a partial mask as the text of an XML element is found', () => {
  assert.ok(isMaskOutput('<Tag><Key>card</Key><Value>************4242</Value></Tag>'))
  assert.not.ok(isMaskOutput('<Value>*.txt</Value><Note>****</Note>'))
})

test('bytes of a format not parsed (protobuf) are read with their binary framing as blanks', () => {
  // A Kubernetes Secret in protobuf: field tags and lengths sit right before the value's bytes.
  const secret = Buffer.concat([Buffer.from('k8s\x00\x0a\x0d\x0a\x02v1\x12\x06Secret\x12\x80\x01'), Buffer.from([0xff, 0x10]), Buffer.from('************4242'), Buffer.from([0x1a, 0x02])])
  assert.ok(bytesCarryMaskOutput(new Uint8Array(secret)))
  assert.ok(boundCarriesMaskOutput([Uint8Array.of(0, 0, 0, 1, 0x10, ...Buffer.from('****************.com'), 0)]))
  assert.not.ok(bytesCarryMaskOutput(Uint8Array.of(0x10, 0x2a, 0x2e, 0x74, 0x78, 0x74, 0xff, 0x2a, 0x2a, 0x2a, 0x2a, 0x2a, 0x2a)))
})

test('bound values are read as UTF-8, NULLs and short values skipped', () => {
  const bytes = (text: string) => new TextEncoder().encode(text)
  assert.ok(boundCarriesMaskOutput([bytes('4'), null, bytes('[redacted]')]))
  assert.not.ok(boundCarriesMaskOutput([bytes('*.txt'), null, Uint8Array.of(0, 0, 0, 4)]))
})

/** text[] in PostgreSQL's binary array format (what asyncpg binds), one dimension. */
function binaryTextArray(items: readonly (string | null)[]): Uint8Array {
  const parts = items.map((item) => (item === null ? null : Buffer.from(item)))
  const size = 20 + parts.reduce((n, p) => n + 4 + (p?.byteLength ?? 0), 0)
  const out = Buffer.alloc(size)
  out.writeInt32BE(1, 0) // dimensions
  out.writeInt32BE(items.includes(null) ? 1 : 0, 4)
  out.writeInt32BE(25, 8) // text
  out.writeInt32BE(items.length, 12)
  out.writeInt32BE(1, 16)
  let at = 20
  for (const p of parts) {
    out.writeInt32BE(p === null ? -1 : p.byteLength, at)
    at += 4
    if (p) at += p.copy(out, at)
  }
  return new Uint8Array(out)
}

test('an element of a binary array holding mask output is found, whatever its length word reads as', () => {
  assert.ok(boundCarriesMaskOutput([binaryTextArray(['a', '****'])]))
  assert.ok(boundCarriesMaskOutput([binaryTextArray([null, '************4242'])]))
  // A length of 42 is the byte `*`, one of 65 the byte `A`: glued to the element's text when read whole.
  assert.ok(boundCarriesMaskOutput([binaryTextArray(['*'.repeat(38) + '4242'])]))
  assert.ok(boundCarriesMaskOutput([binaryTextArray(['*'.repeat(61) + '.com'])]))
  assert.not.ok(boundCarriesMaskOutput([binaryTextArray(['*.txt', '********', null, 'plain text'])]))
})

test('a bound value of thousands of arrays nested as elements is read without throwing, in bounded time', () => {
  // 20,000 levels of a one-element binary array, `abcdefgh` innermost: each level's element is the next level.
  const levels = 20000
  const out = Buffer.alloc(levels * 24 + 8)
  out.write('abcdefgh', levels * 24)
  for (let i = 0; i < levels; i++) {
    const at = i * 24
    for (const [offset, word] of [[0, 1], [4, 0], [8, 25], [12, 1], [16, 1], [20, out.length - at - 24]]) out.writeInt32BE(word!, at + offset!)
  }
  const { value: carries, cpuMs } = cpuTimed(() => boundCarriesMaskOutput([new Uint8Array(out)]))
  assert.not.ok(carries)
  assert.ok(cpuMs < 1000, `took ${cpuMs} ms`)
  assert.ok(boundCarriesMaskOutput([binaryTextArray(['x']), new Uint8Array(out), binaryTextArray(['[email]'])]))
})

test.run()
