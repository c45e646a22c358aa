import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ConditionError, conditionTerms } from './dynamodb-conditions.ts'

test('condition expressions: paths through aliases, values, and how each comparison reads them', () => {
  const terms = conditionTerms({
    TableName: 't',
    KeyConditionExpression: 'pk = :pk AND begins_with(#sk, :p)',
    FilterExpression: 'NOT (a.#b[2] BETWEEN :lo AND :hi) OR size(c) > :n OR attribute_exists(d) OR e IN (:x, :y) OR contains(f, :x)',
    ExpressionAttributeNames: { '#sk': 'sort key', '#b': 'secret' },
    ExpressionAttributeValues: { ':pk': { S: 'u1' }, ':p': { S: 'ORD' }, ':lo': { N: '1' }, ':hi': { N: '9' }, ':n': { N: '3' }, ':x': { S: 'x' }, ':y': { S: 'y' } },
  })
  assert.equal(terms.map((t) => [t.paths, t.kind, t.values.length, t.size === true]), [
    [[['pk']], 'equal', 1, false],
    [[['sort key']], 'partial', 1, false],
    [[['a', 'secret', 2]], 'partial', 2, false],
    [[['c']], 'partial', 1, true],
    [[['d']], 'exists', 0, false],
    [[['e']], 'equal', 2, false],
    [[['f']], 'partial', 1, false],
  ])
})

test('legacy filters, keys and start keys, nested in transactions and batches; item data is not read', () => {
  const terms = conditionTerms({
    TableName: 't',
    ScanFilter: { email: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [{ S: 'a' }] }, n: { ComparisonOperator: 'NOT_NULL' } },
    Expected: { v: { Value: { N: '1' } } },
    ExclusiveStartKey: { pk: { S: 'u1' } },
    TransactItems: [{ Put: { Item: { Key: { S: 'k' }, FilterExpression: { S: 'x' } }, ConditionExpression: 'token = :t', ExpressionAttributeValues: { ':t': { S: 'g' } } } }],
    RequestItems: { t: { Keys: [{ id: { S: 'a' } }] } },
  })
  const seen = terms.map((t) => `${t.paths.map((p) => p.join('.')).join(',')}:${t.kind}`).sort()
  assert.equal(seen, ['email:partial', 'id:equal', 'n:exists', 'pk:partial', 'token:equal', 'v:equal'])
})

test('what cannot be read for certain throws', () => {
  for (const body of [
    { FilterExpression: 'a = :missing', ExpressionAttributeValues: {} },
    { FilterExpression: '#x = :v', ExpressionAttributeValues: { ':v': { S: 'x' } } },
    { FilterExpression: 'a = :v AND', ExpressionAttributeValues: { ':v': { S: 'x' } } },
    { FilterExpression: 'unknown_fn(a, :v)', ExpressionAttributeValues: { ':v': { S: 'x' } } },
    { FilterExpression: 'a = :v ; b', ExpressionAttributeValues: { ':v': { S: 'x' } } },
    { FilterExpression: 7 },
    { ScanFilter: 'a' },
  ]) assert.throws(() => conditionTerms(body), (err: unknown) => err instanceof ConditionError, JSON.stringify(body))
})

test('NOT and parentheses nested past 100 deep are a ConditionError, not the stack running out', () => {
  const values = { ':v': { S: 'x' } }
  assert.is(conditionTerms({ FilterExpression: `${'('.repeat(99)}a = :v${')'.repeat(99)}`, ExpressionAttributeValues: values }).length, 1)
  for (const text of [`${'('.repeat(100_000)}a = :v${')'.repeat(100_000)}`, `${'NOT '.repeat(100_000)}a = :v`, `${'(NOT '.repeat(60)}a = :v${')'.repeat(60)}`]) {
    try {
      conditionTerms({ FilterExpression: text, ExpressionAttributeValues: values })
      assert.unreachable(text.slice(0, 20))
    } catch (err) {
      assert.instance(err, ConditionError)
      assert.match((err as Error).message, 'more than 100 deep')
    }
  }
})

test.run()
