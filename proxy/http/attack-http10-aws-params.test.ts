// Tenth HTTP round, AWS call parameters: a parameter moto reads from the query is judged as the call's, not only
// the body's. moto (any service) reads a JSON call's parameters from the query before its body, and a query-protocol
// call's from the query when the body holds none; a password set there was judged as a change setting none. So
// does a JSON call's body read as a query string (`{"x":"&Password=…&"}`), which moto reads before the JSON.
import { execFile } from 'node:child_process'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fetch } from 'undici'
import { startMoto, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { HELD_AWS_ENV, motoSignature, motoTarget } from './testing/moto-target.ts'

let moto: StoragePeer
let g: TestGateway
let token: string
let pool = ''
let client = ''

const curl = (args: string[]) => new Promise<string>((resolve, reject) => execFile('curl', ['-sS', '--cacert', moto.caFile, ...args], (err, out) => (err ? reject(err) : resolve(out))))
const COGNITO = 'AWSCognitoIdentityProviderService'
/** A Cognito call straight to moto (its own key). */
const motoCognito = (operation: string, body: unknown) =>
  curl(['-H', `authorization: ${motoSignature('cognito-idp')}`, '-H', 'content-type: application/x-amz-json-1.1', '-H', `x-amz-target: ${COGNITO}.${operation}`, '--data-binary', JSON.stringify(body), `${moto.url}/`])
const motoForm = (service: string, form: string) =>
  curl(['-H', `authorization: ${motoSignature(service)}`, '-H', 'content-type: application/x-www-form-urlencoded', '--data-binary', form, `${moto.url}/`])

/** Whether moto lets `ops` sign in with `password`. */
async function signsIn(password: string): Promise<boolean> {
  const out = await motoCognito('AdminInitiateAuth', { UserPoolId: pool, ClientId: client, AuthFlow: 'ADMIN_NO_SRP_AUTH', AuthParameters: { USERNAME: 'ops', PASSWORD: password } })
  return 'AuthenticationResult' in JSON.parse(out)
}

/** The rules that held an approval. */
async function heldBy(res: Awaited<ReturnType<typeof fetch>>): Promise<string[]> {
  const id = res.headers.get('x-warden-approval')
  const held = id ? await g.te.approvals.get(id) : undefined
  return held ? held.reasons.map((r) => r.rule ?? '') : []
}

test.before(async () => {
  moto = await startMoto()
  g = await startTestGateway(() => [
    motoTarget(moto, { name: 'stage-cognito', environment: 'staging', api_host: 'cognito-idp.us-east-1.amazonaws.com', hosts: [] }),
    motoTarget(moto, { name: 'stage-rds', environment: 'staging', api_host: 'rds.us-east-1.amazonaws.com', hosts: [] }),
  ], { env: { ...HELD_AWS_ENV }, holdSeconds: 0.5 })
  token = await g.agentToken()
  pool = JSON.parse(await motoCognito('CreateUserPool', { PoolName: 'staff' })).UserPool.Id
  client = JSON.parse(await motoCognito('CreateUserPoolClient', { UserPoolId: pool, ClientName: 'admin', ExplicitAuthFlows: ['ADMIN_NO_SRP_AUTH'] })).UserPoolClient.ClientId
  await motoCognito('AdminCreateUser', { UserPoolId: pool, Username: 'ops' })
  await motoCognito('AdminSetUserPassword', { UserPoolId: pool, Username: 'ops', Password: 'Original-Pw-1!', Permanent: true })
  await motoForm('rds', 'Action=CreateDBInstance&DBInstanceIdentifier=orders&DBInstanceClass=db.t3.micro&Engine=postgres&MasterUsername=admin&MasterUserPassword=Original-Pw-1&AllocatedStorage=20&Version=2014-10-31')
})

test.after(async () => {
  await g?.close()
  await moto?.stop()
})

const setPassword = (query: string, body: unknown) => fetch(`${g.reverse.url}/t/stage-cognito/${query}`, {
  method: 'POST',
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${COGNITO}.AdminSetUserPassword` },
  body: JSON.stringify(body),
})

test('control: moto takes a JSON call\'s parameter from the query (AdminSetUserPassword?Password=…)', async () => {
  await motoCognito('CreateUserPool', { PoolName: 'scratch' })
  const scratch = JSON.parse(await motoCognito('ListUserPools', { MaxResults: 10 })).UserPools.find((p: { Name: string }) => p.Name === 'scratch').Id
  await motoCognito('AdminCreateUser', { UserPoolId: scratch, Username: 'u' })
  const out = await curl(['-H', `authorization: ${motoSignature('cognito-idp')}`, '-H', 'content-type: application/x-amz-json-1.1', '-H', `x-amz-target: ${COGNITO}.AdminSetUserPassword`,
    '--data-binary', JSON.stringify({ UserPoolId: scratch, Username: 'u', Permanent: true }), `${moto.url}/?Password=From-Query-1!`])
  assert.is(out, '{}')
})

test('control: an agent\'s password in the body is held as a credential, in staging where a change passes', async () => {
  const res = await setPassword('', { UserPoolId: pool, Username: 'ops', Password: 'Agent-Pw-1!', Permanent: true })
  assert.is(res.status, 403, await res.text())
  assert.ok((await heldBy(res)).includes('warden.rules.cloud.credential'))
  assert.ok(await signsIn('Original-Pw-1!'))
})

test('a JSON call carrying a parameter in the query is held, never run: the password stays', async () => {
  const res = await setPassword('?Password=Agent-Pw-2!', { UserPoolId: pool, Username: 'ops', Permanent: true })
  const body = await res.text()
  assert.is(res.status, 403, body.slice(0, 300))
  assert.ok((await heldBy(res)).includes('warden.rules.cloud.unknown'), JSON.stringify(await heldBy(res)))
  assert.not.ok(await signsIn('Agent-Pw-2!'), 'the agent\'s password was set')
  assert.ok(await signsIn('Original-Pw-1!'))
})

test('a JSON call whose body, read as a query string, names a parameter is held, never run: the password stays', async () => {
  // moto reads any body as a query string before its JSON: a string holding `&Password=…&` set the password.
  const res = await setPassword('', { UserPoolId: pool, Username: 'ops', Permanent: true, Note: '&Password=Agent-Pw-4!&' })
  const body = await res.text()
  assert.is(res.status, 403, body.slice(0, 300))
  assert.ok((await heldBy(res)).includes('warden.rules.cloud.unknown'), JSON.stringify(await heldBy(res)))
  assert.not.ok(await signsIn('Agent-Pw-4!'), 'the agent\'s password was set')
  assert.ok(await signsIn('Original-Pw-1!'))
})

test('a query-protocol call setting a password in the query (no body) is held as a credential', async () => {
  for (const method of ['POST', 'GET']) {
    const res = await fetch(`${g.reverse.url}/t/stage-rds/?Action=ModifyDBInstance&DBInstanceIdentifier=orders&MasterUserPassword=Agent-Pw-3&ApplyImmediately=true&Version=2014-10-31`, { method, headers: { authorization: `Bearer ${token}` } })
    const body = await res.text()
    assert.is(res.status, 403, `${method}: ${body.slice(0, 300)}`)
    assert.ok((await heldBy(res)).includes('warden.rules.cloud.credential'), `${method}: ${JSON.stringify(await heldBy(res))}`)
  }
})

test('control: a query-protocol change without a password still passes in staging, from the query or the body', async () => {
  const query = await fetch(`${g.reverse.url}/t/stage-rds/?Action=ModifyDBInstance&DBInstanceIdentifier=orders&AllocatedStorage=30&ApplyImmediately=true&Version=2014-10-31`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
  assert.is(query.status, 200, (await query.text()).slice(0, 300))
  const form = await fetch(`${g.reverse.url}/t/stage-rds/`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=ModifyDBInstance&DBInstanceIdentifier=orders&AllocatedStorage=40&ApplyImmediately=true&Version=2014-10-31' })
  assert.is(form.status, 200, (await form.text()).slice(0, 300))
})

test.run()
