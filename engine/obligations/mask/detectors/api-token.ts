// API tokens vendors issue with a documented prefix or URL shape (GitHub, GitLab, Slack, Stripe, Google, OpenAI,
// Anthropic, SendGrid, npm, PyPI, Hugging Face, Shopify, DigitalOcean, Twilio, Telegram, Discord, Azure SAS).
// The whole token is masked; for webhook URLs and SAS query strings only the secret part, so the host stays readable.
//
// No checksum filters: GitHub's and npm's tokens end in a CRC32, but older and enterprise formats differ, and a
// string of exactly that shape is a token in practice, so a failed checksum would leave a real one in clear.
//
// All formats are one regex with an alternative each, every one opening with a literal, so V8 scans a text once and
// rejects most positions on their first character: ~4 ms of CPU per MB of ordinary text, within the other detectors'
// 1–7 ms. The left boundary is checked after a match (startsAlone): as a lookbehind opening each alternative it
// cost ~110 ms per MB. Quantifiers end at the first character outside their class: linear in the text.
import type { Detector, Span } from './types.ts'

// Fixed-length formats end where the token ends.
const E = '(?![A-Za-z0-9_-])'

interface Format {
  vendor: string
  /** Opens with a literal; a capture group, if any, is the part to mask (a webhook URL's secret path). */
  pattern: string
  /** What may come before: not a word character (`task-proj-…`, `mysk_live_…`), or anything (after a URL's path). */
  after: 'separator' | 'any'
  /** A further test of the matched text, for formats whose shape alone also fits ordinary strings. */
  accept?: (token: string) => boolean
}

/**
 * A literal as a pattern matching it in any case: hosts are case-insensitive (`HOOKS.SLACK.COM`, `Discord.com`), and
 * so are the paths the gateway cannot prove a server reads in one case only. A class per letter, not the `i` flag,
 * which would apply to the tokens' own classes too.
 */
const anyCase = (literal: string) =>
  literal.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`).replace(/\./g, '\\.')
/**
 * A host in any case, with the trailing dot of a fully qualified name and a port: `hooks.slack.com./…` and
 * `hooks.slack.com:443/…` reach the same host.
 */
const host = (name: string) => `${anyCase(name)}\\.?(?::\\d{1,5})?`
/** A slash of a URL's path, with the extra slashes and dot segments a client folds (`//services`, `/./services`). */
const SLASH = '/(?:[./]{0,8}/)?'

const hasDigit = (s: string) => /\d/.test(s)
const mixedCase = (s: string) => /[a-z]/.test(s) && /[A-Z]/.test(s)

const FORMATS: readonly Format[] = [
  { vendor: 'github', pattern: 'gh[pousr]_[A-Za-z0-9]{36,}', after: 'separator' },
  { vendor: 'github', pattern: 'github_pat_[A-Za-z0-9_]{22,}', after: 'separator' },
  { vendor: 'gitlab', pattern: 'gl(?:pat|dt|rt|ptt|ft|cbt|imt|oas|soat|agent|ffct)-[A-Za-z0-9_-]{20,}(?:\\.[A-Za-z0-9_-]+)*', after: 'separator' },
  { vendor: 'slack', pattern: 'xox[abeoprs]-\\d[A-Za-z0-9-]{10,}', after: 'separator' },
  { vendor: 'slack', pattern: 'xapp-\\d-[A-Za-z0-9-]{10,}', after: 'separator' },
  { vendor: 'slack', pattern: `${host('hooks.slack.com')}${SLASH}${anyCase('services')}${SLASH}(T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{16,})`, after: 'any' },
  { vendor: 'slack', pattern: `${host('hooks.slack.com')}${SLASH}(?:${anyCase('workflows')}|${anyCase('triggers')})${SLASH}(T[A-Z0-9]{6,}/[A-Za-z0-9/]{16,})`, after: 'any' },
  { vendor: 'stripe', pattern: '[sr]k_(?:live|test)_[A-Za-z0-9]{10,}', after: 'separator' },
  { vendor: 'stripe', pattern: 'whsec_[A-Za-z0-9+/=]{24,}', after: 'separator' },
  { vendor: 'google', pattern: `AIza[A-Za-z0-9_-]{35}${E}`, after: 'separator' },
  { vendor: 'google', pattern: `GOCSPX-[A-Za-z0-9_-]{28}${E}`, after: 'separator' },
  { vendor: 'google', pattern: 'ya29\\.[A-Za-z0-9_-]{20,}', after: 'separator' },
  // sk-ant-api03-…, sk-ant-admin01-…, sk-proj-…, sk-svcacct-…, sk-admin-…, sk-None-… (a user key): long; a slug of
  // words is shorter.
  { vendor: 'openai', pattern: 'sk-(?:ant-[a-z]+\\d*-|proj-|svcacct-|admin-|None-)[A-Za-z0-9_-]{40,}', after: 'separator' },
  // Any other OpenAI key type: each holds T3BlbkFJ ("OpenAI" in base64) some way in. Bounded, so a long run after
  // sk- costs a fixed number of steps per position.
  { vendor: 'openai', pattern: 'sk-[A-Za-z0-9_-]{0,100}T3BlbkFJ[A-Za-z0-9_-]{20,}', after: 'separator' },
  // Legacy OpenAI (sk- and 48 alphanumerics) and the many vendors that copied the shape (sk- and 32 hex …).
  { vendor: 'openai', pattern: `sk-[A-Za-z0-9]{32,}${E}`, after: 'separator', accept: hasDigit },
  { vendor: 'sendgrid', pattern: `SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}${E}`, after: 'separator' },
  { vendor: 'npm', pattern: `npm_[A-Za-z0-9]{36}${E}`, after: 'separator' },
  { vendor: 'pypi', pattern: 'pypi-AgE[A-Za-z0-9_-]{50,}', after: 'separator' },
  { vendor: 'huggingface', pattern: `hf_[A-Za-z0-9]{30,}${E}`, after: 'separator' },
  { vendor: 'shopify', pattern: `shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}${E}`, after: 'separator' },
  { vendor: 'digitalocean', pattern: `do[opr]_v1_[a-f0-9]{64}${E}`, after: 'separator' },
  { vendor: 'twilio', pattern: `SK[0-9a-f]{32}${E}`, after: 'separator' },
  // <bot id>:<35 characters>, alone or in an API URL (`/bot123456789:AA…/getMe`); see telegramStart.
  { vendor: 'telegram', pattern: `\\d{8,10}:[A-Za-z0-9_-]{35}${E}`, after: 'any', accept: mixedCase },
  // The API's versioned path (/api/v10/webhooks/…) is the one Discord documents.
  { vendor: 'discord', pattern: `${anyCase('discord')}(?:${anyCase('app')})?${host('.com')}${SLASH}${anyCase('api')}${SLASH}(?:[vV]\\d{1,2}${SLASH})?${anyCase('webhooks')}${SLASH}\\d{1,20}/([A-Za-z0-9_-]{60,})`, after: 'any' },
  // Azure shared access signatures: the signature is the secret; the other parameters (expiry, rights) stay.
  { vendor: 'azure', pattern: `[?&;]${anyCase('sig')}=([A-Za-z0-9%+/=_-]{16,})`, after: 'any' },
]

// Each alternative is one group around the whole format, then the format's own group if it has one.
const GROUPS = FORMATS.map((f) => 1 + (f.pattern.match(/\((?!\?)/g)?.length ?? 0))
const FIRST_GROUP = GROUPS.map((_, i) => 1 + GROUPS.slice(0, i).reduce((a, b) => a + b, 0))
const ANY_TOKEN = new RegExp(FORMATS.map((f) => `(${f.pattern})`).join('|'), 'g')
const WORD = /[A-Za-z0-9_-]/

// An escape sequence in text that was not decoded (a JSON string in a log line, a Python or C literal, an SQL E''
// string, bytea's escape output) ends right before a token as a separator does: `\nghp_…` is a line break and a
// token to whoever reads the escapes. A numeric escape counts when the character it stands for is no word character.
const ESCAPE_BEFORE = /\\(?:[nrtbfv]|([0-7]{3})|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4}))$/

function afterEscape(text: string, at: number): boolean {
  if (at < 2) return false
  const m = ESCAPE_BEFORE.exec(text.slice(Math.max(0, at - 6), at))
  if (!m) return false
  const code = m[1] !== undefined ? parseInt(m[1], 8) : m[2] !== undefined ? parseInt(m[2], 16) : m[3] !== undefined ? parseInt(m[3], 16) : -1
  return code < 0 || !WORD.test(String.fromCharCode(code))
}

function startsAlone(text: string, at: number, format: Format): boolean {
  if (format.after === 'separator') return at === 0 || !WORD.test(text[at - 1]!) || afterEscape(text, at)
  if (format.vendor !== 'telegram') return true
  // A bot id that does not continue a number or word, or that follows `/bot` in an API URL.
  return at === 0 || !/[A-Za-z0-9_:-]/.test(text[at - 1]!) || text.slice(Math.max(0, at - 4), at).toLowerCase() === '/bot' || afterEscape(text, at)
}

function spanOf(text: string, m: RegExpExecArray): Span | undefined {
  for (let i = 0; i < FORMATS.length; i++) {
    const group = FIRST_GROUP[i]!
    if (m[group] === undefined) continue
    const format = FORMATS[i]!
    if (!startsAlone(text, m.index, format) || (format.accept && !format.accept(m[0]))) return undefined
    const part = GROUPS[i]! > 1 ? m[group + 1]! : m[0]
    const end = m.index + m[0].length
    return { start: end - part.length, end, label: 'token' }
  }
  return undefined
}

/** Every token in text; a match refused (inside a word, failing its test) resumes one character on. */
function findTokens(text: string): Span[] {
  const spans: Span[] = []
  ANY_TOKEN.lastIndex = 0
  for (let m = ANY_TOKEN.exec(text); m !== null; m = ANY_TOKEN.exec(text)) {
    const span = spanOf(text, m)
    if (span) spans.push(span)
    else ANY_TOKEN.lastIndex = m.index + 1
  }
  return spans
}

export const apiToken: Detector = {
  name: 'api_token',
  find: findTokens,
}
