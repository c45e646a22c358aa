// Vendor API tokens stored in ordinary columns (an integrations table, a jsonb settings document) reach the agent
// masked by the api_token detector, through a real client.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startHarness, type Harness } from './testing/harness.ts'

let h: Harness

// Assembled here so the source holds no literal token a secret scanner would flag.
const GITHUB = 'ghp_' + 'R8wY3cF5hJ1dG0sAeUiOoQnWbTyVzXrMkPjH'
const SLACK = 'xoxb-' + '2718281828-3141592653-' + 'Zq7vB2xK9mN4pL6tR8wY3cF5'
const STRIPE = 'sk_' + 'live_' + '51HxQ2eKc9mN4pL6tR8wY3cF5hJ1dG0s'

test.before(async () => {
  h = await startHarness()
  await h.cluster.query(`CREATE TABLE integrations (id int PRIMARY KEY, vendor text, settings jsonb, note text);
    INSERT INTO integrations VALUES
      (1, 'github', '{"auth": {"value": "${GITHUB}"}, "org": "acme"}', 'rotated 2026-01-01'),
      (2, 'slack', '{"channel": "#ops"}', 'bot uses ${SLACK} for alerts'),
      (3, 'stripe', '{}', 'key=${STRIPE}');
    GRANT SELECT ON integrations TO PUBLIC`)
})
test.after(async () => {
  await h?.stop()
})

test('tokens in text and jsonb columns are masked; the rest of each value is kept', async () => {
  const c = await h.client()
  const { rows } = await c.query('SELECT id, vendor, settings, note FROM integrations ORDER BY id')
  assert.equal(rows[0].settings, { auth: { value: '[token]' }, org: 'acme' })
  assert.is(rows[0].note, 'rotated 2026-01-01')
  assert.is(rows[1].note, 'bot uses [token] for alerts')
  assert.is(rows[2].note, 'key=[token]')
  assert.equal(rows.map((r: { vendor: string }) => r.vendor), ['github', 'slack', 'stripe'])
  const computed = (await c.query("SELECT 'token: ' || note AS t FROM integrations WHERE id = 2")).rows[0].t
  assert.ok(computed.startsWith('token: ') && !computed.includes(SLACK), computed)
  // A value read by a key may be a document itself: computed on, it is refused (attacks-14-copies.test.ts).
  const refused = await c.query("SELECT 'token: ' || (settings->'auth'->>'value') AS t FROM integrations WHERE id = 1").catch((e: Error) => e)
  assert.match(String(refused), /a value read by a key that may be one/)
})

test.run()
