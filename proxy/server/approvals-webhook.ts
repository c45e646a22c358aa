// Tells a webhook (Slack incoming webhooks, or anything that reads the same JSON) about every new request and
// every resolved one: a Slack message with approve / deny links to the admin API, plus the request under
// `warden` for machines. Only the redacted summary is sent, never the review text with its values. Delivery is
// proxy/server/webhook-sender.ts: HMAC-signed, retried with backoff, a bounded queue, never waited for.
import type { ApprovalEvent } from '../../engine/approvals/store.ts'
import type { ApprovalRequest } from '../../engine/approvals/types.ts'
import { oneLine, visible } from '../../engine/printable.ts'
import { createWebhookSender } from './webhook-sender.ts'

export interface ApprovalsWebhookOptions {
  url: string
  secret: string
  /** The admin API as reviewers reach it, e.g. http://warden.internal:9090 (read when a message is built). */
  adminUrl(): string
  maxAttempts?: number
  maxQueue?: number
  backoffMs?: { min: number; max: number }
  timeoutMs?: number
  /** A message that was not delivered or was dropped; the gateway logs it. */
  onError(message: string): void
}

export interface ApprovalsWebhook {
  notify(event: ApprovalEvent): void
  close(): Promise<void>
  readonly delivered: number
}

/** What the webhook receives: the request as the approvals list shows it, without the review text. */
function publicRequest(r: ApprovalRequest) {
  const { review_text: _values, ...command } = r.command
  return { ...r, command }
}

// Slack mrkdwn treats &, < and > as markup: `<https://x|Approve>` is a link and `<!channel>` a mention.
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
// Inside a ``` block only another ``` is markup: it would end the block and let the rest of the (agent-written)
// statement format itself as the message. A zero-width space between the backticks keeps them text.
const inCode = (text: string) => escape(text).replace(/`(?=`)/g, '`\u200b')

export function approvalMessage(event: ApprovalEvent, adminUrl: string): Record<string, unknown> {
  const r = event.request
  const base = adminUrl.replace(/\/+$/, '')
  const link = (action?: 'approve' | 'deny') => `${base}/v1/approvals/${encodeURIComponent(r.id)}${action ? `/${action}` : ''}`
  const who = `${r.requester.sub} (${r.requester.kind}) on ${r.target}`
  const why = r.reasons.map((x) => x.message).join('; ') || 'no reason given'
  const outcome = r.status === 'pending' ? 'held for approval' : `${r.status}${r.decided_by ? ` by ${r.decided_by}` : ''}`
  // The notification text is mrkdwn too: escaped like the blocks. Slack draws bidi overrides and hides zero-width
  // characters as any screen does: what others wrote is shown with those named (printable.ts), its lines kept
  // only inside the code block.
  const text = escape(oneLine(`warden: ${r.id} ${outcome}: ${r.command.summary} (${who})`))
  const blocks: unknown[] = [{
    type: 'section',
    text: { type: 'mrkdwn', text: `*${escape(r.id)}* ${escape(oneLine(outcome))}\n*Requester:* ${escape(oneLine(who))}\n*Why:* ${escape(oneLine(why))}\n\`\`\`${inCode(visible(r.command.summary))}\`\`\`` },
  }]
  if (event.type === 'requested') {
    blocks.push({
      type: 'actions',
      elements: [
        { type: 'button', action_id: 'approve', style: 'primary', text: { type: 'plain_text', text: 'Approve' }, url: link('approve') },
        { type: 'button', action_id: 'deny', style: 'danger', text: { type: 'plain_text', text: 'Deny' }, url: link('deny') },
        { type: 'button', action_id: 'show', text: { type: 'plain_text', text: 'Show' }, url: link() },
      ],
    })
  }
  return {
    text,
    blocks,
    warden: { event: `approval.${event.type}`, approval: publicRequest(r), links: { show: link(), approve: link('approve'), deny: link('deny') } },
  }
}

export function createApprovalsWebhook(opts: ApprovalsWebhookOptions): ApprovalsWebhook {
  const origin = new URL(opts.url).origin
  const sender = createWebhookSender<ApprovalEvent>({
    url: opts.url,
    secret: opts.secret,
    maxAttempts: opts.maxAttempts,
    maxQueue: opts.maxQueue,
    backoffMs: opts.backoffMs,
    timeoutMs: opts.timeoutMs,
    body: (e) => JSON.stringify(approvalMessage(e, opts.adminUrl())),
    onFailed: (e, last) => opts.onError(`approvals webhook: ${e.type} ${e.request.id} not delivered to ${origin}: ${last}; check approvals.webhook`),
    onDropped: (e) => opts.onError(`approvals webhook: queue full; ${e.type} ${e.request.id} dropped (raise approvals.webhook.queue_size, or check the receiver)`),
    onUnsent: (n) => opts.onError(`approvals webhook: ${n} message(s) not delivered at shutdown`),
  })
  return { notify: (e) => sender.send(e), close: () => sender.close(), get delivered() { return sender.delivered } }
}
