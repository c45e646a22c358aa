// The approvals webhook against a real local receiver on 127.0.0.1: Slack-compatible JSON with approve / deny
// links, a signature the receiver can check, retries after 500s, and a queue that never makes the caller wait.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { alice, approveDecision, held } from '../../engine/approvals/fixtures.ts'
import { createMemoryApprovalStore } from '../../engine/approvals/memory.ts'
import type { ApprovalEvent } from '../../engine/approvals/store.ts'
import { approvalMessage, createApprovalsWebhook } from './approvals-webhook.ts'
import { startReceiver } from './testing/webhook-receiver.ts'
import { signWebhookBody } from './webhook-sender.ts'

const ADMIN = 'https://warden.example:9090'

/** A store whose events go to `hook`, and one held request with values in its review text. */
async function storeWith(notify: (e: ApprovalEvent) => void) {
  const store = createMemoryApprovalStore({ onEvent: notify })
  const request = await store.request(held({ summary: 'UPDATE users SET plan = $1', reviewText: "UPDATE users SET plan = 'secret-plan-9'" }))
  return { store, request }
}

test('new and resolved requests arrive signed, as Slack messages with approve / deny links; values never leave', async () => {
  const rx = await startReceiver((n) => (n === 1 ? 500 : 200))
  const errors: string[] = []
  const hook = createApprovalsWebhook({ url: rx.url, secret: 'hook-secret', adminUrl: () => ADMIN, backoffMs: { min: 10, max: 20 }, onError: (m) => errors.push(m) })
  const { store, request } = await storeWith(hook.notify)
  await store.approve(request.id, alice, 'fine')
  await hook.close()
  assert.equal(rx.got.map((g) => g.status), [500, 200, 200], 'the first delivery is retried after the 500')
  for (const g of rx.got) {
    const ts = g.headers['x-warden-timestamp'] as string
    assert.is(g.headers['x-warden-signature'], signWebhookBody('hook-secret', ts, g.body), 'the receiver can verify every attempt')
    assert.is.not(g.headers['x-warden-signature'], signWebhookBody('wrong', ts, g.body))
    assert.not.match(g.body, 'secret-plan-9')
  }
  const [requested, , resolved] = rx.got.map((g) => JSON.parse(g.body))
  assert.match(requested.text, `warden: ${request.id} held for approval: UPDATE users SET plan = $1 (cursor-bot (agent) on prod-db)`)
  const buttons = requested.blocks[1].elements.map((e: { action_id: string; url: string }) => [e.action_id, e.url])
  assert.equal(buttons, [
    ['approve', `${ADMIN}/v1/approvals/${request.id}/approve`],
    ['deny', `${ADMIN}/v1/approvals/${request.id}/deny`],
    ['show', `${ADMIN}/v1/approvals/${request.id}`],
  ])
  assert.equal([requested.warden.event, requested.warden.approval.id, requested.warden.approval.command.review_text], ['approval.requested', request.id, undefined])
  assert.match(resolved.text, `${request.id} approved by alice`)
  assert.equal([resolved.warden.event, resolved.warden.approval.status, resolved.blocks.length], ['approval.resolved', 'approved', 1])
  assert.equal(errors, [])
  await rx.close()
})

test('an agent-written statement cannot format the message: no links, mentions or end of the code block', async () => {
  const request = (await createMemoryApprovalStore().request(held({ summary: 'SELECT "```*APPROVED by security*<https://evil.example/ok|Approve here><!channel>" FROM t' })))
  const message = approvalMessage({ type: 'requested', request }, ADMIN) as { text: string; blocks: Array<{ text?: { text: string } }> }
  for (const shown of [message.text, message.blocks[0]!.text!.text]) {
    assert.not.match(shown, '<https://evil')
    assert.not.match(shown, '<!channel>')
    assert.match(shown, '&lt;https://evil.example/ok|Approve here&gt;&lt;!channel&gt;')
  }
  const block = message.blocks[0]!.text!.text
  assert.is(block.split('```').length, 3, 'one code block: opened and closed by warden alone')
  assert.match(block, '"`\u200b`\u200b`*APPROVED')
})

test('an agent-written statement or reason cannot reorder or hide what the message shows: bidi overrides and invisible characters are named', async () => {
  const odd = '\u202e\u2066\u200b\u00ad\u3164'
  const request = await createMemoryApprovalStore().request(held({
    summary: `DELETE FROM "sessions${odd}" WHERE user_name <> $1\n  AND id > $2`,
    decision: { ...approveDecision(), reasons: [{ rule: 'r', message: `writes to "sessions${odd}"\nApproved: yes` }] },
  }))
  const message = approvalMessage({ type: 'requested', request }, ADMIN) as { text: string; blocks: Array<{ text?: { text: string } }> }
  const block = message.blocks[0]!.text!.text
  for (const shown of [message.text, block]) assert.ok(![...odd].some((c) => shown.includes(c)), JSON.stringify(shown))
  assert.match(block, '*Why:* writes to "sessions\\u{202e}\\u{2066}\\u{200b}\\u{ad}\\u{3164}"\\nApproved: yes\n')
  assert.match(block, '```DELETE FROM "sessions\\u{202e}\\u{2066}\\u{200b}\\u{ad}\\u{3164}" WHERE user_name &lt;&gt; $1\n  AND id &gt; $2```', 'the statement keeps its lines in the code block')
  assert.is(message.text.split('\n').length, 1)
})

test('a full queue drops new messages with a logged error, and notify never waits for the receiver', async () => {
  // The receiver answers nothing until the requests are done: had notify waited for it, they would never finish.
  let answerAll = () => {}
  const answered = new Promise<void>((r) => (answerAll = r))
  const rx = await startReceiver(async () => {
    await answered
    return 200
  })
  const errors: string[] = []
  const hook = createApprovalsWebhook({ url: rx.url, secret: 's', adminUrl: () => ADMIN, maxQueue: 2, onError: (m) => errors.push(m) })
  const { store } = await storeWith(hook.notify)
  for (let i = 0; i < 5; i++) await store.request(held({ digest: `d${i}` }))
  assert.is(rx.got.length, 0, 'every request was made while the receiver had answered nothing')
  answerAll()
  await hook.close()
  assert.is(rx.got.length, 2, 'the queue held two; the rest were dropped')
  assert.is(errors.length, 4)
  assert.match(errors[0]!, /approvals webhook: queue full; requested apr_\w+ dropped/)
  await rx.close()
})

test('a receiver that keeps failing: attempts stop at max_attempts and the failure is logged', async () => {
  const rx = await startReceiver(() => 503)
  const errors: string[] = []
  const hook = createApprovalsWebhook({ url: rx.url, secret: 's', adminUrl: () => ADMIN, maxAttempts: 3, backoffMs: { min: 5, max: 5 }, onError: (m) => errors.push(m) })
  const { request } = await storeWith(hook.notify)
  await hook.close()
  assert.is(rx.got.length, 3)
  assert.equal(errors, [`approvals webhook: requested ${request.id} not delivered to ${new URL(rx.url).origin}: HTTP 503; check approvals.webhook`])
  await rx.close()
})

test('a receiver that redirects (307, 308, 302) sends nothing elsewhere: the message is not delivered, and the log says so', async () => {
  for (const status of [307, 308, 302]) {
    const elsewhere = await startReceiver(() => 200)
    const rx = await startReceiver(() => ({ status, headers: { location: elsewhere.url } }))
    const errors: string[] = []
    const hook = createApprovalsWebhook({ url: rx.url, secret: 'hook-secret', adminUrl: () => ADMIN, backoffMs: { min: 5, max: 10 }, maxAttempts: 3, onError: (m) => errors.push(m) })
    try {
      await storeWith(hook.notify)
      await hook.close()
      assert.is(elsewhere.got.length, 0, `${status}: the redirect was not followed`)
      assert.is(rx.got.length, 1, `${status}: a redirect is not retried`)
      assert.match(errors[0] ?? '', `not delivered to http://127.0.0.1:`)
      assert.match(errors[0] ?? '', `HTTP ${status} (a redirect, not followed: set the receiver's final URL)`)
    } finally {
      await Promise.all([rx.close(), elsewhere.close()])
    }
  }
})

test.run()
