// What a reviewer sees of a held HTTP request: the request as it will be sent (query values, the headers a
// statement grant covers, the body), not its method and path alone; never the agent's token.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fetch } from 'undici'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway
let token: string

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'header', header: 'X-Api-Key', token_env: 'WEB_KEY' }, hosts: [] } },
  ], { env: { WEB_KEY: 'k3y-held-by-gateway-9' }, holdSeconds: 30 })
  token = await g.agentToken()
})
test.after(async () => g.close())

test('a held POST shows its reviewer the query values, the headers a grant covers and the body; the agent\'s token is not in it', async () => {
  const body = '{"amount": 1000000, "to": "acct-9"}\n'
  const sent = fetch(`${g.reverse.url}/t/web/payments?dry_run=false&currency=EUR`, { method: 'POST', body, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-idempotency-key': 'pay-77' } })
    .then((r) => r.text(), () => undefined)
  let held
  for (let t = 0; t < 400 && !held; t++) {
    held = (await g.te.approvals.list({ status: 'pending' }))[0]
    if (!held) await new Promise((r) => setTimeout(r, 25))
  }
  assert.ok(held, 'held')
  const text = held!.command.review_text
  assert.match(text, /^POST https:\/\/[^\s]+\/payments\?dry_run=false&currency=EUR\n/)
  assert.match(text, '\ncontent-type: application/json\n')
  assert.match(text, '\nx-idempotency-key: pay-77\n')
  assert.ok(text.endsWith(`\n\n${body}`), 'the body, whole, after a blank line')
  assert.not.match(text, token)
  assert.not.match(text, 'k3y-held-by-gateway-9')
  assert.not.match(held!.command.summary, 'acct-9', 'the summary (audit, webhook) stays without the values')
  await g.te.approvals.reject(held!.id, g.te.identity('alice', ['dba'], 'human'))
  await sent
})

test.run()
