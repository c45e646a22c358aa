// Whether a variable, key or option name says its value is a secret. Names are read by their last word (split at
// `_`, `-`, `.`, `/` and camelCase): PASSWORD, SECRET, TOKEN, API_KEY … A token that is not a secret by its name
// (NextToken, nextPageToken, ClientToken: pagination and idempotency fields every cloud API answers with) is left
// alone, and so is a key that names no credential (SortKey).

const SECRET_WORDS = new Set([
  'password', 'passwd', 'passphrase', 'secret', 'credential', 'credentials',
  'apikey', 'secretkey', 'privatekey', 'accesskey', 'authtoken', 'accesstoken', 'apitoken', 'refreshtoken',
])
// Only after another word: `PWD` alone is the working directory, `pass` alone a test verdict.
const QUALIFIED_WORDS = new Set(['pwd', 'pass'])
// A `…Token` named for paging, retries or progress is no credential.
const NOT_SECRET_TOKENS = new Set([
  'next', 'page', 'continuation', 'pagination', 'client', 'idempotency', 'cancellation', 'sync', 'resume',
  'starting', 'start', 'end', 'progress', 'change', 'marker', 'request', 'max', 'num', 'count',
])
// `…_KEY` is a credential only after one of these (API_KEY, SECRET_ACCESS_KEY, APP_KEY), not SortKey or PrimaryKey.
const CREDENTIAL_KEYS = new Set([
  'api', 'access', 'private', 'secret', 'auth', 'signing', 'encryption', 'master', 'client', 'account', 'shared',
  'hmac', 'license', 'webhook', 'app', 'session', 'service', 'storage',
])
/** A cheap first test: a text without one of these holds no secret name. */
export const KEYWORD = /pass|pwd|secret|token|key|credential/i
// `/` too: a Kubernetes annotation or label key is a prefix and a name (vault.example.com/api-key).
const WORDS = /[_.\-/]+|(?<=[a-z0-9])(?=[A-Z])/

/** Whether a variable, key or option name says its value is a secret (read without NULs: UTF-16 read as bytes). */
export function isSecretName(name: string): boolean {
  if (name.includes('\0')) name = name.replace(/\0/g, '')
  if (!KEYWORD.test(name)) return false
  const words = name.split(WORDS).filter(Boolean).map((w) => w.toLowerCase())
  // A number names one of several (DB_PASSWORD_2, password1): the word it follows or ends is read.
  while (words.length > 1 && /^[0-9]+$/.test(words[words.length - 1]!)) words.pop()
  const last = words[words.length - 1]?.replace(/(?<=[a-z])[0-9]+$/, '')
  const before = words[words.length - 2]
  if (last === undefined) return false
  if (SECRET_WORDS.has(last)) return true
  // Written as two words (PassWord, PASS_PHRASE), or run into the word before it, as environment variables are
  // (PGPASSWORD, DBPASSWORD, CLIENTSECRET).
  if (before === 'pass' && (last === 'word' || last === 'phrase')) return true
  if (/(?:password|passwd|passphrase|secret)$/.test(last)) return true
  if (QUALIFIED_WORDS.has(last)) return before !== undefined
  if (last === 'token') return before === undefined || !NOT_SECRET_TOKENS.has(before)
  if (last === 'key') return before !== undefined && CREDENTIAL_KEYS.has(before)
  return false
}
