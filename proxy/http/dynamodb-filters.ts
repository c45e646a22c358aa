// A DynamoDB call that filters server-side on a value its answer's mask hides tells, by whether items come back,
// whether a guess was right: a DynamoDB Scan with begins_with(contact, :guess) answers Count 1 or 0 while the
// email in `contact` comes back as [email]; a ConditionExpression answers success or ConditionalCheckFailed; a
// GetItem by a guessed key answers an item or none. Under mask obligations each comparison is tried with the
// decision's masker on an item holding the compared value at the compared path: a path the mask hides by its name
// (api_key, db.password), or a whole value it would hide (an email, a card number), is refused. So is a prefix,
// part or range of a value (begins_with, contains, <, BETWEEN, a Query's ExclusiveStartKey) when content
// detectors mask: any text attribute may hold what they hide, and a part of it is no value they can recognise.
// Numbers pass in ranges of up to six digits: every number the detectors mask (card and phone numbers) has seven
// digits or more, so such a bound never splits one. Comparisons on what the mask leaves readable (status =
// :active, amount > :n, attribute_exists(api_key), size(notes)) are forwarded as they are.
import { ConditionError, conditionTerms, type ConditionTerm } from '../../engine/normalize/cloud/dynamodb-conditions.ts'
import { jsonMasker, type JsonMasker } from '../../engine/obligations/mask/index.ts'
import type { CloudCommand, MaskObligation } from '../../engine/types.ts'
import { HttpGatewayError } from './errors.ts'

type Path = Array<string | number>

const refusal = (what: string) =>
  new HttpGatewayError(400, 'http.filter_refused', `${what}; the answer is masked, and a filter on a value the mask hides tells by the items it answers whether a guess was right. Filter on attributes the mask leaves readable with whole values (status = :active, amount > :n), or read the items without the filter and see them masked`)

/** An item holding `value` at `path`, as a DynamoDB answer types it, in the shapes answers carry items in. */
function shapes(path: Path, value: unknown): unknown[] {
  let typed = value
  for (let i = path.length - 1; i > 0; i--) {
    const step = path[i]!
    typed = typeof step === 'number' ? { L: [typed] } : { M: { [step]: typed } }
  }
  const item = { [String(path[0])]: typed }
  return [{ Items: [item] }, { Item: item }, { Attributes: item }]
}

const pathText = (path: Path) => path.map((step, i) => (typeof step === 'number' ? `[${step}]` : i ? `.${step}` : step)).join('')

const hides = (masker: JsonMasker, path: Path, value: unknown) => shapes(path, value).some((doc) => masker.mask(doc).masked > 0)

/** A value that is a part of what it is compared with: text and bytes always; numbers past six digits. */
function splits(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return true
  const entries = Object.entries(value)
  if (entries.length !== 1) return true
  const [type, inner] = entries[0]!
  if (type !== 'N' || typeof inner !== 'string') return true
  const digits = /^[+-]?0*(\d*)(?:\.\d*)?(?:[eE][+-]?\d+)?$/.exec(inner.trim())
  return digits === null || /[eE]/.test(inner) || digits[1]!.length > 6
}

function dynamodbRefusal(term: ConditionTerm, masker: JsonMasker, detectors: boolean): HttpGatewayError | undefined {
  // Whether an attribute is there is no part of its value: the masked answer shows it there too.
  if (term.kind === 'exists') return undefined
  for (const path of term.paths) {
    if (hides(masker, path, { S: 'x' }) || hides(masker, path, { N: '1' })) {
      return refusal(`the request compares ${pathText(path)}, an attribute the mask hides`)
    }
  }
  if (term.size) return undefined
  const path = term.paths[0] ?? ['value']
  for (const value of term.values) {
    if (hides(masker, path, value)) return refusal(`the request compares ${pathText(path)} with a value the mask hides`)
    if (term.kind === 'partial' && detectors && term.paths.length > 0 && splits(value)) {
      return refusal(`the request compares a part or a range of ${pathText(path)} (begins_with, contains, <, >, BETWEEN, a start key), which may hold text the mask hides`)
    }
  }
  return undefined
}

/** The refusal for a DynamoDB call whose filter reads a value its answer's masks hide; undefined if it reads none. */
export function dynamodbFilterRefusal(cloud: CloudCommand | undefined, body: unknown, masks: readonly MaskObligation[], key: Uint8Array, handedOut: (body: unknown) => boolean = () => false): HttpGatewayError | undefined {
  if (cloud === undefined || masks.length === 0) return undefined
  if (cloud.provider !== 'aws' || cloud.service !== 'dynamodb') return undefined
  let terms: ConditionTerm[]
  try {
    // A start key this gateway answered (dynamodb-start-keys.ts) is paging on, not a guess.
    const { ExclusiveStartKey: _start, ...rest } = (body ?? {}) as Record<string, unknown>
    terms = conditionTerms(handedOut(body) ? rest : body)
  } catch (err) {
    if (!(err instanceof ConditionError)) throw err
    return refusal(`the request's ${err.message}`)
  }
  if (terms.length === 0) return undefined
  const masker = jsonMasker(masks, key)
  const detectors = masks.some((m) => m.detector !== undefined)
  for (const term of terms) {
    const refused = dynamodbRefusal(term, masker, detectors)
    if (refused) return refused
  }
  return undefined
}
