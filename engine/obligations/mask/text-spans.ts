// Replaces the detected spans of one string according to each detector's strategy.
import type { MaskStrategy } from '../../types.ts'
import { base64Text, utf8Text } from './base64-text.ts'
import { DETECTORS, type DetectorName, findSpans, type FoundSpan, mergeSpans } from './detectors/index.ts'
import { type Decoded, jsonUnescaped, quotedPrintable, through, xmlUnescaped } from './detectors/escaped-text.ts'
import { insideAny } from './detectors/span-cover.ts'
import { percentText } from './percent-text.ts'
import { maskSpan } from './strategy.ts'
import { wrappedBase64 } from './wrapped-base64.ts'

export type DetectorStrategies = Partial<Record<DetectorName, MaskStrategy>>

export interface SpanMaskResult {
  value: string | null
  masked: boolean
}

// A run of base64 inside text (user data in an XML answer, a blob in a log line, `CONFIG_B64=…` or `?data=…`), and
// the same in the URL alphabet (`-` and `_` for `+` and `/`: a JWT part, a URL-safe token); runs of BASE64_MIN
// characters or more are read. A run may follow an `=`: a lookbehind that refused one passed every value assigned in
// a query string or an .env line. Matched as `+` and measured after: `{24,}` made the regexp engine overflow its
// stack on a run of some 10 MB, which withheld the whole answer; `+` reads such a run in ~20 ms.
const BASE64_RUN = /[A-Za-z0-9+/]+={0,2}/g
const BASE64URL_RUN = /[A-Za-z0-9_-]+={0,2}/g
const BASE64_MIN = 24
// A run of characters a URL may hold (no space, quote or angle bracket): an S3 key in XML, a link in JSON. Runs
// are found first and tested for an escape after, so the scan stays linear however long a run is.
const URL_RUN = /[^\s"'<>`]+/g
// PostgreSQL's text form of bytea (bytea_output = hex, the default): `\x` and two hex digits a byte, alone in a
// row, in an array (`{"\\x…"}`), a composite or row_to_json. A bytea holding text (a config file, a token) is that
// text to whoever reads the hex back (`xxd -r -p`); a run whose bytes are UTF-8 text is read as it.
const BYTEA_HEX = /\\x((?:[0-9a-fA-F]{2})+)/g
const hexText = (run: string) => utf8Text(Buffer.from(run.slice(2), 'hex'))

/** The length of a base64 run without its padding. */
const unpadded = (run: string) => run.length - (run.endsWith('==') ? 2 : run.endsWith('=') ? 1 : 0)

/**
 * The detected spans, and every base64 or percent-encoded run whose text holds what a detector finds, masked
 * whole (a partial mask of an encoding hides nothing). Runs inside a detected span are left to it.
 */
function spansWithEncoded(text: string, detectors: readonly DetectorName[], escapesUndone = false): FoundSpan[] {
  const spans = findSpans(text, detectors)
  let encoded: FoundSpan[] | undefined
  let inside: ((start: number, end: number) => boolean) | undefined
  const add = (run: RegExp, decode: (value: string) => string | undefined, label: string, min = 0) => {
    run.lastIndex = 0
    for (let m = run.exec(text); m !== null; m = run.exec(text)) {
      const start = m.index
      const end = start + m[0].length
      if (unpadded(m[0]) < min) continue
      if ((inside ??= insideAny(spans))(start, end)) continue
      const decoded = decode(m[0])
      const inner = decoded === undefined ? [] : findSpans(decoded, detectors)
      if (inner.length) (encoded ??= []).push({ start, end, label, detector: inner[0]!.detector })
    }
  }
  if (text.length >= BASE64_MIN) add(BASE64_RUN, base64Text, 'base64', BASE64_MIN)
  if (text.length >= BASE64_MIN && (text.includes('-') || text.includes('_'))) add(BASE64URL_RUN, base64Text, 'base64', BASE64_MIN)
  // Most text with escapes (query strings, paths) decodes to nothing a detector finds: one scan of the whole
  // text decoded says so, where a scan per run cost 5x the detectors alone on a 64 KB log with escapes on every
  // line; with that first scan it costs 1.8-2.3x (best of 9, load average about 8 on 2 cores), and text with no
  // `%` costs what it did.
  if (text.includes('%')) {
    const decoded = percentText(text)
    if (decoded !== undefined && findSpans(decoded, detectors).length > 0) add(URL_RUN, percentText, 'url-encoded')
  }
  if (text.includes('\\x')) add(BYTEA_HEX, hexText, 'hex')
  if (INVISIBLE.test(text)) (encoded ??= []).push(...invisibleSpans(text, detectors))
  // Base64 wrapped over lines (`base64`, MIME, PEM): a secret across a line break is in no one line's run.
  if (text.length >= BASE64_MIN && text.includes('\n')) {
    for (const block of wrappedBase64(text)) {
      const inner = findSpans(block.text, detectors)
      if (inner.length && !(inside ??= insideAny(spans))(block.start, block.end)) {
        (encoded ??= []).push({ start: block.start, end: block.end, label: 'base64', detector: inner[0]!.detector })
      }
    }
  }
  const escaped = escapesUndone ? [] : escapedSpans(text, detectors)
  if (escaped.length) (encoded ??= []).push(...escaped)
  return encoded ? mergeSpans([...spans, ...encoded]) : spans
}

/**
 * What the detectors find in a decoded form of the text, its encodings read too (an escaped invisible character,
 * base64 whose `/` PHP wrote `\/`, base64 wrapped with `\n`), mapped back onto the text. Escapes are undone once.
 */
function decodedSpans(decoded: Decoded | undefined, detectors: readonly DetectorName[]): FoundSpan[] {
  if (!decoded) return []
  return spansWithEncoded(decoded.text, detectors, true).map((s) => ({ ...s, start: decoded.from[s.start]!, end: decoded.to[s.end - 1]! }))
}

/**
 * What the detectors find in the text with its JSON string escapes undone (once, and twice for JSON in a JSON
 * string), with its XML/HTML character references undone, and with its quoted-printable soft breaks undone: a log
 * line that prints JSON (`\u0067hp_…`, PHP's `https:\/\/hooks.slack.com\/…`), an HTML page
 * (`hooks.slack.com&#x2F;services&#x2F;…`) or a raw e-mail holds a token for the client that parses it. Each form is
 * read only when the text holds such an escape: a 64 KB log with `\"`, `\/` and `&amp;` on every line cost 10.8 ms
 * against 5.6, one with `\n` on every line 5.5 against 2.8 (best of 7, all detectors); text without them costs what
 * it did.
 */
function escapedSpans(text: string, detectors: readonly DetectorName[]): FoundSpan[] {
  const json = jsonUnescaped(text)
  const xml = xmlUnescaped(text)
  // secret_assignment reads these two forms itself: run again over them, it decoded them once more.
  const others = json || xml ? detectors.filter((d) => d !== 'secret_assignment') : detectors
  return [
    ...decodedSpans(json, others),
    ...(json?.text.includes('\\') ? decodedSpans(through(json, jsonUnescaped(json.text)), detectors) : []),
    ...decodedSpans(xml, others),
    ...decodedSpans(quotedPrintable(text), detectors),
  ]
}

// Characters a reader does not see: NUL, and the invisible format characters (soft hyphen, zero-width space and
// joiners, word joiner, bidi marks and embeddings, the BOM as a zero-width no-break space).
const INVISIBLE = /[\0\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/
const invisible = (c: number) => c === 0 || c === 0xad || c === 0x61c || c === 0x180e || (c >= 0x200b && c <= 0x200f) ||
  (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x2064) || (c >= 0x2066 && c <= 0x206f) || c === 0xfeff

/**
 * What the detectors find in the text with its invisible characters taken out, mapped back onto the text. UTF-16
 * read as UTF-8 or Latin-1 (a tool that reads a Windows file, a column holding UTF-16 bytes) puts a NUL after each
 * ASCII character: `j\0a\0n\0e\0@\0…` is jane@… to a reader that drops them (a terminal shows none), and no detector
 * reads it; so is `jane\u200b@example.com`, or `pass\u00adword=…`, to a reader who sees no zero-width space or soft hyphen.
 */
function invisibleSpans(text: string, detectors: readonly DetectorName[]): FoundSpan[] {
  const at: number[] = []
  let kept = ''
  for (let i = 0; i < text.length; i++) {
    if (invisible(text.charCodeAt(i))) continue
    at.push(i)
    kept += text[i]
  }
  return findSpans(kept, detectors).map((s) => ({ ...s, start: at[s.start]!, end: at[s.end - 1]! + 1 }))
}

export function maskDetected(
  text: string,
  detectors: readonly DetectorName[],
  strategies: DetectorStrategies,
  key: Uint8Array,
): SpanMaskResult {
  const spans = spansWithEncoded(text, detectors)
  if (spans.length === 0) return { value: text, masked: false }
  let out = ''
  let at = 0
  for (const span of spans) {
    const strategy = strategies[span.detector] ?? 'redact'
    if (strategy === 'null') return { value: null, masked: true }
    out += text.slice(at, span.start)
    out += maskSpan(text.slice(span.start, span.end), strategy, span.label, key, DETECTORS[span.detector].canonical)
    at = span.end
  }
  return { value: out + text.slice(at), masked: true }
}
