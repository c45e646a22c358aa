import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { MaskObligation } from '../../engine/types.ts'
import { selectorRefusal } from './kube-selectors.ts'
import { cpuTimed } from '../../engine/testing/cpu-time.ts'

const KEY = new Uint8Array(32).fill(7)
// The default policy's masks for a read: every content detector, and for a Secret its data by path.
const detectors: MaskObligation[] = [{ detector: 'all' }]
const secretData: MaskObligation[] = [{ path: 'items.*.data.*' }, { path: 'object.data.*' }, ...detectors]
const refused = (query: string, masks = detectors) => selectorRefusal(query, masks, KEY)?.message

test('a selector on a value the masks hide is refused: secret names, detected content, masked paths', () => {
  assert.match(refused('fieldSelector=spec.password%3Dguess')!, 'spec.password')
  assert.match(refused('fieldSelector=spec.owner%3Djane%40example.com')!, 'spec.owner')
  assert.match(refused('fieldSelector=spec.dbPassword%3D')!, 'spec.dbPassword') // an empty guess at a secret name
  assert.match(refused('labelSelector=vault.example.com/api-key+in+(a,b)')!, 'api-key')
  assert.match(refused('fieldSelector=data.key%3Dv', secretData)!, 'data.key')
  assert.match(refused('fieldSelector=metadata.name%3Da%5Cx')!, 'does not parse')
  assert.match(refused('labelSelector=a+in+(b')!, 'does not parse')
  assert.match(refused('%66ieldSelector=spec.password%3Dguess')!, 'spec.password')
  assert.match(refused('limit=1&label%53elector=db-password%3Dguess')!, 'db-password')
  assert.is(selectorRefusal('fieldSelector=spec.password%3Dguess', detectors, KEY)?.code, 'http.selector_refused')
})

test('a pair\'s value, masked in the answer by the secret name beside it, is refused: the selector does not show that name', () => {
  // A custom resource {spec: {name: DB_PASSWORD, value: …}} with .spec.value selectable: its answers read [secret].
  assert.match(refused('fieldSelector=spec.value%3Dguess')!, 'spec.value')
  assert.match(refused('fieldSelector=spec.env.Value%3D%3Dguess')!, 'spec.env.Value')
  assert.match(refused('labelSelector=value+in+(a,b)')!, 'value')
  assert.is(refused('fieldSelector=spec.name%3DDB_PASSWORD,spec.values%3Dx'), undefined)
})

test('a label ordered by > or < is refused: bounds no detector masks bisect a card number the answer hides', () => {
  // The value itself is masked; neither bound is, yet the pair of answers says on which side of them it lies.
  assert.match(refused('labelSelector=acct%3D4111111111111111')!, 'acct')
  assert.match(refused('labelSelector=acct>4111111111111110')!, 'acct')
  assert.match(refused('labelSelector=app%3Dweb,acct<4111111111111112')!, 'acct')
  assert.match(refused('labelSelector=generation+>+3', secretData)!, 'generation')
})

test('selectors on what the masks leave readable pass', () => {
  for (const q of [
    'fieldSelector=metadata.name%3Dweb-1,metadata.namespace%3Dprod',
    'fieldSelector=status.phase%3DRunning,spec.nodeName%3Dip-10-0-1-23.ec2.internal,spec.restartPolicy%3DAlways',
    'fieldSelector=type%3DOpaque&labelSelector=app%3Dweb,tier+in+(db,cache),!canary,db-password',
    'watch=1&fieldSelector=involvedObject.name%3Dweb,reason%3DBackOff',
    'limit=10',
  ]) assert.is(refused(q, secretData), undefined, q)
})

test('selectors naming more than 1000 values are refused unchecked: each costs a masker run on the socket thread', () => {
  const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`).join(',')
  assert.is(refused(`labelSelector=${encodeURIComponent(`app in (${values(1000)})`)}`), undefined)
  assert.match(refused(`labelSelector=${encodeURIComponent(`app in (${values(1001)})`)}`)!, 'name 1001 values, more than the 1000')
  const many = Array.from({ length: 600 }, (_, i) => `metadata.name=n${i}`).join(',')
  assert.match(refused(`fieldSelector=${encodeURIComponent(many)}&labelSelector=${encodeURIComponent(values(401))}`)!, 'name 1001 values')
  const { value: refusal, cpuMs } = cpuTimed(() => refused(`labelSelector=${encodeURIComponent(`app in (${values(25_000)})`)}`))
  assert.match(refusal!, 'name 25000 values')
  assert.ok(cpuMs < 500, `refused before any value is tried (${cpuMs} ms)`)
})

test.run()
