// The approval store the gateway opens from its config: SQLite in the state directory by default (requests and
// grants survive a restart, the review text encrypted under the state directory's key), memory on request, and
// the webhook wired to the store's events. A missing secret fails the start with what to fix.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { alice, held, holder } from '../../engine/approvals/fixtures.ts'
import { defaultConfig } from '../../engine/config/defaults.ts'
import type { Config } from '../../engine/config/types.ts'
import { approvalsSqlitePathOf, openApprovals } from './approvals.ts'
import { ensureStateDir } from './state.ts'
import { startReceiver } from './testing/webhook-receiver.ts'
import { signWebhookBody } from './webhook-sender.ts'

const root = mkdtempSync(join(tmpdir(), 'warden-approvals-open-'))
let n = 0

function config(approvals: Partial<Config['approvals']> = {}): Config {
  const c = defaultConfig()
  c.state_dir = join(root, `state-${++n}`)
  ensureStateDir(c.state_dir)
  c.approvals = { ...c.approvals, ...approvals }
  return c
}

test.after(() => rmSync(root, { recursive: true, force: true }))

test('by default: one SQLite file in the state directory; pending requests and grants are there after a reopen', async () => {
  const c = config()
  const first = await openApprovals(c, { env: {} })
  assert.is(first.description, `sqlite ${join(c.state_dir, 'approvals.db')}`)
  const pending = await first.store.request(held({ reviewText: "UPDATE users SET card = '4242-secret'" }))
  const granted = await first.store.approve((await first.store.request(held({ digest: 'd2' }))).id, alice)
  await first.close()
  assert.is(statSync(approvalsSqlitePathOf(c)).mode & 0o777, 0o600)
  assert.is(statSync(join(c.state_dir, 'approvals.key')).mode & 0o777, 0o600)
  const db = new Database(approvalsSqlitePathOf(c), { readonly: true })
  const stored = JSON.stringify(db.prepare('SELECT body FROM warden_approval_requests').all())
  db.close()
  assert.not.match(stored, '4242-secret')
  const again = await openApprovals(c, { env: {} })
  assert.equal((await again.store.list({ status: 'pending' })).map((r) => [r.id, r.command.review_text]), [[pending.id, "UPDATE users SET card = '4242-secret'"]])
  assert.equal(again.store.grantsFor(holder('after-restart')).map((g) => g.id), [granted.grant!.id])
  await again.close()
})

test('memory when asked; a postgres store whose password variable is unset fails with the field to fix', async () => {
  const memory = await openApprovals(config({ store: 'memory' }), { env: {} })
  assert.match(memory.description, 'memory (pending requests and grants end with the process)')
  await memory.close()
  const c = config({ store: 'postgres', postgres: { host: '127.0.0.1', port: 1, database: 'x', user: 'u', password_env: 'NOPE_PW', ssl: false, max_connections: 1 } })
  const err = await openApprovals(c, { env: {} }).then(() => undefined, (e: Error & { code?: string }) => e)
  assert.is(err?.code, 'approval.store_open')
  assert.match(err!.message, 'approvals.postgres.password_env names NOPE_PW, which is not set')
  const empty = await openApprovals(c, { env: { NOPE_PW: '' } }).then(() => undefined, (e: Error & { code?: string }) => e)
  assert.match(empty!.message, 'approvals.postgres.password_env names NOPE_PW, which is set but empty')
})

test('the webhook gets every new and resolved request, signed with the secret from the environment or a file', async () => {
  const rx = await startReceiver(() => 200)
  const secretFile = join(root, 'hook-secret')
  writeFileSync(secretFile, 'from-a-file\n', { mode: 0o600 })
  for (const [ref, env, secret] of [[{ secret_env: 'HOOK' }, { HOOK: 'from-env' }, 'from-env'], [{ secret_file: secretFile }, {}, 'from-a-file']] as const) {
    const before = rx.got.length
    const opened = await openApprovals(config({ store: 'memory', webhook: { url: rx.url, ...ref, max_attempts: 2, queue_size: 10 } }), { env, adminUrl: () => 'http://127.0.0.1:9999' })
    assert.match(opened.description, `webhook ${new URL(rx.url).origin}`)
    const r = await opened.store.request(held())
    await opened.store.reject(r.id, alice, 'no')
    await opened.close()
    const got = rx.got.slice(before)
    assert.equal(got.map((g) => JSON.parse(g.body).warden.event), ['approval.requested', 'approval.resolved'])
    for (const g of got) assert.is(g.headers['x-warden-signature'], signWebhookBody(secret, g.headers['x-warden-timestamp'] as string, g.body))
    assert.match(JSON.parse(got[0]!.body).warden.links.approve, `http://127.0.0.1:9999/v1/approvals/${r.id}/approve`)
  }
  const missing = await openApprovals(config({ webhook: { url: rx.url, secret_env: 'UNSET_HOOK', max_attempts: 1, queue_size: 1 } }), { env: {} }).then(() => undefined, (e: Error) => e)
  assert.match(missing!.message, 'approvals.webhook.secret_env names UNSET_HOOK, which is not set')
  await rx.close()
})

test.run()
