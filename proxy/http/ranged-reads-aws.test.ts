// A ranged read of an object under masks, with the real aws CLI and curl through the gateway to moto. The gateway
// used to drop the Range header and answer 200 with the whole masked object: `aws s3 cp` of an object above its
// multipart threshold (8 MiB) wrote that whole answer at each part's offset and exited 0, leaving a file of
// 14 MB for a 10 MiB object (5.5 MiB masked), neither the object nor its masked form. Now the first part (bytes=0-
// 8388607) is refused once its answer shows the object is longer, the others before they are forwarded, with 403,
// the reason and the setting that reads whole; the CLI so configured writes the masked object.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { awsCli } from './testing/aws-cli.ts'
import { peerBinaries, startMoto, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { HELD_AWS_ENV, motoCurl, motoTarget } from './testing/moto-target.ts'

const tools = peerBinaries(['aws'])
const dir = mkdtempSync(join(tmpdir(), 'warden-ranged-aws-'))
const downloads = join(dir, 'downloads')
const LINE = 'row,jane.doe@example.com,AKIAIOSFODNN7EXAMPLE,postgres://app:s3cret-Pa55word@db.internal:5432/app\n'
// 10 MiB: above the aws CLI's default multipart threshold (8 MiB), so it downloads in ranged parts.
const OBJECT = LINE.repeat(Math.ceil(10 * 1024 * 1024 / LINE.length))
const REASON = /ranged reads are refused where masks apply.*aws configure set default\.s3\.multipart_threshold 5GB/s
let moto: StoragePeer
let g: TestGateway
let aws: ReturnType<typeof awsCli>
let token: string

test.before(async () => {
  moto = await startMoto()
  g = await startTestGateway(() => [motoTarget(moto, { name: 'staging-aws', environment: 'staging' })], { env: HELD_AWS_ENV, holdSeconds: 20 })
  token = await g.agentToken()
  aws = awsCli(tools.aws!, g, token, dir)
  const file = join(dir, 'big.csv')
  writeFileSync(file, OBJECT)
  await motoCurl(moto, 's3', 'PUT', '/ranged')
  await motoCurl(moto, 's3', 'PUT', '/ranged/big.csv', ['-H', 'content-type: text/csv', '--data-binary', `@${file}`])
})
test.after(async () => {
  await g?.close()
  await moto?.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** curl through the gateway's forward proxy as the agent: status line and body. */
const curl = (...args: string[]) => new Promise<{ status: number; body: string }>((resolve, reject) => execFile('curl', [
  '-sS', '-w', '\n%{http_code}', '-x', g.proxy.url.replace('http://', `http://agent:${token}@`), '--cacert', g.ca.bundle, ...args,
  'https://s3.us-east-1.amazonaws.com/ranged/big.csv',
], { maxBuffer: 64 * 1024 * 1024 }, (err, out) => {
  if (err) return reject(err)
  const cut = out.lastIndexOf('\n')
  resolve({ status: Number(out.slice(cut + 1)), body: out.slice(0, cut) })
}))

test('aws s3 cp of a 10 MiB object (ranged parts) fails naming the reason and the setting; no file is written', async () => {
  rmSync(downloads, { recursive: true, force: true })
  const out = await aws('s3', 'cp', 's3://ranged/big.csv', join(downloads, 'big.csv'))
  assert.ok(out.code !== 0, out.stdout.slice(-300))
  assert.match(out.stderr, REASON)
  assert.equal(existsSync(downloads) ? readdirSync(downloads) : [], [], 'a file was left behind')
})

test('curl -r 0-99 or 100-199 is refused with 403 in S3\'s error format; a range covering the object answers the whole masked object', async () => {
  for (const range of ['0-99', '100-199']) {
    const part = await curl('-r', range)
    assert.is(part.status, 403, part.body.slice(0, 300))
    assert.match(part.body, /<Error><Code>AccessDenied<\/Code><Message>warden: .*ranged reads are refused where masks apply/)
    assert.not.match(part.body, 'jane.doe')
  }
  const whole = await curl()
  const fromZero = await curl('-r', '0-')
  assert.is(whole.status, 200)
  assert.is(fromZero.status, 200)
  assert.not.match(whole.body, 'jane.doe')
  assert.ok(whole.body.length > 1024 * 1024 && whole.body.length !== OBJECT.length, `masked: ${whole.body.length}`)
  assert.ok(fromZero.body === whole.body, 'bytes=0- is the whole masked object')
  const covering = await curl('-r', `0-${OBJECT.length - 1}`)
  assert.is(covering.status, 200)
  assert.ok(covering.body === whole.body, 'bytes=0-<size - 1> is the whole masked object')
})

test('with aws configure set default.s3.multipart_threshold 5GB, aws s3 cp writes exactly the masked object', async () => {
  const set = await aws('configure', 'set', 'default.s3.multipart_threshold', '5GB')
  assert.is(set.code, 0, set.stderr)
  const file = join(downloads, 'whole.csv')
  const out = await aws('s3', 'cp', 's3://ranged/big.csv', file)
  assert.is(out.code, 0, out.stderr)
  const masked = (await curl()).body
  const written = readFileSync(file, 'utf8')
  assert.ok(written === masked, `the file (${written.length} bytes) is the masked object (${masked.length} bytes)`)
  assert.not.match(written, 'jane.doe')
})

test.run()
