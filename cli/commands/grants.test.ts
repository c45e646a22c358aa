import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { agent, alice, approveDecision, heldInput } from '../../engine/approvals/fixtures.ts'
import { startAdminFixture } from '../testing/admin-fixture.ts'
import { formatGrants, runGrants } from './grants.ts'

const fx = await startAdminFixture('grants')
const requester = { ...agent, issuer: 'warden-dev' }
const as = (who: string, group: string) => ['--config', fx.configFile, '--as', who, '--group', group]
const run = (args: string[]) => fx.run(runGrants, args)
const holder = { session: 'sess-9', identity: requester, target: 'prod-db' }

test.after(() => fx.close())

test('list shows what each grant covers and for how long; revoke ends it at once', async () => {
  const r = await fx.approvals.request({ input: { ...heldInput(), identity: requester }, decision: approveDecision('target', 3600), summary: 'UPDATE t SET x = $1' })
  const { grant } = await fx.approvals.approve(r.id, { ...alice, issuer: 'warden-dev' })
  assert.is(fx.approvals.grantsFor(holder).length, 1, 'a target grant covers another session of the requester')
  const listed = await run(['list', ...as('alice', 'dba')])
  assert.is(listed.code, 0, listed.err)
  assert.match(listed.out, /^ID\s+SCOPE\s+STATE\s+APPROVAL\s+APPROVED BY\s+COVERS/)
  assert.match(listed.out, new RegExp(`${grant!.id}\\s+target\\s+(59m|1h) left\\s+${r.id}\\s+alice\\s+everything cursor-bot on prod-db would be held for`))
  const revoked = await run(['revoke', grant!.id, '--note', 'incident closed', ...as('alice', 'dba')])
  assert.is(revoked.code, 0, revoked.err)
  assert.match(revoked.out, `${grant!.id} revoked by alice at `)
  assert.equal(fx.approvals.grantsFor(holder), [])
  assert.is((await run(['list', ...as('alice', 'dba')])).out, 'no grants in force\n')
  const all = JSON.parse((await run(['list', '--all', '--json', ...as('alice', 'dba')])).out)
  assert.equal(all.map((g: { id: string; revoke_note: string }) => [g.id, g.revoke_note]), [[grant!.id, 'incident closed']])
  const again = await run(['revoke', grant!.id, ...as('alice', 'dba')])
  assert.is(again.code, 1)
  assert.match(again.err, 'HTTP 409 grant.revoked')
})

test('someone who may not see a grant cannot revoke it; usage errors are exit 2', async () => {
  const r = await fx.approvals.request({ input: { ...heldInput({ digest: 'd5' }), identity: requester }, decision: approveDecision(), summary: 's' })
  const { grant } = await fx.approvals.approve(r.id, { ...alice, issuer: 'warden-dev' })
  const refused = await run(['revoke', grant!.id, ...as('bob', 'dev')])
  assert.is(refused.code, 1)
  assert.match(refused.err, 'HTTP 404 grant.not_found')
  assert.is(fx.approvals.grantsFor(holder).length, 1)
  for (const args of [[], ['list', 'x'], ['revoke'], ['drop', 'x']]) assert.is((await run(args)).code, 2, args.join(' '))
})

test('formatGrants says expired and revoked plainly', () => {
  const base = { id: 'grt_a', scope: 'statement' as const, digest: 'abcdef0123456789', approved_by: 'alice', expires_at_ns: 1_000 * 1e6, approval_id: 'apr_a', subject: { issuer: 'i', sub: 'bot' }, target: 'db', session_id: 's', created_at: '' }
  const out = formatGrants([base, { ...base, id: 'grt_b', revoked_at: 'x', revoked_by: 'carol' }], 2_000)
  assert.match(out, /grt_a\s+statement\s+expired\s+apr_a\s+alice\s+one statement \(abcdef012345…\) by bot on db/)
  assert.match(out, /grt_b\s+statement\s+revoked by carol/)
  const odd = formatGrants([{ ...base, approved_by: 'alice\u001b[2K', revoked_by: 'carol\r\n', revoked_at: 'x', subject: { issuer: 'i', sub: 'bot\n\tx' } }], 2_000)
  assert.not.match(odd, /[\u0000-\u0009\u000b-\u001f]/, 'names from stored grants are shown escaped, one row a grant')
  assert.is(odd.trimEnd().split('\n').length, 2)
})

test.run()
