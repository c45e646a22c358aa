import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { MaskObligation } from '../../engine/types.ts'
import { tagFilterRefusal } from './aws-tag-filters.ts'

const KEY = new Uint8Array(32).fill(7)
const detectors: MaskObligation[] = [{ detector: 'all' }]
const form = (text: string) => Object.fromEntries([...new URLSearchParams(text)].map(([k, v]) => [k, [v]]))
const refused = (query: Record<string, unknown>, body: unknown = undefined, masks = detectors) => tagFilterRefusal(query, body, masks, KEY)?.message

test('tag filters on what the masks hide are refused: secret-named keys, whole detected values, wildcards, any tag\'s value', () => {
  assert.match(refused({}, form('Action=DescribeInstances&Filter.1.Name=tag:DB_PASSWORD&Filter.1.Value.1=hunter2'))!, 'tag DB_PASSWORD, whose value')
  assert.match(refused(form('Action=DescribeTags&Filter.1.Name=value&Filter.1.Value.1=hunt*'))!, 'any tag (value)')
  assert.match(refused({}, form('Action=DescribeInstances&Filter.1.Name=tag:Owner&Filter.1.Value.1=alice%40example.com'))!, 'Owner on a value')
  assert.match(refused({}, form('Action=DescribeInstances&Filter.2.Name=tag:Owner&Filter.2.Value.1=ali*'))!, 'wildcard')
  assert.match(refused({}, form('Action=DescribeDBInstances&Filters.Filter.1.Name=tag:api_token&Filters.Filter.1.Values.Value.1=x'))!, 'api_token')
  assert.match(refused({}, { Filters: [{ Key: 'tag-value', Values: ['hunt'] }] })!, 'tag-value')
  assert.match(refused({}, { Filters: [{ Key: 'all', Values: ['hunt'] }] })!, 'all')
  assert.match(refused({}, { ParameterFilters: [{ Key: 'tag:api_token', Option: 'BeginsWith', Values: ['hunt'] }] })!, 'api_token')
  assert.match(refused({}, { TagFilters: [{ Key: 'db_password', Values: ['hunter2'] }] })!, 'db_password')
  assert.is(tagFilterRefusal({}, { Filters: [{ Key: 'tag-value', Values: ['x'] }] }, detectors, KEY)?.code, 'http.filter_refused')
})

test('tag filters on what the masks leave readable pass; no masks, nothing is refused', () => {
  for (const [query, body] of [
    [{}, form('Action=DescribeInstances&Filter.1.Name=tag:Name&Filter.1.Value.1=web&Filter.2.Name=instance-state-name&Filter.2.Value.1=running')],
    [{}, form('Action=DescribeTags&Filter.1.Name=key&Filter.1.Value.1=DB_PASSWORD')],
    [{}, { Filters: [{ Key: 'tag-key', Values: ['api_token'] }, { Key: 'name', Values: ['prod/'] }] }],
    [{}, { TagFilters: [{ Key: 'env', Values: ['prod'] }] }],
    [{}, { ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: ['/prod/db/'] }], ResourceTypeFilters: ['ec2:instance'] }],
    [form('Action=DescribeInstances&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1*'), undefined],
  ] as const) assert.is(refused(query as Record<string, unknown>, body), undefined, JSON.stringify(body ?? query))
  assert.is(refused({}, { Filters: [{ Key: 'tag-value', Values: ['hunt'] }] }, []), undefined)
})

test.run()
