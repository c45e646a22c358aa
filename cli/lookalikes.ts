// Words in a statement that a reviewer may read as other words: letters of two scripts that look alike in one word
// ('аlice' with a Cyrillic а reads as 'alice', and is not it), or characters with a plainer compatibility form
// (fullwidth 'ａlice', mathematical '𝐚lice', the ligature 'ﬁle'). Escaping cannot show these: each is a letter.

// Scripts with letters drawn like Latin ones (Unicode's confusables: а/a, ο/o, ԁ/d, Ꭺ/A, ⲟ/o, ꓮ/A, ᑭ/P).
const ALIKE = ['Latin', 'Cyrillic', 'Greek', 'Armenian', 'Cherokee', 'Coptic', 'Lisu', 'Canadian_Aboriginal'].map((s) => [s, new RegExp(`\\p{Script=${s}}`, 'u')] as const)

const WORD = /[\p{L}\p{M}\p{N}_$]+/gu

/** Most words named, so a statement full of them cannot flood the screen (the count is still said). */
const MAX_NAMED = 10

function why(word: string): string | undefined {
  const scripts = ALIKE.filter(([, re]) => [...word].some((c) => re.test(c))).map(([name]) => name.replace('_', ' '))
  if (scripts.length > 1) return `${scripts.join(' and ')} letters in one word`
  const plain = word.normalize('NFKC')
  if (plain !== word) return `compatibility characters: it reads as ${JSON.stringify(plain)}`
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
