// Filters as oracles on masked values: an agent's DynamoDB read comes back with an email, a card number or a key
// masked, but a filter, a key lookup or a start key evaluated by the server on the clear value answers items or
// none, and so tells whether a guess was right. moto (HTTPS) is the real peer: it answers each guess as AWS does.
// Refused by the gateway under the decision's masks; filters on what the mask leaves readable still work.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fetch, ProxyAgent } from 'undici'
import { awsCli } from './testing/aws-cli.ts'
import { peerBinaries, startMoto, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { HELD_AWS_ENV, motoSignature, motoTarget } from './testing/moto-target.ts'

let moto: StoragePeer
let g: TestGateway
let token: string

const EMAIL = 'alice.cho@example.com'

const motoDynamo = (target: string, body: unknown): Promise<any> => new Promise((resolve, reject) => execFile('curl', [
  '-sS', '--cacert', moto.caFile, '-H', `authorization: ${motoSignature('dynamodb')}`, '-H', `x-amz-target: DynamoDB_20120810.${target}`,
  '-H', 'content-type: application/x-amz-json-1.0', '--data-binary', JSON.stringify(body), `${moto.url}/`,
], (err, out) => (err ? reject(err) : resolve(JSON.parse(out)))))

const via = (url: string, init: Parameters<typeof fetch>[1] = {}) =>
  fetch(url, { ...init, dispatcher: new ProxyAgent({ uri: g.proxy.url, token: `Bearer ${token}`, requestTls: { ca: readFileSync(g.ca.cert, 'utf8') } }) })

const dynamo = async (target: string, body: unknown) => {
  const res = await via('https://dynamodb.us-east-1.amazonaws.com/', { method: 'POST', headers: { 'x-amz-target': `DynamoDB_20120810.${target}`, 'content-type': 'application/x-amz-json-1.0' }, body: JSON.stringify(body) })
  return { status: res.status, text: await res.text() }
}

test.before(async () => {
  moto = await startMoto()
  g = await startTestGateway(() => [motoTarget(moto)], { env: HELD_AWS_ENV, holdSeconds: 3 })
  token = await g.agentToken()
  await motoDynamo('CreateTable', {
    TableName: 'accounts', BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
  })
  await motoDynamo('PutItem', { TableName: 'accounts', Item: { pk: { S: 'org#1' }, sk: { S: `USER#${EMAIL}` }, contact: { S: EMAIL }, plan: { S: 'pro' }, seats: { N: '12' } } })
})

test.after(async () => {
  await g?.close()
  await moto?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const tools = peerBinaries(['aws'])
const dir = mkdtempSync(join(tmpdir(), 'warden-dynamodb-filters-'))

const scanPrefix = (prefix: string) => ({ TableName: 'accounts', FilterExpression: 'begins_with(contact, :p)', ExpressionAttributeValues: { ':p': { S: prefix } } })
const afterKey = (sk: string) => ({ TableName: 'accounts', KeyConditionExpression: 'pk = :o', ExpressionAttributeValues: { ':o': { S: 'org#1' } }, ExclusiveStartKey: { pk: { S: 'org#1' }, sk: { S: sk } } })

test('control: moto answers each guess at the email (a prefix, a key, a start key) with the item or without it', async () => {
  assert.is((await motoDynamo('Scan', scanPrefix('alice.'))).Count, 1)
  assert.is((await motoDynamo('Scan', scanPrefix('bob.'))).Count, 0)
  assert.ok((await motoDynamo('GetItem', { TableName: 'accounts', Key: { pk: { S: 'org#1' }, sk: { S: `USER#${EMAIL}` } } })).Item)
  assert.is((await motoDynamo('GetItem', { TableName: 'accounts', Key: { pk: { S: 'org#1' }, sk: { S: 'USER#bob@example.com' } } })).Item, undefined)
  assert.is((await motoDynamo('Query', afterKey('USER#alice'))).Count, 1)
  assert.is((await motoDynamo('Query', afterKey('USER#alicf'))).Count, 0)
})

test('an agent reads the item with its email masked', async () => {
  const res = await dynamo('Scan', { TableName: 'accounts' })
  assert.is(res.status, 200, res.text.slice(0, 300))
  assert.not.match(res.text, 'alice.cho')
  assert.equal(JSON.parse(res.text).Items[0].plan, { S: 'pro' })
})

test('guesses at the masked email are refused, not answered: a prefix filter, a legacy filter, a key lookup, a start key', async () => {
  for (const [target, body] of [
    ['Scan', scanPrefix('alice.')],
    ['Scan', scanPrefix('bob.')],
    ['Scan', { TableName: 'accounts', ScanFilter: { contact: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [{ S: 'alice.' }] } } }],
    ['Scan', { TableName: 'accounts', FilterExpression: '#c = :e', ExpressionAttributeNames: { '#c': 'contact' }, ExpressionAttributeValues: { ':e': { S: EMAIL } } }],
    ['GetItem', { TableName: 'accounts', Key: { pk: { S: 'org#1' }, sk: { S: `USER#${EMAIL}` } } }],
    ['Query', afterKey('USER#alice')],
    ['Query', { TableName: 'accounts', KeyConditionExpression: 'pk = :o AND begins_with(sk, :p)', ExpressionAttributeValues: { ':o': { S: 'org#1' }, ':p': { S: 'USER#alice.' } } }],
  ] as const) {
    const res = await dynamo(target, body)
    assert.is(res.status, 400, `${target} ${JSON.stringify(body)}: ${res.text.slice(0, 200)}`)
    assert.is(JSON.parse(res.text).error, 'http.filter_refused')
    assert.not.match(res.text, 'alice.cho')
  }
})

test('the aws CLI prints why a filter was refused: the error carries the JSON protocol\'s __type', async () => {
  const aws = awsCli(tools.aws!, g, token, dir)
  const out = await aws('dynamodb', 'scan', '--table-name', 'accounts', '--filter-expression', 'begins_with(contact, :p)', '--expression-attribute-values', '{":p":{"S":"alice."}}')
  assert.is.not(out.code, 0)
  assert.match(out.stderr, 'An error occurred (ValidationException) when calling the Scan operation: warden: the request compares a part or a range of contact', out.stderr)
  assert.not.match(out.stdout + out.stderr, 'alice.cho')
})

test('a body Warden cannot read (a key named twice, a type it does not inspect) is refused, not forwarded unread', async () => {
  const key = `{"pk":{"S":"org#1"},"sk":{"S":"USER#${EMAIL}"}}`
  for (const [type, body] of [
    ['application/x-amz-json-1.0', `{"TableName":"accounts","TableName":"accounts","Key":${key}}`],
    ['text/plain', `{"TableName":"accounts","Key":${key}}`],
  ] as const) {
    const res = await via('https://dynamodb.us-east-1.amazonaws.com/', { method: 'POST', headers: { 'x-amz-target': 'DynamoDB_20120810.GetItem', 'content-type': type }, body })
    const text = await res.text()
    assert.is(res.status, 400, `${type}: ${text.slice(0, 300)}`)
    assert.is(JSON.parse(text).error, 'http.filter_refused')
  }
})

test('paging on: a start key this gateway answered is accepted again; a made-up one, or one for another table, is not', async () => {
  await motoDynamo('PutItem', { TableName: 'accounts', Item: { pk: { S: 'org#2' }, sk: { S: 'USER#a' }, plan: { S: 'free' } } })
  await motoDynamo('PutItem', { TableName: 'accounts', Item: { pk: { S: 'org#2' }, sk: { S: 'USER#b' }, plan: { S: 'free' } } })
  await motoDynamo('PutItem', { TableName: 'accounts', Item: { pk: { S: 'org#2' }, sk: { S: 'USER#c' }, plan: { S: 'free' } } })
  const query = { TableName: 'accounts', KeyConditionExpression: 'pk = :o', ExpressionAttributeValues: { ':o': { S: 'org#2' } }, Limit: 1 }
  const seen: string[] = []
  let start: unknown
  for (let page = 0; page < 5; page++) {
    const res = await dynamo('Query', start ? { ...query, ExclusiveStartKey: start } : query)
    assert.is(res.status, 200, `page ${page}: ${res.text.slice(0, 300)}`)
    const answer = JSON.parse(res.text)
    for (const item of answer.Items) seen.push(item.sk.S)
    start = answer.LastEvaluatedKey
    if (!start) break
  }
  assert.equal(seen, ['USER#a', 'USER#b', 'USER#c'])
  for (const [what, body] of [
    ['made up', { ...query, ExclusiveStartKey: { pk: { S: 'org#2' }, sk: { S: 'USER#a0' } } }],
    ['another table', { ...query, TableName: 'other', ExclusiveStartKey: { pk: { S: 'org#2' }, sk: { S: 'USER#a' } } }],
  ] as const) {
    const res = await dynamo('Query', body)
    assert.is(res.status, 400, `${what}: ${res.text.slice(0, 200)}`)
    assert.is(JSON.parse(res.text).error, 'http.filter_refused', what)
  }
})

test('filters on what the mask leaves readable still work', async () => {
  for (const [target, body] of [
    ['Scan', { TableName: 'accounts', FilterExpression: '#plan = :p AND seats > :n', ExpressionAttributeNames: { '#plan': 'plan' }, ExpressionAttributeValues: { ':p': { S: 'pro' }, ':n': { N: '10' } } }],
    ['Query', { TableName: 'accounts', KeyConditionExpression: 'pk = :o', FilterExpression: 'attribute_exists(contact)', ExpressionAttributeValues: { ':o': { S: 'org#1' } } }],
  ] as const) {
    const res = await dynamo(target, body)
    assert.is(res.status, 200, `${target}: ${res.text.slice(0, 300)}`)
    assert.is(JSON.parse(res.text).Count, 1, target)
    assert.not.match(res.text, 'alice.cho')
  }
})

test.run()
