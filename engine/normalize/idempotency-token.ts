// The AWS CLI and SDKs fill an operation's idempotency token (ClientRequestToken, ClientToken … : the
// idempotencyToken trait of the service models) with a fresh uuid4 on every run of a command the caller gave
// none, so `aws secretsmanager put-secret-value …` run again after its approval sends a body that differs only
// there. The digest a statement grant matches leaves that one value out; every other byte of the body stays in.
const NAMES = ['ClientRequestToken', 'ClientToken', 'IdempotencyToken', 'clientRequestToken', 'clientToken', 'idempotencyToken']
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'
// A JSON key cannot match inside a string value: a quote there is escaped (`\"`).
const JSON_MEMBER = new RegExp(`"(${NAMES.join('|')})"\\s*:\\s*"(${UUID})"`, 'g')
const FORM_FIELD = new RegExp(`(?<=^|&)(${NAMES.join('|')})=(${UUID})(?=&|$)`, 'g')

const JSON_TYPES = /^application\/(x-amz-json-1\.[01]|json)$/

/**
 * `body` (text, or bytes read as latin1) with its one top-level idempotency token's uuid value blanked (a JSON
 * member or a form field), as is when there is none, more than one, or the body is of another type. `parsed` is
 * the body as the normalizer read it. Two bodies that differ only in that value then read the same upstream but
 * for the token.
 */
export function withoutIdempotencyToken(body: string, contentType: string | undefined, parsed: unknown): string {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  if (type === 'application/x-www-form-urlencoded') return blankOne(body, FORM_FIELD, () => true)
  if (!JSON_TYPES.test(type) || parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return body
  return blankOne(body, JSON_MEMBER, (name, value) => (parsed as Record<string, unknown>)[name] === value)
}

function blankOne(body: string, pattern: RegExp, keep: (name: string, value: string) => boolean): string {
  const found = [...body.matchAll(pattern)]
  if (found.length !== 1) return body
  const [match, name, value] = found[0]! as unknown as [string, string, string]
  if (!keep(name, value)) return body
  const at = found[0]!.index! + match.lastIndexOf(value)
  return `${body.slice(0, at)}${body.slice(at + value.length)}`
}
