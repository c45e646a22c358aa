import { test } from 'uvu'
import * as assert from 'uvu/assert'
import canonicalize from 'canonicalize'
import { storableJson } from './storable-json.ts'

const LONE = /\p{Cs}/gu
/** What storable-json replaces: stringify with lone surrogates replaced, parse, then canonicalize. */
function threePasses(value: unknown): { plain: unknown; text: string } {
  const plain = JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'string' ? v.replace(LONE, '\uFFFD') : v)))
  const text = canonicalize(plain)
  if (text === undefined) throw new Error('no JSON form')
  return { plain, text }
}

function hasNegativeZero(v: unknown): boolean {
  if (Object.is(v, -0)) return true
  return v !== null && typeof v === 'object' && Object.values(v).some(hasNegativeZero)
}

function same(value: unknown): void {
  let expected: { plain: unknown; text: string } | undefined
  let expectedError: unknown
  try {
    expected = threePasses(value)
  } catch (err) {
    expectedError = err
  }
  if (expectedError) {
    assert.throws(() => storableJson(value), `refused by the three passes (${String(expectedError)}), so here`)
    return
  }
  const got = storableJson(value)
  assert.is(got.text, expected!.text)
  // Same own keys in the same order and the same values (the copy holds JSON values only), and no -0, which
  // JSON.stringify would not show.
  assert.is(JSON.stringify(got.plain), JSON.stringify(expected!.plain))
  assert.ok(!hasNegativeZero(got.plain), '-0 reads back as 0')
  assert.ok(!hasNegativeZero(expected!.plain))
}

test('tricky values: the same plain copy and canonical text as stringify, parse and canonicalize', () => {
  const cases: unknown[] = [
    { b: 1, a: [1, 'x', null, undefined, () => 1, Symbol('s')], c: undefined, d: () => 1 },
    { n: [NaN, Infinity, -Infinity, -0, 0, 1e21, 1e-7, 123456789012345680000, 0.1 + 0.2, 5e-324, Number.MAX_VALUE] },
    { s: 'a\uD800b', t: '\uDC00', u: '\uD83D\uDE00', v: '\u2028\u2029\u0000\u001f"\\/' },
    { z: 1, Z: 2, é: 3, '\uD83D\uDE00': 4, '\uFB33': 5, 10: 'x', 2: 'y', '': 6, '-1': 7 },
    JSON.parse('{"__proto__": {"x": 1}, "a": 2}'),
    { date: new Date(0), bad: new Date(NaN), custom: { toJSON: (k: string) => `key:${k}` } },
    [{ toJSON: () => undefined }, new Number(3), new String('s'), new Boolean(false)],
    { nested: { deeper: { deepest: [[[{}]]], empty: [] } } },
    { big: 10n },
    // Boxed values by their slot, as stringify reads them; toJSON of a function; a String read by its toString.
    { boxed: Object(10n) }, { made: Object.create(Number.prototype) }, { fn: Object.assign(() => 1, { toJSON: () => 'F' }) },
    { s: Object.assign(new String('a'), { toString: () => 'b' }), n: Object.assign(new Number(1), { valueOf: () => 2 }) },
    { ['\uD800']: 1 },
    'plain string', 42, true, null,
  ]
  for (const c of cases) same(c)
})

test('random events: the same result as the three passes', () => {
  let seed = 7
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!
  const strings = ['', 'x', 'sk_live_\uD800', '\uDFFF\uD800', 'ü', '"\n', '\uD83D\uDE00', 'a'.repeat(50)]
  const keys = ['a', 'b', 'B', '_', '1', '01', '__proto__', 'toString', 'é', '\uD83D\uDE00', 'constructor']
  const gen = (depth: number): unknown => {
    const r = rand()
    if (depth > 4 || r < 0.35) return pick<unknown>([pick(strings), rand() * 1e6, -0, NaN, null, true, undefined, Math.floor(rand() * 1e16)])
    if (r < 0.6) return Array.from({ length: Math.floor(rand() * 4) }, () => gen(depth + 1))
    const o: Record<string, unknown> = {}
    for (let i = Math.floor(rand() * 5); i > 0; i--) Object.defineProperty(o, pick(keys), { value: gen(depth + 1), enumerable: true, writable: true, configurable: true })
    return o
  }
  for (let i = 0; i < 3000; i++) same(gen(0))
})

test.run()
