// Tag filters as oracles on masked tag values: an agent's EC2 DescribeTags, Secrets Manager ListSecrets or SSM
// DescribeParameters comes back with a tag named as a secret masked, but a filter on that tag's value (an EC2
// wildcard, a ListSecrets prefix, a DescribeParameters tag filter) lists the resource only when the guess is right. moto (HTTPS) is the real peer and answers each guess as AWS does.
// Refused by the gateway under the decision's masks; filters on readable tags still work.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fetch, ProxyAgent } from 'undici'
import { startMoto, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { HELD_AWS_ENV, motoSignature, motoTarget } from './testing/moto-target.ts'

let moto: StoragePeer
let g: TestGateway
let token: string

const motoCall = (service: string, headers: string[], body: string): Promise<string> => new Promise((resolve, reject) => execFile('curl', [
  '-sS', '--cacert', moto.caFile, '-H', `authorization: ${motoSignature(service)}`, ...headers.flatMap((h) => ['-H', h]), '--data-binary', body, `${moto.url}/`,
], (err, out) => (err ? reject(err) : resolve(out))))
const motoForm = (service: string, form: string) => motoCall(service, ['content-type: application/x-www-form-urlencoded'], `${form}&Version=2016-11-15`)
const motoSecrets = (target: string, body: unknown) => motoCall('secretsmanager', [`x-amz-target: secretsmanager.${target}`, 'content-type: application/x-amz-json-1.1'], JSON.stringify(body))
const motoSsm = (target: string, body: unknown) => motoCall('ssm', [`x-amz-target: AmazonSSM.${target}`, 'content-type: application/x-amz-json-1.1'], JSON.stringify(body))
const ssmTagGuess = (guess: string) => ({ ParameterFilters: [{ Key: 'tag:api_token', Option: 'Equals', Values: [guess] }] })

const via = (url: string, init: Parameters<typeof fetch>[1] = {}) =>
  fetch(url, { ...init, dispatcher: new ProxyAgent({ uri: g.proxy.url, token: `Bearer ${token}`, requestTls: { ca: readFileSync(g.ca.cert, 'utf8') } }) })
const ec2 = async (form: string) => {
  const res = await via('https://ec2.us-east-1.amazonaws.com/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `${form}&Version=2016-11-15` })
  return { status: res.status, text: await res.text() }
}
const secrets = async (target: string, body: unknown) => {
  const res = await via('https://secretsmanager.us-east-1.amazonaws.com/', { method: 'POST', headers: { 'x-amz-target': `secretsmanager.${target}`, 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(body) })
  return { status: res.status, text: await res.text() }
}

test.before(async () => {
  moto = await startMoto()
  g = await startTestGateway(() => [motoTarget(moto)], { env: HELD_AWS_ENV, holdSeconds: 3 })
  token = await g.agentToken()
  await motoForm('ec2', 'Action=RunInstances&ImageId=ami-12c6146b&MinCount=1&MaxCount=1&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=DB_PASSWORD&TagSpecification.1.Tag.1.Value=tagpw-hunter2&TagSpecification.1.Tag.2.Key=Name&TagSpecification.1.Tag.2.Value=web-1')
  await motoSsm('PutParameter', { Name: '/prod/db/host', Value: 'db.internal', Type: 'String', Tags: [{ Key: 'api_token', Value: 'tagssm-hunter2' }] })
  await motoSecrets('CreateSecret', { Name: 'db', SecretString: 'x', Tags: [{ Key: 'api_token', Value: 'tagtok-hunter2' }, { Key: 'env', Value: 'prod' }] })
})

test.after(async () => {
  await g?.close()
  await moto?.stop()
})

test('control: moto answers a guess at a tag value with the resource only when it is right', async () => {
  assert.match(await motoForm('ec2', 'Action=DescribeTags&Filter.1.Name=value&Filter.1.Value.1=tagpw-h*'), 'DB_PASSWORD')
  assert.not.match(await motoForm('ec2', 'Action=DescribeTags&Filter.1.Name=value&Filter.1.Value.1=tagpw-x*'), 'DB_PASSWORD')
  assert.match(await motoForm('ec2', 'Action=DescribeInstances&Filter.1.Name=tag:DB_PASSWORD&Filter.1.Value.1=tagpw-h*'), '<instanceId>')
  assert.is(JSON.parse(await motoSecrets('ListSecrets', { Filters: [{ Key: 'tag-value', Values: ['tagtok-h'] }] })).SecretList.length, 1)
  assert.is(JSON.parse(await motoSecrets('ListSecrets', { Filters: [{ Key: 'tag-value', Values: ['tagtok-x'] }] })).SecretList.length, 0)
  assert.is(JSON.parse(await motoSsm('DescribeParameters', ssmTagGuess('tagssm-hunter2'))).Parameters.length, 1)
  assert.is(JSON.parse(await motoSsm('DescribeParameters', ssmTagGuess('tagssm-other'))).Parameters.length, 0)
})

test('guesses at a masked tag value are refused, not answered', async () => {
  for (const form of [
    'Action=DescribeTags&Filter.1.Name=value&Filter.1.Value.1=tagpw-h*',
    'Action=DescribeTags&Filter.1.Name=value&Filter.1.Value.1=tagpw-x*',
    'Action=DescribeInstances&Filter.1.Name=tag:DB_PASSWORD&Filter.1.Value.1=tagpw-h*',
  ]) {
    const res = await ec2(form)
    assert.is(res.status, 400, `${form}: ${res.text.slice(0, 200)}`)
    assert.is(JSON.parse(res.text).error, 'http.filter_refused')
  }
  for (const key of ['tag-value', 'all']) {
    const res = await secrets('ListSecrets', { Filters: [{ Key: key, Values: ['tagtok-h'] }] })
    assert.is(res.status, 400, `${key}: ${res.text.slice(0, 200)}`)
    assert.is(JSON.parse(res.text).error, 'http.filter_refused')
  }
  const ssm = await via('https://ssm.us-east-1.amazonaws.com/', { method: 'POST', headers: { 'x-amz-target': 'AmazonSSM.DescribeParameters', 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(ssmTagGuess('tagssm-hunter2')) })
  const text = await ssm.text()
  assert.is(ssm.status, 400, text.slice(0, 200))
  assert.is(JSON.parse(text).error, 'http.filter_refused')
})

test('a tag filter in a body Warden cannot read (a key named twice) is refused, not forwarded unread', async () => {
  const res = await via('https://secretsmanager.us-east-1.amazonaws.com/', { method: 'POST', headers: { 'x-amz-target': 'secretsmanager.ListSecrets', 'content-type': 'application/x-amz-json-1.1' }, body: '{"MaxResults":10,"MaxResults":10,"Filters":[{"Key":"tag-value","Values":["tagtok-h"]}]}' })
  const text = await res.text()
  assert.is(res.status, 400, text.slice(0, 300))
  assert.is(JSON.parse(text).error, 'http.filter_refused')
})

test('filters on readable tags and fields still work, the secret tag masked in what they list', async () => {
  const tags = await ec2('Action=DescribeTags&Filter.1.Name=key&Filter.1.Value.1=DB_PASSWORD')
  assert.is(tags.status, 200, tags.text.slice(0, 300))
  assert.match(tags.text, 'DB_PASSWORD')
  assert.not.match(tags.text, 'tagpw-hunter2')
  const named = await ec2('Action=DescribeInstances&Filter.1.Name=tag:Name&Filter.1.Value.1=web-1&Filter.2.Name=instance-state-name&Filter.2.Value.1=running')
  assert.is(named.status, 200, named.text.slice(0, 300))
  assert.match(named.text, '<instanceId>')
  assert.not.match(named.text, 'tagpw-hunter2')
  const listed = await secrets('ListSecrets', { Filters: [{ Key: 'tag-key', Values: ['api_token'] }] })
  assert.is(listed.status, 200, listed.text.slice(0, 300))
  assert.is(JSON.parse(listed.text).SecretList.length, 1)
  assert.not.match(listed.text, 'tagtok-hunter2')
})

test.run()
