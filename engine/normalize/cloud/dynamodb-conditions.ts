// What a DynamoDB request compares attribute values with: its condition expressions (FilterExpression,
// KeyConditionExpression, ConditionExpression, with ExpressionAttributeNames / Values), the legacy ScanFilter,
// QueryFilter, KeyConditions and Expected, and the Key / Keys it looks items up by, wherever they sit in the body
// (TransactWriteItems and BatchGetItem nest them). Each comparison becomes a term: the attribute paths it reads,
// how (`equal` names a whole value, `partial` a prefix, a part or a range, `exists` no value), and the values.
// @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html

export type ConditionKind = 'equal' | 'partial' | 'exists'

export interface ConditionTerm {
  /** Attribute paths compared, each a list of names and list indexes (`a.b[0]` is ['a', 'b', 0]). */
  paths: Array<Array<string | number>>
  kind: ConditionKind
  /** The AttributeValues the paths are compared with ({S: 'x'}, {N: '1'} …). */
  values: unknown[]
  /** `size(path)` compared: a length, not the value. */
  size?: boolean
}

export class ConditionError extends Error {
  readonly code = 'dynamodb.condition_parse'
}

const EXPRESSION_FIELDS = ['KeyConditionExpression', 'FilterExpression', 'ConditionExpression']
const LEGACY_FIELDS = ['ScanFilter', 'QueryFilter', 'KeyConditions', 'Expected']
const EQUAL_OPERATORS = new Set(['EQ', 'NE', 'IN'])
const EXISTS_OPERATORS = new Set(['NULL', 'NOT_NULL'])
const DATA_FIELDS = new Set(['Item', 'ExpressionAttributeValues', 'ExpressionAttributeNames', 'Key', 'Keys', 'ExclusiveStartKey', ...LEGACY_FIELDS])
const COMPARATORS = new Set(['=', '<>', '<', '<=', '>', '>='])

type Operand = { path: Array<string | number>; size?: boolean } | { value: unknown }

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/** Every comparison a DynamoDB request body makes; throws ConditionError on what cannot be read for certain. */
export function conditionTerms(body: unknown): ConditionTerm[] {
  const terms: ConditionTerm[] = []
  const stack: unknown[] = [body]
  while (stack.length) {
    const node = stack.pop()
    if (Array.isArray(node)) { stack.push(...node); continue }
    if (!isObject(node)) continue
    for (const field of EXPRESSION_FIELDS) {
      const text = node[field]
      if (text === undefined) continue
      if (typeof text !== 'string') throw new ConditionError(`${field} is not a string`)
      const names = isObject(node.ExpressionAttributeNames) ? node.ExpressionAttributeNames : {}
      const values = isObject(node.ExpressionAttributeValues) ? node.ExpressionAttributeValues : {}
      terms.push(...new ExpressionReader(text, names, values, field).read())
    }
    for (const field of LEGACY_FIELDS) if (node[field] !== undefined) terms.push(...legacyTerms(node[field], field))
    if (isObject(node.Key)) terms.push(...keyTerms(node.Key, 'equal'))
    if (Array.isArray(node.Keys)) for (const key of node.Keys) if (isObject(key)) terms.push(...keyTerms(key, 'equal'))
    // A Query goes on from the key after this one, in sort key order: a range on the sort key.
    if (isObject(node.ExclusiveStartKey)) terms.push(...keyTerms(node.ExclusiveStartKey, 'partial'))
    // An item written or a value bound is data, not a request field, whatever its attributes are named.
    for (const [name, value] of Object.entries(node)) if (!DATA_FIELDS.has(name)) stack.push(value)
  }
  return terms
}

const keyTerms = (key: Record<string, unknown>, kind: ConditionKind): ConditionTerm[] =>
  Object.entries(key).map(([name, value]) => ({ paths: [[name]], kind, values: [value] }))

function legacyTerms(filter: unknown, field: string): ConditionTerm[] {
  if (!isObject(filter)) throw new ConditionError(`${field} is not an object`)
  return Object.entries(filter).map(([name, condition]): ConditionTerm => {
    if (!isObject(condition)) throw new ConditionError(`${field}.${name} is not an object`)
    const list = condition.AttributeValueList
    const values = Array.isArray(list) ? list : []
    if (condition.Value !== undefined) values.push(condition.Value)
    const operator = typeof condition.ComparisonOperator === 'string' ? condition.ComparisonOperator.toUpperCase() : undefined
    // Expected without an operator: Value means equal, Exists alone asks whether it is there.
    const kind = operator === undefined ? (values.length ? 'equal' : 'exists')
      : EQUAL_OPERATORS.has(operator) ? 'equal' : EXISTS_OPERATORS.has(operator) ? 'exists' : 'partial'
    return { paths: [[name]], kind, values }
  })
}

const TOKEN = /\s*(?:(<>|<=|>=|[=<>(),.[\]])|([#:]?[A-Za-z0-9_-]+))/y

/** How deep NOT and parentheses may nest: DynamoDB takes expressions of up to 4 KB, and written ones nest a few. */
const MAX_DEPTH = 100

/** A recursive-descent reader of one condition expression. */
class ExpressionReader {
  private readonly tokens: string[] = []
  private at = 0
  private readonly terms: ConditionTerm[] = []
  private depth = 0

  constructor(text: string, private readonly names: Record<string, unknown>, private readonly values: Record<string, unknown>, private readonly field: string) {
    TOKEN.lastIndex = 0
    while (TOKEN.lastIndex < text.length) {
      const start = TOKEN.lastIndex
      const match = TOKEN.exec(text)
      if (!match) {
        if (/^\s*$/.test(text.slice(start))) break
        throw this.error(`an unexpected character at ${start}`)
      }
      this.tokens.push(match[1] ?? match[2]!)
    }
  }

  read(): ConditionTerm[] {
    this.condition()
    if (this.at < this.tokens.length) throw this.error(`unexpected ${JSON.stringify(this.tokens[this.at])}`)
    return this.terms
  }

  private error(what: string) {
    return new ConditionError(`${this.field} does not parse: ${what}`)
  }

  private peek = () => this.tokens[this.at]
  private keyword = (word: string) => this.peek()?.toUpperCase() === word

  private expect(token: string) {
    if (this.tokens[this.at] !== token) throw this.error(`expected ${JSON.stringify(token)}`)
    this.at++
  }

  private condition(): void {
    this.conjunction()
    while (this.keyword('OR')) { this.at++; this.conjunction() }
  }

  private conjunction(): void {
    this.negation()
    while (this.keyword('AND')) { this.at++; this.negation() }
  }

  private negation(): void {
    // Each NOT and parenthesis is a call deeper: past a bound, a clear refusal, not the stack running out.
    if (++this.depth > MAX_DEPTH) throw this.error(`it nests NOT and parentheses more than ${MAX_DEPTH} deep`)
    if (this.keyword('NOT')) { this.at++; this.negation() } else if (this.peek() === '(') {
      this.at++
      this.condition()
      this.expect(')')
    } else {
      this.comparison()
    }
    this.depth--
  }

  private comparison(): void {
    const name = this.peek()?.toLowerCase()
    if (name !== undefined && this.tokens[this.at + 1] === '(' && name !== 'size') return this.call(name)
    const left = this.operand()
    const next = this.peek()
    if (next !== undefined && COMPARATORS.has(next)) {
      this.at++
      this.term(next === '=' || next === '<>' ? 'equal' : 'partial', [left, this.operand()])
    } else if (this.keyword('BETWEEN')) {
      this.at++
      const low = this.operand()
      if (!this.keyword('AND')) throw this.error('BETWEEN without AND')
      this.at++
      this.term('partial', [left, low, this.operand()])
    } else if (this.keyword('IN')) {
      this.at++
      this.expect('(')
      const list = [left, this.operand()]
      while (this.peek() === ',') { this.at++; list.push(this.operand()) }
      this.expect(')')
      this.term('equal', list)
    } else {
      throw this.error(`a comparison expected after an operand${next === undefined ? '' : `, got ${JSON.stringify(next)}`}`)
    }
  }

  private call(name: string): void {
    this.at += 2
    const args = [this.operand()]
    while (this.peek() === ',') { this.at++; args.push(this.operand()) }
    this.expect(')')
    switch (name) {
      case 'attribute_exists':
      case 'attribute_not_exists':
      case 'attribute_type':
        // attribute_type's second argument names a type (:t = {S: 'S'}), not a value of the attribute.
        return this.term('exists', args.slice(0, 1))
      case 'begins_with':
      case 'contains':
        return this.term('partial', args)
      default:
        throw this.error(`unknown function ${name}`)
    }
  }

  private term(kind: ConditionKind, operands: Operand[]) {
    const paths = operands.flatMap((o) => ('path' in o ? [o.path] : []))
    const values = operands.flatMap((o) => ('value' in o ? [o.value] : []))
    const size = operands.some((o) => 'path' in o && o.size === true)
    this.terms.push({ paths, kind, values, ...(size ? { size } : {}) })
  }

  private operand(): Operand {
    const token = this.peek()
    if (token === undefined) throw this.error('an operand expected at the end')
    if (token.startsWith(':')) {
      this.at++
      if (!Object.hasOwn(this.values, token)) throw this.error(`${token} is not in ExpressionAttributeValues`)
      return { value: this.values[token] }
    }
    if (token.toLowerCase() === 'size' && this.tokens[this.at + 1] === '(') {
      this.at += 2
      const path = this.path()
      this.expect(')')
      return { path, size: true }
    }
    return { path: this.path() }
  }

  private path(): Array<string | number> {
    const path: Array<string | number> = [this.name()]
    for (;;) {
      if (this.peek() === '.') { this.at++; path.push(this.name()); continue }
      if (this.peek() === '[') {
        this.at++
        const index = this.peek()
        if (index === undefined || !/^\d+$/.test(index)) throw this.error('a list index expected')
        this.at++
        this.expect(']')
        path.push(Number(index))
        continue
      }
      return path
    }
  }

  private name(): string {
    const token = this.peek()
    if (token === undefined || !/^#?[A-Za-z0-9_-]+$/.test(token)) throw this.error(`an attribute name expected${token === undefined ? '' : `, got ${JSON.stringify(token)}`}`)
    this.at++
    if (!token.startsWith('#')) return token
    const name = this.names[token]
    if (typeof name !== 'string') throw this.error(`${token} is not in ExpressionAttributeNames`)
    return name
  }
}
