// A state directory another local user made (a predictable path such as /tmp/warden) is theirs to rewrite: its
// owner can rename and replace any entry in it, whatever the gateway's files' modes. Planting a development
// issuer key there before the gateway starts lets them mint any identity the gateway then trusts. `warden up`
// refuses a state directory it does not own, with the fix in the message.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateDevKey, signDevToken } from '../engine/identity/dev-issuer.ts'
import { freePort } from '../proxy/postgres/testing/cluster.ts'
import { startGatewayProcess, warden } from './testing/gateway-process.ts'

const root = mkdtempSync(join(tmpdir(), 'warden-state-owner-'))
chmodSync(root, 0o755)
const NOBODY = 65534
const asRoot = process.getuid?.() === 0

async function configFile(stateDir: string): Promise<{ file: string; adminPort: number }> {
  const adminPort = await freePort()
  const file = join(root, `warden-${adminPort}.yaml`)
  writeFileSync(file, `state_dir: ${stateDir}
listeners:
  postgres: { port: ${await freePort()} }
  admin: { port: ${adminPort} }
identity:
  providers:
    - { name: dev, issuer: warden-dev, audience: warden, dev: true, agent_groups: [agents] }
targets:
  - { name: app, kind: postgres, environment: staging, upstream: { host: 127.0.0.1, port: 1, database: app, user: warden } }
`)
  return { file, adminPort }
}

/** What the other user does before the gateway first starts: a world-writable directory holding their dev key. */
async function plant(dir: string): Promise<string> {
  mkdirSync(join(dir, 'dev-issuer'), { recursive: true })
  const pair = await generateDevKey()
  writeFileSync(join(dir, 'dev-issuer', 'key.json'), JSON.stringify(pair))
  for (const p of [dir, join(dir, 'dev-issuer'), join(dir, 'dev-issuer', 'key.json')]) chownSync(p, NOBODY, NOBODY)
  chmodSync(dir, 0o777)
  return signDevToken(pair.privateJwk, { issuer: 'warden-dev', audience: 'warden', sub: 'mallory', groups: ['dba'], ttlSeconds: 600, groupsClaim: 'groups' })
}

test('a state directory planted by another user (with their dev key in it) is refused before anything starts', async () => {
  if (!asRoot) return // only root can make a directory owned by another user; as anyone else chmod already fails
  const state = join(root, 'planted')
  const forged = await plant(state)
  const { file, adminPort } = await configFile(state)
  let gateway
  try {
    gateway = await startGatewayProcess(file, { cwd: root })
  } catch (err) {
    const out = (err as Error).message
    assert.match(out, `state directory ${state} is owned by uid ${NOBODY}`)
    assert.match(out, 'not by this user (uid 0)')
    assert.match(out, 'point --state-dir')
    const res = await fetch(`http://127.0.0.1:${adminPort}/v1/approvals`, { headers: { authorization: `Bearer ${forged}` } }).catch(() => undefined)
    assert.is(res, undefined, 'the admin API is listening')
    return
  }
  const res = await fetch(`http://127.0.0.1:${adminPort}/v1/approvals`, { headers: { authorization: `Bearer ${forged}` } })
  await gateway.stop()
  assert.unreachable(`the gateway started in another user's directory; the planted key's token got ${res.status} from the admin API`)
})

test('a state directory reached through a symlink another user owns is refused: they can point it elsewhere at any time', async () => {
  if (!asRoot) return
  const real = join(root, 'mine')
  mkdirSync(real, { mode: 0o700 })
  const link = join(root, 'link')
  symlinkSync(real, link)
  // lchown: the link itself belongs to the other user, as one they made in /tmp would.
  const { lchownSync } = await import('node:fs')
  lchownSync(link, NOBODY, NOBODY)
  const r = await warden(['token', '--as', 'cursor', '--group', 'agents', '--state-dir', link], { cwd: root })
  assert.is(r.code, 2, r.err)
  assert.match(r.err, `state directory ${link} is a symbolic link owned by uid ${NOBODY}`)
})

test('warden token refuses to write or read the dev key in a directory another user owns', async () => {
  if (!asRoot) return
  const state = join(root, 'planted-token')
  await plant(state)
  const r = await warden(['token', '--as', 'cursor', '--group', 'agents', '--state-dir', state], { cwd: root })
  assert.is(r.code, 2, r.out)
  assert.match(r.err, `state directory ${state} is owned by uid ${NOBODY}`)
})

test('warden ca refuses to print (or make) a CA in a directory another user owns: trusting theirs would let them intercept', async () => {
  if (!asRoot) return
  const state = join(root, 'planted-ca')
  await plant(state)
  const r = await warden(['ca', '--path', '--state-dir', state], { cwd: root })
  assert.is(r.code, 2, r.out)
  assert.is(r.out, '')
  assert.match(r.err, `state directory ${state} is owned by uid ${NOBODY}`)
})

test.after(() => rmSync(root, { recursive: true, force: true }))
test.run()
