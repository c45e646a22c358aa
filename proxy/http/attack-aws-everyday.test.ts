// Everyday aws CLI calls through the gateway to moto, after the changes that name an AWS call's service only from
// a host shape AWS publishes and a known list, agreed by the SigV4 scope: each reaches moto and is answered. The
// CloudTrail one was held: its X-Amz-Target prefix (com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101) was
// read as a service of that name, not cloudtrail.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { awsCli } from './testing/aws-cli.ts'
import { peerBinaries, startMoto, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { HELD_AWS_ENV, motoTarget } from './testing/moto-target.ts'

const tools = peerBinaries(['aws'])
const dir = mkdtempSync(join(tmpdir(), 'warden-aws-everyday-'))
let moto: StoragePeer
let g: TestGateway
let aws: ReturnType<typeof awsCli>

test.before(async () => {
  moto = await startMoto()
  g = await startTestGateway(() => [motoTarget(moto, { name: 'staging-aws', environment: 'staging' })], { env: HELD_AWS_ENV, holdSeconds: 20 })
  aws = awsCli(tools.aws!, g, await g.agentToken(), dir)
})
test.after(async () => {
  await g?.close()
  await moto?.stop()
  rmSync(dir, { recursive: true, force: true })
})

test('aws sts get-caller-identity, s3 mb/cp/ls, logs and cloudtrail reads reach moto and are answered', async () => {
  const file = join(dir, 'report.txt')
  writeFileSync(file, 'status=ok\n')
  for (const args of [
    ['sts', 'get-caller-identity'],
    ['s3', 'mb', 's3://everyday'],
    ['s3', 'cp', file, 's3://everyday/report.txt'],
    ['s3', 'ls', 's3://everyday/'],
    ['s3', 'cp', 's3://everyday/report.txt', join(dir, 'back.txt')],
    ['logs', 'create-log-group', '--log-group-name', 'app'],
    ['logs', 'describe-log-groups'],
    ['cloudtrail', 'describe-trails'],
  ]) {
    const out = await aws(...args)
    assert.is(out.code, 0, `${args.join(' ')}: ${out.stderr.slice(0, 400)}`)
  }
})

// Under masks the digest headers of answers are dropped (an ETag digests the stored object), and with them the
// ETag of each UploadPart answer, which the CLI needs to complete a multipart upload: `aws s3 cp` of a file over
// 8 MiB failed with 'ETag'. An S3 PUT's ETag digests the bytes the agent sent, and is kept (sent-digest.ts).
test('aws s3 cp of a 9 MiB file (a multipart upload) completes, and the object is the file', async () => {
  const big = join(dir, 'big.txt')
  writeFileSync(big, 'line of plain text\n'.repeat(9 * 1024 * 1024 / 19 + 1))
  const up = await aws('s3', 'cp', big, 's3://everyday/big.txt')
  assert.is(up.code, 0, up.stderr.slice(0, 400))
  const head = await aws('s3api', 'head-object', '--bucket', 'everyday', '--key', 'big.txt', '--query', 'ContentLength', '--output', 'text')
  assert.is(head.code, 0, head.stderr.slice(0, 400))
  assert.is(Number(head.stdout.trim()), statSync(big).size)
})

test('aws secretsmanager create-secret and get-secret-value are held for a reviewer, and once approved answered', async () => {
  // The CLI sends a ClientRequestToken with every write of a value: with an existing version's token and a guessed
  // value, whether it succeeds answers for the stored value (attack-http10-secret-versions), so such writes are held.
  const making = aws('secretsmanager', 'create-secret', '--name', 'db', '--secret-string', 'plain-value-1')
  const create = await g.heldId(10_000)
  assert.ok(create, 'create-secret held')
  await g.approve(create!)
  const made = await making
  assert.is(made.code, 0, made.stderr)
  const pending = aws('secretsmanager', 'get-secret-value', '--secret-id', 'db', '--query', 'Name', '--output', 'text')
  const id = await g.heldId(10_000)
  assert.ok(id, 'held')
  await g.approve(id!)
  const read = await pending
  assert.is(read.code, 0, read.stderr)
  assert.is(read.stdout.trim(), 'db')
})

test.run()
