import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { CloudCommand, MaskObligation } from '../../engine/types.ts'
import { dynamodbFilterRefusal } from './dynamodb-filters.ts'

const KEY = new Uint8Array(32).fill(7)
// The default policy's masks for an agent's cloud read: every content detector.
const detectors: MaskObligation[] = [{ detector: 'all' }]
const scan: CloudCommand = { provider: 'aws', service: 'dynamodb', method: 'dynamodb:Scan', operation: 'Scan', resource: 't', read_only: true }
const refused = (body: unknown, masks = detectors, cloud = scan) => dynamodbFilterRefusal(cloud, body, masks, KEY)?.message
const filter = (expression: string, values: Record<string, unknown>, names?: Record<string, string>) =>
  ({ TableName: 't', FilterExpression: expression, ExpressionAttributeValues: values, ...(names ? { ExpressionAttributeNames: names } : {}) })

test('a DynamoDB filter on what the masks hide is refused: secret names, whole detected values, parts of text', () => {
  assert.match(refused(filter('begins_with(#k, :p)', { ':p': { S: 'sk_' } }, { '#k': 'api_key' }))!, 'api_key, an attribute the mask hides')
  assert.match(refused(filter('db.password = :p', { ':p': { S: '' } }))!, 'db.password')
  assert.match(refused(filter('contact = :e', { ':e': { S: 'alice@example.com' } }))!, 'contact with a value the mask hides')
  assert.match(refused(filter('card IN (:a, :b)', { ':a': { N: '1' }, ':b': { N: '4111111111111111' } }))!, 'card with a value')
  assert.match(refused(filter('begins_with(contact, :p)', { ':p': { S: 'al' } }))!, 'a part or a range of contact')
  assert.match(refused(filter('card > :n', { ':n': { N: '4111111100000000' } }))!, 'a part or a range of card')
  assert.match(refused({ TableName: 't', ScanFilter: { contact: { ComparisonOperator: 'CONTAINS', AttributeValueList: [{ S: '@corp' }] } } })!, 'contact')
  assert.match(refused({ TableName: 't', Key: { email: { S: 'bob@example.com' } } })!, 'email with a value')
  assert.match(refused({ TableName: 't', KeyConditionExpression: 'pk = :u', ExpressionAttributeValues: { ':u': { S: 'u1' } }, ExclusiveStartKey: { pk: { S: 'u1' }, sk: { S: 'USER#al' } } })!, 'sk')
  assert.match(refused(filter('size(api_key) > :n', { ':n': { N: '3' } }))!, 'api_key')
  assert.match(refused(filter('a = :v OR', { ':v': { S: 'x' } }))!, 'does not parse')
  assert.is(dynamodbFilterRefusal(scan, filter('token = :t', { ':t': { S: 'x' } }), detectors, KEY)?.code, 'http.filter_refused')
})

test('no masks, nothing is refused; other services are not read', () => {
  assert.is(refused(filter('begins_with(api_key, :p)', { ':p': { S: 'sk_' } }), []), undefined)
  const logs: CloudCommand = { provider: 'aws', service: 'logs', method: 'logs:GetLogEvents', operation: 'GetLogEvents', resource: 'app', read_only: true }
  assert.is(refused({ Key: { email: { S: 'bob@example.com' } } }, detectors, logs), undefined)
})

test('filters on what the masks leave readable pass', () => {
  for (const body of [
    filter('#s = :a AND amount > :n AND attribute_exists(api_key) AND size(contact) > :n', { ':a': { S: 'active' }, ':n': { N: '100' } }, { '#s': 'status' }),
    filter('plan IN (:a, :b) AND NOT deleted = :f AND updated_at > created_at', { ':a': { S: 'pro' }, ':b': { S: 'team' }, ':f': { BOOL: true } }),
    filter('amount BETWEEN :lo AND :hi', { ':lo': { N: '-5.5' }, ':hi': { N: '999999' } }),
    { TableName: 't', KeyConditionExpression: 'pk = :u', ExpressionAttributeValues: { ':u': { S: 'USER#42' } } },
    { TableName: 't', Key: { id: { S: 'stripe' } } },
    { TableName: 't', ScanFilter: { plan: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'pro' }] } } },
    { TableName: 't' },
  ]) assert.is(refused(body), undefined, JSON.stringify(body))
})

test.run()
