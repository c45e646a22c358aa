// Fifth attack round on AWS endpoints, with the real aws CLI through the forward proxy against moto (HTTPS), by an
// agent holding a valid token under the default policy: services whose endpoint host puts a label before the
// service (api.ecr, streams.dynamodb). Harmless reads must be answered, not refused or held as calls Warden cannot
// name; what they mint (ecr get-login-password) must be held for what it is.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { peerBinaries, startMoto, type StoragePeer } from './testing/peers.ts'
import { awsCli } from './testing/aws-cli.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { HELD_AWS_ENV, motoTarget } from './testing/moto-target.ts'

const tools = peerBinaries(['aws'])
const dir = mkdtempSync(join(tmpdir(), 'warden-endpoints5-'))
let moto: StoragePeer
let g: TestGateway
let token: string

test.before(async () => {
  moto = await startMoto()
  g = await startTestGateway(() => [
    motoTarget(moto),
  ], { env: HELD_AWS_ENV, holdSeconds: 0.5 })
  token = await g.agentToken()
})

test.after(async () => {
  await g?.close()
  await moto?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const aws = (...args: string[]) => awsCli(tools.aws!, g, token, dir)(...args)

/** The rules of every hold so far (pending or expired). */
async function heldRules(): Promise<string[]> {
  return (await g.te.approvals.list({})).flatMap((a) => a.reasons.map((r) => r.rule ?? ''))
}

for (const args of [['ecr', 'describe-repositories'], ['dynamodbstreams', 'list-streams']]) {
  test(`aws ${args.join(' ')} (a read at ${args[0] === 'dynamodbstreams' ? 'streams.dynamodb' : `api.${args[0]}`}) is answered`, async () => {
    const out = await aws(...args)
    assert.is(out.code, 0, out.stderr.slice(0, 600))
  })
}

test('aws ecr get-login-password (a registry password minted with the gateway key) is held as a credential read, never answered', async () => {
  const out = await aws('ecr', 'get-login-password')
  assert.ok(out.code !== 0, out.stdout.slice(0, 200))
  assert.is(out.stdout.trim(), '')
  assert.match(out.stderr, 'warden', out.stderr.slice(0, 600))
  assert.ok((await heldRules()).includes('warden.rules.cloud.secret'), JSON.stringify(await heldRules()))
})

test.run()
