import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { maskDetected } from '../obligations/mask/text-spans.ts'
import { maskWhole } from '../obligations/mask/strategy.ts'
import { DETECTOR_NAMES } from '../obligations/mask/detectors/index.ts'
import { boundCarriesMaskOutput, carriesMaskOutput, isMaskOutput } from './mask-output.ts'

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

test('bound values are read as UTF-8, NULLs and short values skipped', () => {
  const bytes = (text: string) => new TextEncoder().encode(text)
  assert.ok(boundCarriesMaskOutput([bytes('4'), null, bytes('[redacted]')]))
  assert.not.ok(boundCarriesMaskOutput([bytes('*.txt'), null, Uint8Array.of(0, 0, 0, 4)]))
})

test.run()
