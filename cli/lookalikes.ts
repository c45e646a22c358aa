// Words in a statement that a reviewer may read as other words: letters of two scripts that look alike in one word
// ('аlice' with a Cyrillic а reads as 'alice', and is not it), or characters with a plainer compatibility form
// (fullwidth 'ａlice', mathematical '𝐚lice', the ligature 'ﬁle'), or Latin letters drawn like plain ones ('ɑlice'
// with a Latin alpha). Escaping cannot show these: each is a letter.

// Scripts with letters drawn like Latin ones (Unicode's confusables: а/a, ο/o, ԁ/d, Ꭺ/A, ⲟ/o, ꓮ/A, ᑭ/P).
const ALIKE = ['Latin', 'Cyrillic', 'Greek', 'Armenian', 'Cherokee', 'Coptic', 'Lisu', 'Canadian_Aboriginal'].map((s) => [s, new RegExp(`\\p{Script=${s}}`, 'u')] as const)

const WORD = /[\p{L}\p{M}\p{N}_$]+/gu

/** Most words named, so a statement full of them cannot flood the screen (the count is still said). */
const MAX_NAMED = 10

// Latin letters drawn like plain ones, with no compatibility form (NFKC keeps them) and in the same script:
// 'ɑlice' (Latin alpha), 'ıd' (dotless i), 'ᴏps' (small capital O), 'ǀog' (a click letter drawn as l).
const LATIN_ALIKE: Readonly<Record<string, string>> = {
  '\u0251': 'a', '\u0261': 'g', '\u0131': 'i', '\u0237': 'j', '\u01c0': 'l', '\u0269': 'i', '\u026a': 'i',
  '\u028f': 'y', '\u1d00': 'a', '\u1d04': 'c', '\u1d0f': 'o', '\u1d1c': 'u', '\u1d20': 'v', '\u1d21': 'w',
  '\u1d22': 'z', '\ua731': 's', '\u0299': 'b', '\u1d05': 'd', '\u1d07': 'e', '\u029c': 'h', '\u1d0a': 'j',
  '\u1d0b': 'k', '\u029f': 'l', '\u1d0d': 'm', '\u0274': 'n', '\u1d18': 'p', '\u0280': 'r', '\u1d1b': 't',
}
const LATIN_ALIKE_CHARS = new RegExp(`[${Object.keys(LATIN_ALIKE).join('')}]`, 'gu')

function why(word: string): string | undefined {
  const scripts = ALIKE.filter(([, re]) => [...word].some((c) => re.test(c))).map(([name]) => name.replace('_', ' '))
  if (scripts.length > 1) return `${scripts.join(' and ')} letters in one word`
  const plain = word.normalize('NFKC')
  if (plain !== word) return `compatibility characters: it reads as ${JSON.stringify(plain)}`
  const drawn = plain.replace(LATIN_ALIKE_CHARS, (c) => LATIN_ALIKE[c]!)
  if (drawn !== word) return `Latin letters drawn like plain ones: it reads as ${JSON.stringify(drawn)}`
  return undefined
}

/** One line per word that may read as another, with why; none for text in one script per word. */
export function lookalikes(text: string): string[] {
  const found = new Map<string, string>()
  for (const [word] of text.matchAll(WORD)) {
    if (/^[\x00-\x7f]*$/.test(word) || found.has(word)) continue
    const reason = why(word)
    if (reason) found.set(word, reason)
  }
  const lines = [...found].slice(0, MAX_NAMED).map(([word, reason]) => `${JSON.stringify(word)}: ${reason}`)
  if (found.size > MAX_NAMED) lines.push(`and ${found.size - MAX_NAMED} more`)
  return lines
}
