import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { utf8Start, utf8Text } from './utf8.ts'

function reference(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
}

function referenceStart(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true })
    return true
  } catch {
    return false
  }
}

const hex = (h: string) => Buffer.from(h.replace(/\s/g, ''), 'hex')
// Overlongs, surrogates, beyond U+10FFFF, stray continuations, cut sequences, byte-order marks (one is dropped,
// a second is text), NUL, the largest code points of each length.
const adversarial = [
  '', '00', '41', 'c0 80', 'c1 bf', 'c2 80', 'df bf', 'e0 80 80', 'e0 9f bf', 'e0 a0 80', 'ed 9f bf', 'ed a0 80', 'ed bf bf', 'ee 80 80', 'ef bf bf',
  'f0 80 80 80', 'f0 8f bf bf', 'f0 90 80 80', 'f4 8f bf bf', 'f4 90 80 80', 'f5 80 80 80', 'ff', 'fe', '80', 'bf', '41 80 41',
  'e2 82', 'e2', 'f0 9f 98', 'f0 9f', 'c3', '7b 22 61 22 3a 22 c3', 'ef bb bf', 'ef bb bf 41', 'ef bb bf ef bb bf 41', '41 ef bb bf', 'ef bb', 'ef bb bf c3',
  'e0 80', 'ed a0', 'f4 90', 'f0 80', 'c3 a9 e2 82 ac f0 9f 98 80',
].map(hex)

function random(seed: number): Uint8Array {
  let s = seed
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648)
  // Mostly text, with bytes from the ranges where validity turns.
  const pieces = ['a', '{"k":"', 'é', '€', '😀', '\u0000']
  const bytes: number[] = []
  for (let i = Math.floor(next() * 24); i > 0; i--) {
    if (next() < 0.6) bytes.push(...Buffer.from(pieces[Math.floor(next() * pieces.length)]!))
    else bytes.push([0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xbb, 0xf0, 0xf4, 0xf5, 0xff, 0x9f, 0xa0][Math.floor(next() * 15)]!)
  }
  return Uint8Array.from(bytes)
}

test('utf8Text reads what a fatal TextDecoder reads, and refuses what it refuses', () => {
  for (const bytes of adversarial) assert.is(utf8Text(bytes), reference(bytes), bytes.toString('hex'))
  for (let seed = 1; seed <= 20_000; seed++) {
    const bytes = random(seed)
    assert.is(utf8Text(bytes), reference(bytes), Buffer.from(bytes).toString('hex'))
  }
})

test('utf8Start accepts what a fatal streaming TextDecoder accepts (a sequence cut at the end), and nothing else', () => {
  for (const bytes of adversarial) assert.is(utf8Start(bytes), referenceStart(bytes), bytes.toString('hex'))
  for (let seed = 1; seed <= 20_000; seed++) {
    const bytes = random(seed)
    assert.is(utf8Start(bytes), referenceStart(bytes), Buffer.from(bytes).toString('hex'))
  }
})

test('utf8Text reads a view into a larger buffer by its own bytes', () => {
  const whole = Buffer.from('xx{"a":"é"}yy')
  assert.is(utf8Text(whole.subarray(2, whole.length - 2)), '{"a":"é"}')
})

test.run()
