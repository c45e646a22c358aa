// Does anything a client received give back a masked value? Every received string goes through a bounded
// set of cheap, deterministic decoders (reversal, base64 / hex / octal / bit-string / code-point decoding,
// JSON / array / tsvector unwrapping, entity and percent decoding, interleaving, case folding, the translation
// tables the masking corpus uses), and each result is folded to lower-case ASCII letters and digits — which
// removes every separator — before the seeded secrets are searched for in it, forwards and backwards.
//
// A secret leaks when its hidden part appears: the whole value for a redacted column, everything but the last
// four characters for a partially masked one (for cards and phones, their digits). For values seeded to be
// distinctive (testing/seed-leaks.ts), any fragment of the hidden part as long as FRAGMENT_LETTERS (or, for an
// all-digit part, FRAGMENT_DIGITS) also counts: split_part and substr then leak too. Row counts and timings
// are not looked at; inference through them is out of scope.

export interface SeededSecret {
  /** `table.column` it is stored in. */
  column: string
  value: string
  /** partial keeps the last four characters; redact hides everything. */
  strategy: 'partial' | 'redact'
  /** Seeded so that any fragment of FRAGMENT_* characters is unique to it. */
  distinctive: boolean
}

export interface ReceivedResult {
  fields: string[]
  rows: (string | Buffer | null)[][]
}

/** Everything one statement (or one multi-statement query) sent back to the client. */
export interface Received {
  results: ReceivedResult[]
  /** Every field of every ErrorResponse and NoticeResponse (message, detail, hint, where, internal query …). */
  messages: string[]
  /** The raw bytes received, as latin1 text: searched without decoding, as a backstop. */
  raw?: string
}

export interface Leak {
  column: string
  /** The decoders that turned what was received into something holding the secret, e.g. "row 2 col 1 > base64 > reverse". */
  via: string
  /** The received text (clipped). */
  received: string
}

const FRAGMENT_LETTERS = 6
const FRAGMENT_DIGITS = 8
/** Every exact needle is at least this long; it is also the length of the index key. */
const NEEDLE_KEY = 7
/** Length of the index key: the shortest needle of any kind. */
const KEY = Math.min(FRAGMENT_LETTERS, FRAGMENT_DIGITS, NEEDLE_KEY)
const MAX_CANDIDATES = 400
/** Longer strings are searched as they are (and folded), without decoders. */
const MAX_DECODE = 256 * 1024
const CLIP = 160
const INTERLEAVE_MAX = 256
/** Clean texts remembered per checker: at most this many, each at most this long. */
const CLEAN_MAX = 200_000
const CLEAN_MAX_LENGTH = 4_096
/** Past this length a string is decoded one level deep only. */
const DEEP_MAX = 8 * 1024
/** Columns are joined down at most this many rows (per-character attacks need far fewer). */
const JOIN_ROWS = 1_000
/** Needles with fewer distinct characters (4242…, 5555…) turn up in any run of numbers. */
const MIN_DISTINCT = 4

/**
 * Ids the gateway makes (an approval request's, a grant's: a prefix and 10 random base32 characters), which its
 * own notices name twice (`held for approval apr_…; approve with: … apr_…`): random letters that the decoders
 * (every other character of every other character, rot13 …) turned into a 6-letter fragment of a secret by chance.
 */
const GATEWAY_IDS = /\b(?:apr|grt|aps)_[a-z2-7]{10}\b/g

const isInteger = (v: string): boolean => /^\d{1,7}$/.test(v)

export const fold = (s: string): string => s.normalize('NFKC').toLowerCase().replace(/[^a-z0-9]+/g, '')
const reverse = (s: string): string => Array.from(s).reverse().join('')

function table(from: string, to: string): (s: string) => string {
  const map = new Map(Array.from(from).map((c, i) => [c, to[i]!]))
  return (s) => s.replace(/[\s\S]/g, (c) => map.get(c) ?? c)
}

const ALPHA = 'abcdefghijklmnopqrstuvwxyz'
/** Translation tables applied to folded text: the inverses of those the corpus uses with translate(). */
const FOLDED_VARIANTS: [string, (s: string) => string][] = [
  ['reverse', reverse],
  ['letters-to-digits', table('abcdefghij', '0123456789')],
  ['reverse letters-to-digits', (s) => reverse(table('abcdefghij', '0123456789')(s))],
  ['atbash', table(ALPHA, reverse(ALPHA))],
  ['rot13', table(ALPHA, ALPHA.slice(13) + ALPHA.slice(0, 13))],
  ['digits-rotated', table('0123456789', '9012345678')],
  ['leet', table('4310572', 'aeiostz')],
]

type Decoder = (s: string) => string | undefined

const bytesText = (b: Buffer): string => b.toString('latin1')

function hexRuns(s: string): string | undefined {
  const runs = s.match(/(?:[0-9a-fA-F]{2}){4,}/g)
  if (!runs) return undefined
  const out: string[] = []
  for (const r of runs) {
    out.push(bytesText(Buffer.from(r, 'hex')))
    if (r.length > 9) out.push(bytesText(Buffer.from(r.slice(1, -1), 'hex')))
  }
  return out.join(' ')
}

function base64Runs(s: string): string | undefined {
  const runs = s.replace(/\s+/g, '').match(/[A-Za-z0-9+/_-]{8,}={0,2}/g)
  if (!runs) return undefined
  const out: string[] = []
  for (const r of runs) {
    // Base64 of text has both cases; a run of digits or one word is not worth decoding.
    if (!/[a-z]/.test(r) || !/[A-Z]/.test(r)) continue
    const std = r.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '')
    // Any four-character alignment: a run may start inside a quantum of a longer encoding.
    for (let k = 0; k < 4 && k < std.length - 4; k++) out.push(bytesText(Buffer.from(std.slice(k), 'base64')))
  }
  return out.length ? out.join(' ') : undefined
}

function backslashEscapes(s: string): string | undefined {
  if (!s.includes('\\')) return undefined
  return s.replace(/\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{3})|(\\))/g, (_m, x, u, U, o, b) => {
    if (b) return '\\'
    const code = parseInt(x ?? u ?? U ?? o, x || u || U ? 16 : 8)
    return code <= 0x10ffff ? String.fromCodePoint(code) : ''
  })
}

function percent(s: string): string | undefined {
  if (!/%[0-9a-fA-F]{2}/.test(s)) return undefined
  return s.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }
function entities(s: string): string | undefined {
  if (!/&#?\w+;/.test(s)) return undefined
  return s.replace(/&#x([0-9a-fA-F]+);|&#(\d+);|&(\w+);/g, (m, h, d, n) => {
    if (n) return ENTITIES[n] ?? m
    const code = parseInt(h ?? d, h ? 16 : 10)
    return code <= 0x10ffff ? String.fromCodePoint(code) : m
  })
}

function jsonStrings(s: string): string | undefined {
  const t = s.trim()
  if (!/^[[{"]/.test(t)) return undefined
  let v: unknown
  try {
    v = JSON.parse(t)
  } catch {
    return undefined
  }
  const out: string[] = []
  const walk = (x: unknown): void => {
    if (typeof x === 'string') out.push(x)
    else if (typeof x === 'number' || typeof x === 'boolean') out.push(String(x))
    else if (Array.isArray(x)) x.forEach(walk)
    else if (x && typeof x === 'object') for (const [k, val] of Object.entries(x)) (out.push(k), walk(val))
  }
  walk(v)
  return out.join(' ')
}

/** A tsvector lists lexemes alphabetically: put them back in position order. */
function tsvectorOrder(s: string): string | undefined {
  const lexemes = [...s.matchAll(/'((?:[^']|'')*)':(\d+)/g)]
  if (lexemes.length < 2) return undefined
  const at: [number, string][] = []
  for (const m of s.matchAll(/'((?:[^']|'')*)'(?::([0-9A-D,]+))?/g)) {
    for (const p of (m[2] ?? '0').split(',')) at.push([parseInt(p, 10) || 0, m[1]!.replace(/''/g, "'")])
  }
  at.sort((a, b) => a[0] - b[0])
  return at.map(([, l]) => l).join(' ')
}

/** Runs of numbers, e.g. ascii() of each character: read them as code points. */
function codePoints(s: string): string | undefined {
  const runs = s.match(/\d{1,7}(?:[^\dA-Za-z]+\d{1,7}){3,}/g)
  if (!runs) return undefined
  const out: string[] = []
  for (const r of runs) {
    // ascii('') is 0 past the end of a value: skip what is no character rather than give up.
    const codes = r.split(/[^\d]+/).filter(Boolean).map(Number).filter((c) => c >= 9)
    if (codes.length && codes.every((c) => c <= 0x10ffff)) out.push(String.fromCodePoint(...codes))
  }
  return out.length ? out.join(' ') : undefined
}

function bitStrings(s: string): string | undefined {
  const runs = s.match(/[01]{16,}/g)
  if (!runs) return undefined
  return runs.map((r) => {
    const bytes: number[] = []
    for (let i = 0; i + 8 <= r.length; i += 8) bytes.push(parseInt(r.slice(i, i + 8), 2))
    return String.fromCharCode(...bytes)
  }).join(' ')
}

/** `ada at example dot com`, `ada [at] example (dot) com`. */
function spelledOut(s: string): string | undefined {
  if (!/\b(?:at|dot)\b/i.test(s)) return undefined
  return s.replace(/[\s[({]+(?:at|dot)[\s\])}]+/gi, '.')
}

/** Every other character: undoes `regexp_replace(v, '(.)', '\1x', 'g')`. */
function interleaved(s: string): string | undefined {
  // Only single values: on long joined text every other character of a number sequence is a digit run.
  if (s.length < 12 || s.length > INTERLEAVE_MAX) return undefined
  const chars = Array.from(s)
  return `${chars.filter((_, i) => i % 2 === 0).join('')} ${chars.filter((_, i) => i % 2 === 1).join('')}`
}

/** Every character moved by a fixed number of code points: chr(ascii(c) + n). */
function shifted(by: number): Decoder {
  return (s) => {
    if (s.length > INTERLEAVE_MAX) return undefined
    let out = ''
    for (const ch of s) {
      const c = ch.codePointAt(0)! - by
      out += c >= 32 && c <= 0x10ffff ? String.fromCodePoint(c) : ' '
    }
    return out
  }
}

const DECODERS: [string, Decoder][] = [
  ['json', jsonStrings],
  ['escapes', backslashEscapes],
  ['hex', hexRuns],
  ['base64', base64Runs],
  ['percent', percent],
  ['entities', entities],
  ['tsvector', tsvectorOrder],
  ['code-points', codePoints],
  ['bits', bitStrings],
  ['spelled-out', spelledOut],
  ['interleaved', interleaved],
  ['shifted +1', shifted(1)],
  ['shifted -1', shifted(-1)],
  ['shifted +17', shifted(17)],
]
/** Shifting is applied to what was received only: chr(ascii(c) + n) is not combined with an encoding. */
const NESTED_DECODERS = DECODERS.filter(([name]) => !name.startsWith('shifted'))

/** The decoded forms of one string: BFS over the decoders, two levels deep, bounded. */
export function decodings(s: string): Map<string, string> {
  const seen = new Map<string, string>([[s, 'as received']])
  if (s.length > MAX_DECODE) return seen
  let frontier: [string, string][] = [[s, '']]
  const depths = s.length > DEEP_MAX ? 1 : 2
  for (let depth = 0; depth < depths && frontier.length; depth++) {
    const next: [string, string][] = []
    for (const [text, via] of frontier) {
      for (const [name, decode] of depth === 0 ? DECODERS : NESTED_DECODERS) {
        if (seen.size >= MAX_CANDIDATES) return seen
        const out = decode(text)
        if (out === undefined || out === '' || seen.has(out)) continue
        const path = via ? `${via} > ${name}` : name
        seen.set(out, path)
        next.push([out, path])
      }
    }
    frontier = next
  }
  return seen
}

interface Needle {
  column: string
  text: string
}

export interface LeakChecker {
  /** Leaks in one received string, with `where` naming it in the report. */
  scanText(text: string, where: string): Leak[]
  /** Leaks in everything a query received: each value, each column and each row joined, messages, raw bytes. */
  scan(received: Received): Leak[]
}

/** The folded texts whose presence means a leak of `s`. */
export function needlesOf(s: SeededSecret): { exact: string[]; fragments: string[] } {
  const hidden = fold(s.strategy === 'partial' ? Array.from(s.value).slice(0, -4).join('') : s.value)
  const exact = [...new Set([fold(s.value), hidden])].filter((t) => new Set(t).size >= MIN_DISTINCT)
  if (!s.distinctive) return { exact, fragments: [] }
  const n = /^\d+$/.test(hidden) ? FRAGMENT_DIGITS : FRAGMENT_LETTERS
  const fragments: string[] = []
  for (let i = 0; i + n <= hidden.length; i++) {
    const f = hidden.slice(i, i + n)
    if (new Set(f).size >= MIN_DISTINCT) fragments.push(f)
  }
  return { exact, fragments }
}

export function createLeakChecker(secrets: SeededSecret[]): LeakChecker {
  // Every needle (whole hidden parts and fragments) indexed by its first KEY characters: one slice and one
  // lookup per position of the searched text, then startsWith for the few needles sharing that key.
  const byKey = new Map<string, Needle[]>()
  const add = (column: string, text: string) => {
    const key = text.slice(0, KEY)
    const list = byKey.get(key) ?? []
    if (!list.some((n) => n.text === text)) list.push({ column, text })
    byKey.set(key, list)
  }
  for (const s of secrets) {
    const n = needlesOf(s)
    for (const text of n.exact) {
      if (text.length < NEEDLE_KEY) throw new Error(`seeded ${s.column} value ${JSON.stringify(s.value)} is too short to search for`)
      add(s.column, text)
    }
    for (const f of n.fragments) add(s.column, f)
  }

  function findIn(folded: string): Needle | undefined {
    for (let i = 0; i + KEY <= folded.length; i++) {
      const hit = byKey.get(folded.slice(i, i + KEY))
      if (hit) for (const n of hit) if (folded.startsWith(n.text, i)) return n
    }
    return undefined
  }

  // Texts already found clean: a sweep of thousands of statements receives the same refusals, command tags and
  // values again and again, and decoding each every time was most of its run time.
  const clean = new Set<string>()

  function scanText(text: string, where: string): Leak[] {
    // Shorter than the shortest fragment, and too short to hold an encoding of one.
    if (text.length < KEY || clean.has(text)) return []
    for (const [decoded, via] of decodings(text)) {
      const folded = fold(decoded)
      if (folded.length < KEY) continue
      const variants: [string, string][] = [['', folded], ...FOLDED_VARIANTS.map(([name, f]): [string, string] => [name, f(folded)])]
      for (const [name, v] of variants) {
        const hit = findIn(v)
        if (hit) {
          const path = [where, via, name].filter(Boolean).join(' > ')
          return [{ column: hit.column, via: path, received: text.length > CLIP ? `${text.slice(0, CLIP)}…` : text }]
        }
      }
    }
    if (text.length <= CLEAN_MAX_LENGTH && clean.size < CLEAN_MAX) clean.add(text)
    return []
  }

  function scan(received: Received): Leak[] {
    const leaks: Leak[] = []
    const done = new Set<string>()
    const look = (text: string, where: string) => {
      if (done.has(text)) return
      done.add(text)
      leaks.push(...scanText(text, where))
    }
    received.results.forEach((r, ri) => {
      const rows = r.rows.map((row) => row.map((v) => (v === null ? '' : typeof v === 'string' ? v : bytesText(v))))
      r.fields.forEach((f, ci) => look(f, `result ${ri + 1} column name ${ci + 1}`))
      rows.forEach((row, i) => {
        row.forEach((v, ci) => look(v, `result ${ri + 1} row ${i + 1} column ${ci + 1}`))
        look(row.join(''), `result ${ri + 1} row ${i + 1} joined`)
        // With commas only for numbers: code points, one per column.
        if (row.every(isInteger)) look(row.join(','), `result ${ri + 1} row ${i + 1} joined with commas`)
      })
      const width = Math.max(r.fields.length, ...rows.map((row) => row.length))
      for (let ci = 0; ci < width && rows.length > 1; ci++) {
        const column = rows.slice(0, JOIN_ROWS).map((row) => row[ci] ?? '')
        look(column.join(''), `result ${ri + 1} column ${ci + 1} joined down the rows`)
        if (column.every(isInteger)) look(column.join(','), `result ${ri + 1} column ${ci + 1} joined down the rows with commas`)
      }
    })
    received.messages.forEach((m, i) => look(m.replace(GATEWAY_IDS, '<id>'), `message field ${i + 1}`))
    if (received.raw !== undefined) {
      const hit = findIn(fold(received.raw))
      if (hit) leaks.push({ column: hit.column, via: 'raw bytes received', received: '(raw stream)' })
    }
    return leaks
  }

  return { scanText, scan }
}
