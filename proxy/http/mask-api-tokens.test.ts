// Vendor API tokens in a JSON answer from an HTTP target in production (a CI settings API, a secrets listing) reach
// the agent masked by the api_token detector under the default policy, through the real gateway and upstream.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { json, startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway
let token: string

// Assembled here so the source holds no literal token a secret scanner would flag.
const GITLAB = 'glpat-' + 'Zq7vB2xK9mN4pL6tR8wY'
const OPENAI = 'sk-proj-' + 'Zq7vB2xK9mN4pL6tR8wY3cF5hJ1dG0sAeUiOoQnWbTyVzXrMk_PjHgDfSaLcE-Zq7vB2xK9mN4pL6tR8wY'
const SLACK_PATH = 'T0ABCDEFGH/B0IJKLMNOPQ/' + 'Zq7vB2xK9mN4pL6tR8wY3cF5'
const GOOGLE = 'AIza' + 'SyZq7vB2xK9mN4pL6tR8wY3cF5hJ1dG0sAe'

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, hosts: [] } },
  ])
  token = await g.agentToken()
})
test.after(async () => g.close())

test('tokens anywhere in a JSON answer are masked; the other values come through as they were', async () => {
  g.route = (_req, res) =>
    json(res, {
      variables: [
        { key: 'GITLAB_TOKEN_FOR_RELEASE', value: GITLAB },
        { key: 'NOTE', value: `openai key ${OPENAI} expires soon` },
      ],
      hooks: [`https://hooks.slack.com/services/${SLACK_PATH}`],
      maps: { key: GOOGLE, region: 'eu-west-1' },
    })
  const res = await fetch(`${g.reverse.url}/t/web/api/v4/projects/1/variables`, { headers: { authorization: `Bearer ${token}` } })
  const body = await res.text()
  assert.is(res.status, 200, body.slice(0, 200))
  for (const secret of [GITLAB, OPENAI, SLACK_PATH, GOOGLE]) assert.not.ok(body.includes(secret), `${secret.slice(0, 8)} in ${body}`)
  assert.equal(JSON.parse(body), {
    variables: [
      { key: 'GITLAB_TOKEN_FOR_RELEASE', value: '[token]' },
      { key: 'NOTE', value: 'openai key [token] expires soon' },
    ],
    hooks: ['https://hooks.slack.com/services/[token]'],
    maps: { key: '[token]', region: 'eu-west-1' },
  })
  const log = JSON.stringify(g.te.audit.events)
  for (const secret of [GITLAB, OPENAI, SLACK_PATH, GOOGLE]) assert.not.ok(log.includes(secret), `${secret.slice(0, 8)} in the audit log`)
})

test.run()
