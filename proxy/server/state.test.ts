import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureStateDir, loadOrCreateApprovalsKey, loadOrCreateGatewayId, loadOrCreateMaskKey, StateError } from './state.ts'

const root = mkdtempSync(join(tmpdir(), 'warden-state-'))

test('creates the state directory private, and tightens an existing one', () => {
  const dir = join(root, 'a', 'state')
  ensureStateDir(dir)
  assert.is(statSync(dir).mode & 0o777, 0o700)
  chmodSync(dir, 0o755)
  ensureStateDir(dir)
  assert.is(statSync(dir).mode & 0o777, 0o700)
})

test('makes a 32-byte 0600 mask key once and returns the same key afterwards', () => {
  const dir = join(root, 'b')
  ensureStateDir(dir)
  const first = loadOrCreateMaskKey(dir)
  assert.is(first.length, 32)
  assert.is(statSync(join(dir, 'mask.key')).mode & 0o777, 0o600)
  assert.equal(loadOrCreateMaskKey(dir), first)
})

test('rejects a mask key of the wrong length with a coded error', () => {
  const dir = join(root, 'c')
  ensureStateDir(dir)
  writeFileSync(join(dir, 'mask.key'), 'short')
  try {
    loadOrCreateMaskKey(dir)
    assert.unreachable('accepted a short key')
  } catch (err) {
    assert.instance(err, StateError)
    assert.is((err as StateError).code, 'state.mask_key')
    assert.match((err as Error).message, 'delete it')
  }
})

test('the gateway id is a UUID made once and kept; a damaged file is a coded error', () => {
  const dir = join(root, 'd')
  ensureStateDir(dir)
  const id = loadOrCreateGatewayId(dir)
  assert.match(id, /^[0-9a-f-]{36}$/)
  assert.is(loadOrCreateGatewayId(dir), id)
  writeFileSync(join(dir, 'gateway-id'), 'gw-eu-1\n')
  assert.is(loadOrCreateGatewayId(dir), 'gw-eu-1', 'an operator may name the gateway')
  writeFileSync(join(dir, 'gateway-id'), '{"not": "an id"}')
  try {
    loadOrCreateGatewayId(dir)
    assert.unreachable('accepted a damaged id')
  } catch (err) {
    assert.is((err as StateError).code, 'state.gateway_id')
  }
})

test('the approvals key is its own 32-byte 0600 file, made on first use and kept', () => {
  const dir = join(root, 'e')
  ensureStateDir(dir)
  const key = loadOrCreateApprovalsKey(dir)
  assert.is(key.length, 32)
  assert.is(statSync(join(dir, 'approvals.key')).mode & 0o777, 0o600)
  assert.equal(loadOrCreateApprovalsKey(dir), key)
  assert.not.equal(loadOrCreateMaskKey(dir), key)
  writeFileSync(join(dir, 'approvals.key'), 'short')
  assert.throws(() => loadOrCreateApprovalsKey(dir), (err: StateError) => err.code === 'state.approvals_key' && /review texts already stored/.test(err.message))
})

test('refuses a state directory another user owns, without touching it', () => {
  // As root: one chowned to nobody. As anyone else: the root-owned system temporary directory.
  let dir = tmpdir()
  if (process.getuid?.() === 0) {
    dir = join(root, 'theirs')
    mkdirSync(dir)
    chmodSync(dir, 0o777)
    chownSync(dir, 65534, 65534)
  }
  const before = statSync(dir).mode
  assert.throws(() => ensureStateDir(dir), (err: StateError) => err.code === 'state.dir_owner' && err.message.includes(`is owned by uid ${statSync(dir).uid}, not by this user`) && err.message.includes('--state-dir'))
  assert.is(statSync(dir).mode, before, 'the mode was changed')
})

test('refuses a state directory under a world-writable parent without the sticky bit; /tmp-like parents are fine', () => {
  const shared = join(root, 'shared')
  mkdirSync(join(shared, 'state'), { recursive: true })
  chmodSync(shared, 0o777)
  assert.throws(() => ensureStateDir(join(shared, 'state')), (err: StateError) => err.code === 'state.dir_owner' && err.message.includes(`inside ${shared}, which any local user can write without the sticky bit`))
  assert.throws(() => ensureStateDir(join(shared, 'not-yet', 'state')), (err: StateError) => err.code === 'state.dir_owner', 'a directory it would make there')
  chmodSync(shared, 0o1777)
  ensureStateDir(join(shared, 'state'))
})

test.after(() => rmSync(root, { recursive: true, force: true }))
test.run()
