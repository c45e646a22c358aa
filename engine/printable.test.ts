import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { oneLine, terminalJson, visible } from './printable.ts'

// Each reads as something else on a screen: the value that runs is not the one a reviewer reads.
const UNSEEN = [
  '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', // zero-width space, joiners, word joiner, BOM
  '\u00ad', '\u180e', '\u034f', // soft hyphen, Mongolian vowel separator, combining grapheme joiner
  '\u115f', '\u3164', '\uffa0', // Hangul fillers: drawn as blanks
  '\u{e0041}', '\u{e007f}', // tag characters
  '\ufe0f', '\u{e0100}', // variation selectors
  '\u00a0', '\u2007', '\u202f', '\u3000', // spaces that are not U+0020
  '\u202e', '\u2066', '\u200f', '\u061c', // bidi
  '\u009b', '\u0085', '\u001b', '\r', // controls: C1 CSI, NEL, ESC, CR
  '\u2028', '\u2029',
]

test('every invisible, bidi, control and non-ASCII space character is shown as its escape', () => {
  for (const c of UNSEEN) {
    const text = `WHERE owner <> 'alice${c}'`
    const code = c.codePointAt(0)!.toString(16)
    assert.is(visible(text), `WHERE owner <> 'alice\\u{${code}}'`, `U+${code}`)
    assert.is(oneLine(text), `WHERE owner <> 'alice\\u{${code}}'`, `U+${code}`)
  }
})

test('text of any script, emoji and plain spaces stay as written; visible keeps line feeds and tabs, oneLine escapes them', () => {
  const text = "SELECT 'Ålice', 'Δ', '東京', '🙂' FROM t\n\tWHERE x = 1"
  assert.is(visible(text), text)
  assert.is(oneLine(text), "SELECT 'Ålice', 'Δ', '東京', '🙂' FROM t\\n\\tWHERE x = 1")
})

test('terminalJson: the same JSON, with every such character a \\u escape (astral ones as surrogate pairs)', () => {
  const value = { statement: `DELETE FROM t WHERE owner <> 'alice${UNSEEN.join('')}'`, note: 'é 東京 🙂 \\u200b', nested: [{ '\u202ekey': '\u009b2J' }] }
  for (const space of [undefined, 2]) {
    const text = terminalJson(value, space)
    assert.ok(/^[\x20-\x7e\n é東京🙂]*$/u.test(text), text)
    assert.equal(JSON.parse(text), value)
  }
  assert.match(terminalJson('\u{e0041}'), '"\\udb40\\udc41"')
  assert.is(terminalJson(undefined), 'null')
})

test.run()
