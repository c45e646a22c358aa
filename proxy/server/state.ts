// The gateway's state directory and the secrets it keeps there: created private (0700 / 0600) on first start.
import { randomBytes, randomUUID } from 'node:crypto'
import { chmodSync, lstatSync, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { CodedError } from '../../engine/errors.ts'
import { openAncestors } from './trusted-files.ts'

export class StateError extends CodedError<string> {}

export const MASK_KEY_BYTES = 32
const KEY_BYTES = 32

const WHERE = 'point --state-dir, $WARDEN_STATE_DIR or state_dir of the config at a directory this user owns'

/**
 * Refuses a state directory another local user could rewrite. Whoever owns a directory can rename and replace
 * every entry in it, whatever the entries' own modes: a development key, CA or approvals store they plant in a
 * predictable path (/tmp/warden) before the gateway first starts is then trusted by it. The same holds for a
 * symbolic link they own, which they can point elsewhere at any time. A missing directory is fine (it is made).
 * Root-owned links are trusted, as the system's own. Without POSIX user ids (Windows) there is nothing to check.
 */
export function assertOwnStateDir(dir: string): void {
  const me = process.getuid?.()
  if (me === undefined) return
  let link
  try {
    link = lstatSync(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return assertNoOpenParent(dir, resolve(dir))
    throw new StateError('state.dir', `inspect the state directory ${dir}: ${(err as Error).message}; ${WHERE}`, { cause: err })
  }
  if (link.isSymbolicLink() && link.uid !== me && link.uid !== 0) {
    throw new StateError('state.dir_owner', `state directory ${dir} is a symbolic link owned by uid ${link.uid}, not by this user (uid ${me}) or root: its owner can point it at a directory of theirs at any time, and the gateway would trust the keys and stores they put there; ${WHERE}, or use the link's target directly`)
  }
  let target
  try {
    target = statSync(dir)
  } catch (err) {
    throw new StateError('state.dir', `inspect the state directory ${dir}: ${(err as Error).message}; ${WHERE}`, { cause: err })
  }
  if (target.uid !== me) {
    throw new StateError('state.dir_owner', `state directory ${dir} is owned by uid ${target.uid}, not by this user (uid ${me}): its owner can replace the keys and stores in it (a development issuer key put there mints any identity), so the gateway does not use it; ${WHERE}, or chown it to this user after checking what is inside`)
  }
  if (!target.isDirectory()) {
    throw new StateError('state.dir', `state directory ${dir} is not a directory; ${WHERE}`)
  }
  assertNoOpenParent(dir, realpathSync(dir))
}

/** A parent anyone may write (without the sticky bit of /tmp) lets anyone rename the directory away and put theirs there. */
function assertNoOpenParent(dir: string, real: string): void {
  const open = openAncestors(real)
  if (open.length) {
    throw new StateError('state.dir_owner', `state directory ${dir} is inside ${open.join(', ')}, which any local user can write without the sticky bit: they could rename it away and put a directory of theirs in its place; ${WHERE}, or chmod o-w (or +t) ${open.join(' ')}`)
  }
}

/**
 * Creates the state directory (mode 0700) when missing and tightens its mode when it already exists; refuses one
 * another user owns (see assertOwnStateDir).
 */
export function ensureStateDir(dir: string): void {
  assertOwnStateDir(dir)
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700)
  } catch (err) {
    throw new StateError('state.dir', `create the state directory ${dir}: ${(err as Error).message}; point --state-dir, $WARDEN_STATE_DIR or state_dir of the config at a writable directory`, { cause: err })
  }
}

/** The HMAC key behind `hash` masking: <state>/mask.key, 32 random bytes made once (0600) so hashes stay stable across restarts. */
export function loadOrCreateMaskKey(stateDir: string): Uint8Array {
  return loadOrCreateKey(stateDir, 'mask.key', 'state.mask_key', 'hashed values will change')
}

/**
 * The key the approval store encrypts review texts with: <state>/approvals.key, 32 random bytes made on first use
 * (0600). Gateways sharing a PostgreSQL approval store need the same file.
 */
export function loadOrCreateApprovalsKey(stateDir: string): Uint8Array {
  return loadOrCreateKey(stateDir, 'approvals.key', 'state.approvals_key', 'review texts already stored can no longer be read')
}

function loadOrCreateKey(stateDir: string, name: string, code: string, lossIfReplaced: string): Uint8Array {
  const path = join(stateDir, name)
  try {
    writeFileSync(path, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new StateError(code, `create the key ${path}: ${(err as Error).message}`, { cause: err })
    }
  }
  let key: Buffer
  try {
    key = readFileSync(path)
  } catch (err) {
    throw new StateError(code, `read the key ${path}: ${(err as Error).message}`, { cause: err })
  }
  if (key.length !== KEY_BYTES) {
    throw new StateError(code, `${path} holds ${key.length} bytes, expected ${KEY_BYTES}; delete it to generate a new key (${lossIfReplaced})`)
  }
  return new Uint8Array(key)
}

/**
 * This gateway's id (<state>/gateway-id, a UUID made once): the `id` label of every audit record, so records of
 * several gateways sharing one trail say which gateway made them, across restarts.
 */
export function loadOrCreateGatewayId(stateDir: string): string {
  const path = join(stateDir, 'gateway-id')
  try {
    writeFileSync(path, `${randomUUID()}\n`, { mode: 0o644, flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new StateError('state.gateway_id', `create the gateway id ${path}: ${(err as Error).message}`, { cause: err })
    }
  }
  let id: string
  try {
    id = readFileSync(path, 'utf8').trim()
  } catch (err) {
    throw new StateError('state.gateway_id', `read the gateway id ${path}: ${(err as Error).message}`, { cause: err })
  }
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
    throw new StateError('state.gateway_id', `${path} holds ${JSON.stringify(id.slice(0, 80))}, not a gateway id (1 to 64 letters, digits, '.', '_' or '-'); delete it to make a new one`)
  }
  return id
}
