import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { DevKeyError, devKeyPath, loadOrCreateDevKey } from './dev-key.ts'

const scratch = await mkdtemp(join(tmpdir(), 'warden-devkey-'))
test.after(() => rm(scratch, { recursive: true, force: true }))
let n = 0
const stateDir = () => join(scratch, `state-${++n}`)

test('the key is created on first use with 0600 in a 0700 directory, and reused after', async () => {
  const dir = stateDir()
  const first = await loadOrCreateDevKey(dir)
  assert.is((await stat(devKeyPath(dir))).mode & 0o777, 0o600)
  assert.is((await stat(join(dir, 'dev-issuer'))).mode & 0o777, 0o700)
  assert.equal(await loadOrCreateDevKey(dir), first)
})

test('concurrent first uses agree on one key', async () => {
  const dir = stateDir()
  const pairs = await Promise.all(Array.from({ length: 5 }, () => loadOrCreateDevKey(dir)))
  for (const pair of pairs) assert.is(pair.publicJwk.kid, pairs[0]!.publicJwk.kid)
  assert.equal(await loadOrCreateDevKey(dir), pairs[0])
})

async function corrupt(text: string): Promise<DevKeyError> {
  const dir = stateDir()
  await loadOrCreateDevKey(dir)
  await writeFile(devKeyPath(dir), text)
  const err = await loadOrCreateDevKey(dir).catch((e: unknown) => e)
  assert.instance(err, DevKeyError)
  assert.is((err as DevKeyError).code, 'config.dev_key')
  assert.match((err as Error).message, `delete ${devKeyPath(dir)}`)
  return err as DevKeyError
}

test('a corrupt key file gives a clear error saying how to recover', async () => {
  assert.match((await corrupt('{ not json')).message, 'is not valid JSON')
  assert.match((await corrupt('{"privateJwk": {"kty": "RSA"}}')).message, 'is not an ES256 key pair')
})

test('a key file whose halves do not match is refused', async () => {
  const other = await loadOrCreateDevKey(stateDir())
  const dir = stateDir()
  const mine = await loadOrCreateDevKey(dir)
  await writeFile(devKeyPath(dir), JSON.stringify({ privateJwk: mine.privateJwk, publicJwk: { ...other.publicJwk, kid: mine.publicJwk.kid } }))
  const err = await loadOrCreateDevKey(dir).catch((e: unknown) => e)
  assert.instance(err, DevKeyError)
})

test.run()
