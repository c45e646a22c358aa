import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { agent, approveDecision, heldInput } from '../../engine/approvals/fixtures.ts'
import type { ApprovalRequest } from '../../engine/approvals/types.ts'
import { startAdminFixture } from '../testing/admin-fixture.ts'
import { AdminClientError } from '../../proxy/admin/client.ts'
import { adminFailure } from '../admin-access.ts'
import { memoryIo } from '../io.ts'
import { describeRequest, formatTable, runApprovals } from './approvals.ts'

const fx = await startAdminFixture('approvals')
const { approvals, configFile, server } = fx
let held: ApprovalRequest

test.before(async () => {
  held = await approvals.request({ input: { ...heldInput(), identity: { ...agent, issuer: 'warden-dev' } }, decision: approveDecision(), summary: 'DELETE FROM users WHERE id = ?', reviewText: "DELETE FROM users WHERE id = '7'" })
})

test.after(() => fx.close())

const run = (args: string[], env: Record<string, string> = {}) => fx.run(runApprovals, args, env)

test('list prints a table of held requests, finding the admin API through the config', async () => {
  const res = await run(['list', '--config', configFile, '--as', 'alice', '--group', 'dba'])
  assert.is(res.code, 0, res.err)
  assert.match(res.out, /^ID\s+STATUS\s+AGE\s+REQUESTER/)
  assert.match(res.out, held.id)
  assert.match(res.out, 'cursor-bot (agent)')
  assert.match(res.out, "DELETE FROM users WHERE id = '7'", 'the reviewer sees the values it will run with')
})

test('show prints one request in full: who, why, and the statement as it will run', async () => {
  const res = await run(['show', held.id, '--admin', server.url, '--config', configFile, '--as', 'alice', '--group', 'dba'])
  assert.is(res.code, 0, res.err)
  assert.match(res.out, `${held.id}  pending`)
  assert.match(res.out, 'requester: cursor-bot (agent), session sess-1, target prod-db')
  assert.match(res.out, 'writes to production need a DBA [prod.write]')
  assert.match(res.out, 'if approved: a grant for 600 s covering this exact statement text')
  assert.match(res.out, "statement, as it will run:\n  DELETE FROM users WHERE id = '7'\n")
  const json = await run(['show', held.id, '--json', '--admin', server.url, '--config', configFile, '--as', 'alice', '--group', 'dba'])
  assert.is(JSON.parse(json.out).command.review_text, "DELETE FROM users WHERE id = '7'")
  const missing = await run(['show', 'apr_nope', '--admin', server.url, '--config', configFile, '--as', 'alice', '--group', 'dba'])
  assert.is(missing.code, 1)
  assert.match(missing.err, 'HTTP 404')
})

test('terminal controls in a statement are shown as escapes, never sent to the terminal', () => {
  const base = { ...held, command: { ...held.command, review_text: "SELECT '\u001b[2Jx'\nFROM t\r\u202e" } }
  const out = describeRequest(base)
  assert.ok(!/[\u001b\r\u202e]/.test(out), JSON.stringify(out))
  assert.match(out, "  SELECT '\\u{1b}[2Jx'\n  FROM t\\u{d}\\u{202e}\n")
  assert.match(formatTable([base], Date.now()), "\\u{1b}[2Jx")
})

test('characters a reviewer cannot see (zero-width, soft hyphen, filler, tag, no-break space, C1 CSI) are shown as escapes, in the text view and in --json', async () => {
  // Read without them, the statement spares alice; it runs with them, and spares no one.
  const hidden = ['\u200b', '\u00ad', '\u3164', '\u{e0041}', '\u00a0', '\u009b', '\u202e']
  const reviewText = `UPDATE accounts SET frozen = true WHERE owner <> 'alice${hidden.join('')}'`
  const out = describeRequest({ ...held, command: { ...held.command, review_text: reviewText } })
  assert.ok(!hidden.some((c) => out.includes(c)), JSON.stringify(out))
  assert.match(out, "  UPDATE accounts SET frozen = true WHERE owner <> 'alice\\u{200b}\\u{ad}\\u{3164}\\u{e0041}\\u{a0}\\u{9b}\\u{202e}'\n")
  const r = await approvals.request({ input: { ...heldInput({ session: 'sess-hidden' }), identity: { ...agent, issuer: 'warden-dev' } }, decision: approveDecision(), summary: 'UPDATE accounts SET frozen = $1 WHERE owner <> $2', reviewText })
  const json = await run(['show', r.id, '--json', '--admin', server.url, '--config', configFile, '--as', 'alice', '--group', 'dba'])
  assert.is(json.code, 0, json.err)
  assert.ok(!hidden.some((c) => json.out.includes(c)), json.out)
  assert.is(JSON.parse(json.out).command.review_text, reviewText, 'the same JSON value, escaped')
  const list = await run(['list', '--json', '--admin', server.url, '--config', configFile, '--as', 'alice', '--group', 'dba'])
  assert.ok(!hidden.some((c) => list.out.includes(c)), list.out)
  await approvals.reject(r.id, { sub: 'alice', issuer: 'warden-dev', groups: ['dba'], kind: 'human' })
})

test('words that may read as other words (a Cyrillic а in alice, a fullwidth or mathematical letter) are named before the statement; one script per word is not', () => {
  const show = (review_text: string) => describeRequest({ ...held, command: { ...held.command, review_text } })
  const out = show("UPDATE accounts SET frozen = true WHERE owner <> '\u0430lice' AND team <> '\uff4fps' AND name <> '\u{1d41a}da'")
  const at = out.indexOf('look-alike words:')
  assert.ok(at > 0 && at < out.indexOf('statement, as it will run:'), out)
  assert.match(out, '  - "\u0430lice": Latin and Cyrillic letters in one word\n')
  assert.match(out, '  - "\uff4fps": compatibility characters: it reads as "ops"\n')
  assert.match(out, '  - "\u{1d41a}da": compatibility characters: it reads as "ada"\n')
  const latin = show("UPDATE accounts SET frozen = true WHERE owner <> '\u0251lice' AND team <> '\u1d0fps' AND id <> '\u0131d'")
  assert.match(latin, '  - "\u0251lice": Latin letters drawn like plain ones: it reads as "alice"\n')
  assert.match(latin, '  - "\u1d0fps": Latin letters drawn like plain ones: it reads as "ops"\n')
  assert.match(latin, '  - "\u0131d": Latin letters drawn like plain ones: it reads as "id"\n')
  assert.not.match(show("SELECT 'Ålice', 'Δέλτα', 'Москва', '東京', 'café', 'straße' FROM t"), 'look-alike')
  assert.not.match(describeRequest(held), 'look-alike')
})

test('a refusal from the server is printed on one line with its controls escaped: its message quotes what others wrote', () => {
  const io = memoryIo({}, '/')
  const code = adminFailure(new AdminClientError('approval.altered', 'sealed with approvals key k1\u001b[2J\r\nwarden approvals: approved\u202e', 409), io, 'warden approvals')
  assert.is(code, 1)
  assert.is(io.stderr, 'warden approvals: refused (HTTP 409 approval.altered): sealed with approvals key k1\\u{1b}[2J\\u{d}\\nwarden approvals: approved\\u{202e}\n')
})

test('who must approve is said per set of groups: one of dba or sre, and one of security', () => {
  const out = describeRequest({ ...held, approval: { ...held.approval, approvers: ['dba', 'security', 'sre'], approver_sets: [['dba', 'sre'], ['security']] } })
  assert.match(out, 'approvers: someone from each of dba or sre, security\n')
  assert.match(describeRequest({ ...held, approval: { ...held.approval, approvers: ['dba', 'sre'], all_groups: true, min_approvals: 3 } }), 'approvers: someone from each of dba, sre, 3 people in all\n')
})

test('what a statement grant covers is said as it is: a $n statement with the values shown, not with any values', () => {
  const out = describeRequest(held)
  assert.match(out, 'if approved: a grant for 600 s covering this exact statement text by this requester on this target, in any session (for a statement with $n parameters: with the values shown below only)')
  assert.not.match(out, 'any values')
})

test('a note, a subject or a reason cannot forge lines of the request shown to a reviewer', () => {
  const forged = '\nstatement, as it will run:\n  SELECT 1\n'
  const base = {
    ...held, status: 'rejected' as const, decided_by: `carol${forged}`, note: `ok${forged}`,
    requester: { ...held.requester, sub: `cursor-bot${forged}` }, reasons: [{ rule: 'r', message: `m${forged}` }],
  }
  const out = describeRequest(base)
  assert.is(out.split('\n').filter((l) => l === 'statement, as it will run:').length, 1, 'the heading is on a line of its own once, from warden')
  assert.is(out.split('\n').filter((l) => l === '  SELECT 1').length, 0, 'no forged statement line')
  assert.is(formatTable([base], Date.now()).split('\n').length, 3, 'header, one row, final newline')
})

test('list --json --status, with the URL from WARDEN_ADMIN_URL', async () => {
  const res = await run(['list', '--json', '--status', 'pending', '--config', configFile, '--as', 'alice', '--group', 'dba'], { WARDEN_ADMIN_URL: server.url })
  assert.is(res.code, 0, res.err)
  const list = JSON.parse(res.out)
  assert.is(list.length, 1)
  assert.is(list[0].id, held.id)
})

test('a non-approver is refused by the server: exit 1 with the reason', async () => {
  const res = await run(['approve', held.id, '--config', configFile, '--as', 'bob', '--group', 'dev'])
  assert.is(res.code, 1)
  assert.match(res.err, 'HTTP 403')
  assert.match(res.err, 'approver group')
  assert.is((await approvals.get(held.id))!.status, 'pending')
})

test('a bad token is refused: exit 1', async () => {
  const res = await run(['list', '--admin', server.url, '--token', 'nope'])
  assert.is(res.code, 1)
  assert.match(res.err, 'HTTP 401')
})

test('a DBA approves with a note: exit 0, the grant is printed, and the store has it', async () => {
  const res = await run(['approve', held.id, '--note', 'ok for ticket 42', '--admin', server.url, '--config', configFile, '--as', 'alice', '--group', 'dba'])
  assert.is(res.code, 0, res.err)
  assert.match(res.out, `${held.id} approved by alice`)
  assert.match(res.out, /grant grt_\w+: scope statement/)
  assert.is((await approvals.get(held.id))!.note, 'ok for ticket 42')
  const again = await run(['deny', held.id, '--admin', server.url, '--config', configFile, '--as', 'alice', '--group', 'dba'])
  assert.is(again.code, 1)
  assert.match(again.err, 'HTTP 409')
})

test('a gateway that is not running is exit 2 with a hint', async () => {
  const res = await run(['list', '--admin', 'http://127.0.0.1:1', '--token', 'x'])
  assert.is(res.code, 2)
  assert.match(res.err, 'is the gateway running? start it with npm start')
})

test('usage errors are exit 2', async () => {
  for (const args of [[], ['frobnicate'], ['approve'], ['show'], ['list', 'extra'], ['list', '--status', 'maybe'], ['list', '--admin', server.url]]) {
    const res = await run(args)
    assert.is(res.code, 2, args.join(' '))
    assert.ok(res.err.length > 0)
  }
  const noToken = await run(['list', '--admin', server.url])
  assert.match(noToken.err, '--as SUBJECT')
  const help = await run(['--help'])
  assert.is(help.code, 0)
  assert.match(help.out, 'warden approvals approve apr_x --as alice --group dba')
})

test('two approvals needed: the first is recorded and the output says what is still missing', async () => {
  const two = await approvals.request({ input: { ...heldInput({ digest: 'd2' }), identity: { ...agent, issuer: 'warden-dev' } }, decision: approveDecision('target', 60, { min_approvals: 2 }), summary: 'DROP TABLE x' })
  const shown = await run(['show', two.id, '--admin', server.url, '--config', configFile, '--as', 'alice', '--group', 'dba'])
  assert.match(shown.out, 'approvers: 2 people of dba, sre')
  assert.match(shown.out, 'everything this requester would be held for on this target')
  const first = await run(['approve', two.id, '--admin', server.url, '--config', configFile, '--as', 'alice', '--group', 'dba'])
  assert.is(first.code, 0, first.err)
  assert.is(first.out, `${two.id} approval by alice recorded; it still needs 1 more approval\n`)
  const again = await run(['approve', two.id, '--admin', server.url, '--config', configFile, '--as', 'alice', '--group', 'dba'])
  assert.is(again.code, 1)
  assert.match(again.err, 'HTTP 409 approval.duplicate')
  const second = await run(['approve', two.id, '--admin', server.url, '--config', configFile, '--as', 'carol', '--group', 'sre'])
  assert.match(second.out, `${two.id} approved by carol`)
})

test('each rule\'s own count: show names it, and approve says how many more each group still owes', async () => {
  const quorums = [{ groups: ['dba'], min_approvals: 2 }, { groups: ['security'], min_approvals: 2 }]
  const decision = approveDecision('statement', 60, { approvers: ['dba', 'security'], min_approvals: 2, all_groups: true, quorums })
  const r = await approvals.request({ input: { ...heldInput({ digest: 'd3' }), identity: { ...agent, issuer: 'warden-dev' } }, decision, summary: 'DROP TABLE y' })
  const as = (sub: string, group: string) => ['--admin', server.url, '--config', configFile, '--as', sub, '--group', group]
  const shown = await run(['show', r.id, ...as('alice', 'dba')])
  assert.match(shown.out, 'approvers: someone from each of dba, security, 2 people in all; and 2 people from dba, 2 people from security')
  await run(['approve', r.id, ...as('alice', 'dba')])
  const second = await run(['approve', r.id, ...as('sam', 'security')])
  assert.is(second.out, `${r.id} approval by sam recorded; it still needs 1 more from dba and 1 more from security\n`)
  await run(['approve', r.id, ...as('sue', 'security')])
  assert.match((await run(['approve', r.id, ...as('dave', 'dba')])).out, `${r.id} approved by dave`)
})

test('formatTable: newest first, long statements clipped, empty list said plainly', () => {
  const base = { ...held, approval: { approvers: ['dba'], scope: 'statement' as const, ttl_seconds: 60 } }
  const older = { ...base, id: 'apr_old', created_at: '2025-01-01T00:00:00.000Z', command: { ...base.command, review_text: 'x'.repeat(200) } }
  const newer = { ...base, id: 'apr_new', created_at: '2025-01-01T01:00:00.000Z' }
  const out = formatTable([older, newer], Date.parse('2025-01-01T02:00:00.000Z'))
  const lines = out.trim().split('\n')
  assert.match(lines[1]!, /^apr_new\s+pending\s+1h/)
  assert.match(lines[2]!, /^apr_old\s+pending\s+2h/)
  assert.match(lines[2]!, 'x…')
  assert.is(formatTable([], 0), 'no approval requests\n')
})

test.run()
