// The development issuer's key pair, kept in <state_dir>/dev-issuer/key.json (0600, directory 0700) and
// created on first use, so `warden token` and `warden up` agree on it across runs.
import { randomBytes } from 'node:crypto'
import { chmod, link, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { JWK } from 'jose'
import { type DevKeyPair, generateDevKey } from '../../engine/identity/dev-issuer.ts'
import { CodedError } from '../../engine/errors.ts'
import { assertOwnStateDir } from './state.ts'

export class DevKeyError extends CodedError<'config.dev_key'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('config.dev_key', message, options)
  }
}

export function devKeyPath(stateDir: string): string {
  return join(stateDir, 'dev-issuer', 'key.json')
}

const isEcJwk = (v: unknown, priv: boolean): v is JWK => {
  const k = v as Record<string, unknown> | null
  return !!k && typeof k === 'object' && k.kty === 'EC' && k.crv === 'P-256' && typeof k.x === 'string' && typeof k.y === 'string'
    && typeof k.kid === 'string' && (priv ? typeof k.d === 'string' : k.d === undefined)
}

function parseKeyFile(text: string, file: string): DevKeyPair {
  const fix = `delete ${file} to have a new key created (tokens signed with the old key stop working)`
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new DevKeyError(`dev issuer key ${file} is not valid JSON; ${fix}`, { cause: err })
  }
  const pair = value as Partial<DevKeyPair> | null
  if (!pair || !isEcJwk(pair.privateJwk, true) || !isEcJwk(pair.publicJwk, false) || pair.privateJwk.kid !== pair.publicJwk.kid
    || pair.privateJwk.x !== pair.publicJwk.x || pair.privateJwk.y !== pair.publicJwk.y) {
    throw new DevKeyError(`dev issuer key ${file} is not an ES256 key pair ({ privateJwk, publicJwk } with matching kid); ${fix}`)
  }
  return { privateJwk: pair.privateJwk, publicJwk: pair.publicJwk }
}

async function readKey(file: string): Promise<DevKeyPair | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new DevKeyError(`read dev issuer key ${file}: ${(err as Error).message}`, { cause: err })
  }
  return parseKeyFile(text, file)
}

export async function loadOrCreateDevKey(stateDir: string): Promise<DevKeyPair> {
  // A key in a directory another user owns may be theirs: `warden token` would sign with it, the gateway trust it.
  assertOwnStateDir(stateDir)
  const file = devKeyPath(stateDir)
  const existing = await readKey(file)
  if (existing) return existing
  const dir = join(stateDir, 'dev-issuer')
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    await chmod(dir, 0o700)
  } catch (err) {
    throw new DevKeyError(`create ${dir}: ${(err as Error).message}; check the state directory (--state-dir, $WARDEN_STATE_DIR or state_dir of the config)`, { cause: err })
  }
  const pair = await generateDevKey()
  // Write beside the target, then hard-link into place: link fails if another process won the race, and
  // then everyone uses the key that process wrote.
  const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.partial`
  try {
    await writeFile(partial, `${JSON.stringify(pair, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
    await chmod(partial, 0o600)
    await link(partial, file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new DevKeyError(`write dev issuer key ${file}: ${(err as Error).message}`, { cause: err })
    const winner = await readKey(file)
    if (winner) return winner
  } finally {
    await rm(partial, { force: true })
  }
  return pair
}
