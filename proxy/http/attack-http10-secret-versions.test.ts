// Tenth HTTP round, Secrets Manager versions: a write that names an existing version (ClientRequestToken) with a
// value succeeds, changing nothing, when the value is that version's and fails when it is not, so an agent that may
// not read a secret (GetSecretValue is held) checked guesses at it in staging, where writes pass. Against moto, as an
// agent under the default policy.
import { execFile } from 'node:child_process'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fetch } from 'undici'
import { startMoto, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { HELD_AWS_ENV, motoSignature, motoTarget } from './testing/moto-target.ts'

const SECRET = 'stage-db-pw-Kq81'
let moto: StoragePeer
let g: TestGateway
let token = ''
let version = ''

const motoSecrets = (operation: string, body: unknown) => new Promise<string>((resolve, reject) => execFile('curl', ['-sS', '--cacert', moto.caFile,
  '-H', `authorization: ${motoSignature('secretsmanager')}`, '-H', 'content-type: application/x-amz-json-1.1', '-H', `x-amz-target: secretsmanager.${operation}`,
  '--data-binary', JSON.stringify(body), `${moto.url}/`], (err, out) => (err ? reject(err) : resolve(out))))

test.before(async () => {
  moto = await startMoto()
  g = await startTestGateway(() => [motoTarget(moto, { name: 'stage-secrets', environment: 'staging', api_host: 'secretsmanager.us-east-1.amazonaws.com', hosts: [] })], { env: HELD_AWS_ENV, holdSeconds: 0.5 })
  token = await g.agentToken()
  version = JSON.parse(await motoSecrets('CreateSecret', { Name: 'db', SecretString: SECRET })).VersionId
})

test.after(async () => {
  await g?.close()
  await moto?.stop()
})

const call = (operation: string, body: unknown) => fetch(`${g.reverse.url}/t/stage-secrets/`, {
  method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `secretsmanager.${operation}` }, body: JSON.stringify(body),
})

test('control: moto answers a write naming the version by whether the value is that version\'s', async () => {
  assert.match(await motoSecrets('PutSecretValue', { SecretId: 'db', ClientRequestToken: version, SecretString: 'wrong-guess-0000' }), 'ResourceExistsException')
  assert.match(await motoSecrets('PutSecretValue', { SecretId: 'db', ClientRequestToken: version, SecretString: SECRET }), `"VersionId": "${version}"`)
})

test('control: the agent may list the secret\'s versions, and may not read its value', async () => {
  const list = await call('ListSecretVersionIds', { SecretId: 'db' })
  assert.match(await list.text(), version)
  const read = await call('GetSecretValue', { SecretId: 'db' })
  assert.is(read.status, 403)
  assert.not.match(await read.text(), SECRET)
})

test('PutSecretValue, UpdateSecret and CreateSecret naming the version with a guessed value are held, right guess or wrong', async () => {
  for (const [operation, body] of [
    ['PutSecretValue', { SecretId: 'db', ClientRequestToken: version, SecretString: SECRET }],
    ['PutSecretValue', { SecretId: 'db', ClientRequestToken: version, SecretString: 'wrong-guess-0000' }],
    ['UpdateSecret', { SecretId: 'db', ClientRequestToken: version, SecretString: SECRET }],
    ['CreateSecret', { Name: 'db', ClientRequestToken: version, SecretString: SECRET }],
  ] as const) {
    const res = await call(operation, body)
    const text = await res.text()
    assert.is(res.status, 403, `${operation}: ${text.slice(0, 300)}`)
    assert.ok(res.headers.get('x-warden-approval'), `${operation}: held for a reviewer`)
    assert.not.match(text, 'ResourceExists')
  }
})

test.run()
