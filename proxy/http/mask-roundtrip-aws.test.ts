// A masked SSM parameter written back with the real aws CLI: the agent reads a parameter through the gateway (the
// credential in its URL comes back masked), then `aws ssm put-parameter --overwrite` with what it read. The write
// is refused (warden.rules.mask_writes) and moto keeps the real value; an ordinary value with `*` still writes.
// The same for S3 object tags, whose write is an XML body Warden does not parse (read as text), and for object
// metadata, written as x-amz-meta-* headers by a copy onto itself.
// The target is a staging one: an agent's plain cloud writes there pass without approval.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { awsCli } from './testing/aws-cli.ts'
import { peerBinaries, startMoto, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { HELD_AWS_ENV, motoCurl, motoTarget } from './testing/moto-target.ts'

const REAL = 'postgres://app:s3cret-Pa55word@db.internal:5432/app'
const REASON = /writes a value Warden masked in an earlier answer; it would overwrite the real value with the mask/
const tools = peerBinaries(['aws'])
const dir = mkdtempSync(join(tmpdir(), 'warden-roundtrip-aws-'))
let moto: StoragePeer
let g: TestGateway
let aws: ReturnType<typeof awsCli>

test.before(async () => {
  moto = await startMoto()
  g = await startTestGateway(() => [motoTarget(moto, { name: 'staging-aws', environment: 'staging' })], { env: HELD_AWS_ENV, holdSeconds: 20 })
  aws = awsCli(tools.aws!, g, await g.agentToken(), dir)
  await motoSsm('PutParameter', { Name: 'db-url', Value: REAL, Type: 'String' })
})
test.after(async () => {
  await g?.close()
  await moto?.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** An SSM call straight to moto, the gateway bypassed: what moto holds. */
const motoSsm = (target: string, body: unknown) => motoCurl(moto, 'ssm', 'POST', '/', [
  '-H', `x-amz-target: AmazonSSM.${target}`, '-H', 'content-type: application/x-amz-json-1.1', '--data-binary', JSON.stringify(body),
])
const held = async (name: string) => JSON.parse(await motoSsm('GetParameter', { Name: name })).Parameter.Value as string

test('aws ssm put-parameter of the masked value the agent read is denied; moto keeps the real value', async () => {
  const get = () => aws('ssm', 'get-parameter', '--name', 'db-url', '--query', 'Parameter.Value', '--output', 'text')
  // A parameter read is held for a reviewer; once approved it is answered, masked.
  const pending = get()
  const id = await g.heldId(10_000)
  assert.ok(id, 'held')
  await g.approve(id!)
  const read = await pending
  assert.is(read.code, 0, read.stderr)
  const shown = read.stdout.trim()
  assert.is.not(shown, REAL)
  const out = await aws('ssm', 'put-parameter', '--name', 'db-url', '--type', 'String', '--overwrite', '--value', shown)
  assert.ok(out.code !== 0, out.stdout)
  assert.match(out.stderr, REASON)
  assert.is(await held('db-url'), REAL)
})

test('aws s3api put-object-tagging (an XML body) of the masked tags the agent read is denied; moto keeps the real tags', async () => {
  for (const args of [['create-bucket', '--bucket', 'reports'], ['put-object', '--bucket', 'reports', '--key', 'q3.csv'],
    ['put-object-tagging', '--bucket', 'reports', '--key', 'q3.csv', '--tagging', 'TagSet=[{Key=owner,Value=jane.doe@example.com}]']]) {
    const set = await aws('s3api', ...args)
    assert.is(set.code, 0, `${args[0]}: ${set.stderr}`)
  }
  const realTags = () => motoCurl(moto, 's3', 'GET', '/reports/q3.csv?tagging')
  const read = await aws('s3api', 'get-object-tagging', '--bucket', 'reports', '--key', 'q3.csv', '--query', 'TagSet[0].Value', '--output', 'text')
  assert.is(read.code, 0, read.stderr)
  const shown = read.stdout.trim()
  assert.is.not(shown, 'jane.doe@example.com')
  const out = await aws('s3api', 'put-object-tagging', '--bucket', 'reports', '--key', 'q3.csv', '--tagging', JSON.stringify({ TagSet: [{ Key: 'owner', Value: shown }] }))
  assert.ok(out.code !== 0, out.stdout)
  assert.match(out.stderr, REASON, `${shown}: ${out.stderr}`)
  assert.match(await realTags(), 'jane.doe@example.com')
})

test('aws s3api copy-object with the masked metadata the agent read (x-amz-meta-* headers) is denied; moto keeps the real metadata', async () => {
  const put = await aws('s3api', 'put-object', '--bucket', 'reports', '--key', 'q4.csv', '--metadata', 'owner=jane.doe@example.com')
  assert.is(put.code, 0, put.stderr)
  const read = await aws('s3api', 'head-object', '--bucket', 'reports', '--key', 'q4.csv', '--query', 'Metadata.owner', '--output', 'text')
  assert.is(read.code, 0, read.stderr)
  const shown = read.stdout.trim()
  assert.is.not(shown, 'jane.doe@example.com')
  const out = await aws('s3api', 'copy-object', '--bucket', 'reports', '--key', 'q4.csv', '--copy-source', 'reports/q4.csv',
    '--metadata-directive', 'REPLACE', '--metadata', JSON.stringify({ owner: shown }))
  assert.ok(out.code !== 0, out.stdout)
  assert.match(out.stderr, REASON, `${shown}: ${out.stderr}`)
  const real = await motoCurl(moto, 's3', 'GET', '/reports/q4.csv', ['-i'])
  assert.match(real, /x-amz-meta-owner: jane\.doe@example\.com/i)
})

test('aws ssm put-parameter of an ordinary value holding `*` still writes', async () => {
  const out = await aws('ssm', 'put-parameter', '--name', 'include', '--type', 'String', '--value', '*.txt [INFO] a * b')
  assert.is(out.code, 0, out.stderr)
  assert.is(await held('include'), '*.txt [INFO] a * b')
})

test.run()
