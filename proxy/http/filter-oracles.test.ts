import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { CloudCommand, Command, MaskObligation } from '../../engine/types.ts'
import { filterRefusal } from './filter-oracles.ts'

const KEY = new Uint8Array(32).fill(7)
const detectors: MaskObligation[] = [{ detector: 'all' }]
const aws = (service: string, operation: string, readOnly: boolean): CloudCommand =>
  ({ provider: 'aws', service, method: `${service}:${operation}`, operation, resource: '', read_only: readOnly })
const command = (cloud: CloudCommand, bodyError: string): Command =>
  ({ protocol: 'aws', raw: '', digest: '', fingerprint: '', cloud, http: { method: 'POST', scheme: 'https', host: 'h', path: '/', query: {}, headers: {}, body_error: bodyError } }) as unknown as Command
const refused = (cloud: CloudCommand, bodyError: string, masks = detectors) => filterRefusal('aws', command(cloud, bodyError), '', masks, KEY)?.message

test('a read whose body Warden could not read is refused under masks; DynamoDB whatever its type', () => {
  assert.match(refused(aws('secretsmanager', 'ListSecrets', true), 'invalid JSON body: an object names one key twice')!, 'names one key twice')
  assert.match(refused(aws('dynamodb', 'GetItem', true), 'unsupported content type text/plain; only JSON, YAML and form bodies are inspected')!, 'could not be read')
})

test('bodies that carry no filter pass: another type, a streamed upload, a write (held by the policy), no masks', () => {
  assert.is(refused(aws('s3', 'SelectObjectContent', true), 'unsupported content type application/xml; only JSON, YAML and form bodies are inspected'), undefined)
  assert.is(refused(aws('s3', 'PutObject', false), 'body not read: streamed to the upstream'), undefined)
  assert.is(refused(aws('dynamodb', 'PutItem', false), 'invalid JSON body: an object names one key twice'), undefined)
  assert.is(refused(aws('dynamodb', 'GetItem', true), 'invalid JSON body: an object names one key twice', []), undefined)
})

test.run()
