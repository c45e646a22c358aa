import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { cpuTimed } from '../../../testing/cpu-time.ts'
import { apiToken } from './api-token.ts'
import { findSpans, DETECTOR_NAMES } from './index.ts'
import { maskDetected } from '../text-spans.ts'
import { hits } from './test-helpers.ts'

// Samples are assembled here so the source holds no literal token a secret scanner would flag.
const ALNUM = 'Zq7vB2xK9mN4pL6tR8wY3cF5hJ1dG0sAeUiOoQnWbTyVzXrMkPjHgDfSaLcE'
const run = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ALNUM[(from + i * 7) % ALNUM.length]).join('')
const HEX = (n: number) => Array.from({ length: n }, (_, i) => '0123456789abcdef'[(i * 5 + 3) % 16]).join('')

const SAMPLES: Record<string, string> = {
  'github classic': 'ghp_' + run(36),
  'github oauth': 'gho_' + run(36, 1),
  'github user-to-server': 'ghu_' + run(36, 2),
  'github server-to-server': 'ghs_' + run(36, 3),
  'github refresh': 'ghr_' + run(36, 4),
  'github fine-grained': 'github_pat_' + run(22) + '_' + run(59, 5),
  'gitlab': 'glpat-' + run(20, 6),
  'gitlab routable': 'glpat-' + run(27, 6) + '.01.' + run(9, 2),
  'slack bot': 'xoxb-' + '2718281828-3141592653-' + run(24),
  'slack user': 'xoxp-' + '2718281828-3141592653-2718281828-' + run(32),
  'slack app': 'xoxa-2-' + run(30),
  'slack refresh': 'xoxr-1-' + run(30),
  'slack legacy': 'xoxs-' + '1234567890-' + run(20),
  'stripe live': 'sk_' + 'live_' + run(24),
  'stripe restricted': 'rk_' + 'live_' + run(99),
  'google api key': 'AIza' + 'Sy' + run(33, 3).replace(/[a-c]/g, '-'),
  'openai legacy': 'sk-' + run(20) + 'T3BlbkFJ' + run(20, 9),
  'openai project': 'sk-proj-' + run(48) + '_' + run(60, 4) + '-' + run(40, 8),
  'anthropic': 'sk-ant-api03-' + run(93) + '-' + run(6, 2) + 'AA',
  'openai user': 'sk-' + 'None-' + run(58, 3) + 'T3Blbk' + 'FJ' + run(58, 7),
  'openai other type': 'sk-' + 'test-' + run(20, 1) + '_' + run(37, 2) + 'T3Blbk' + 'FJ' + run(20, 4) + '-' + run(53, 5),
  'sendgrid': 'SG.' + run(22) + '.' + run(43, 3),
  'npm': 'npm_' + run(36, 8),
  'pypi': 'pypi-AgEIcHlwaS5vcmc' + run(60, 1) + '-' + run(40, 2),
  'hugging face': 'hf_' + run(34, 5),
  'shopify access': 'shpat_' + HEX(32),
  'shopify shared secret': 'shpss_' + HEX(32),
  'digitalocean': 'dop_v1_' + HEX(64),
  'twilio api key': 'SK' + HEX(32),
  'telegram bot': '7123456789:' + 'AAH' + run(32, 6),
}

test('finds each vendor format alone, in prose, in JSON, in a config line and in a log line', () => {
  for (const [name, token] of Object.entries(SAMPLES)) {
    assert.equal(hits(apiToken, token), [token], name)
    assert.equal(hits(apiToken, `use ${token}, then`), [token], `${name} in prose`)
    assert.equal(hits(apiToken, JSON.stringify({ value: token, n: 1 })), [token], `${name} in JSON`)
    assert.equal(hits(apiToken, `KEY=${token}\n`), [token], `${name} in .env`)
    assert.equal(hits(apiToken, `2026-01-01T00:00:00Z auth="${token}" ok`), [token], `${name} in a log line`)
    assert.is(apiToken.find(token)[0]?.label, 'token')
  }
})

test('webhook URLs and SAS query strings: only the secret part is masked', () => {
  const slack = `T0${run(8).toUpperCase()}/B0${run(9, 2).toUpperCase()}/${run(24, 4)}`
  assert.equal(hits(apiToken, `curl -d x https://hooks.slack.com/services/${slack}`), [slack])
  const discord = run(68, 3).replace(/[k-m]/g, '_')
  assert.equal(hits(apiToken, `https://discord.com/api/webhooks/1234567890123456789/${discord}?wait=true`), [discord])
  assert.equal(hits(apiToken, `https://discordapp.com/api/webhooks/1/${discord}`), [discord])
  const sig = 'd3Kx9%2BpQ7rT%2F2vWb8nM4zL1cY6hJ0sA%3D'
  const sas = `https://acct.blob.core.windows.net/c/b.txt?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-31T00:00:00Z&sig=${sig}`
  assert.equal(hits(apiToken, sas), [sig])
  assert.equal(hits(apiToken, `BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&sig=${sig}`), [sig])
  const bot = SAMPLES['telegram bot']!
  assert.equal(hits(apiToken, `https://api.telegram.org/bot${bot}/getMe`), [bot])
})

test('webhook hosts match in any case and with a trailing dot, as a client reaches them; the secret keeps its case', () => {
  const slack = `T0${run(8).toUpperCase()}/B0${run(9, 2).toUpperCase()}/${run(24, 4)}`
  for (const url of [`https://HOOKS.SLACK.COM/services/${slack}`, `https://Hooks.Slack.com/Services/${slack}`, `https://hooks.slack.com./services/${slack}`]) {
    assert.equal(hits(apiToken, url), [slack], url)
  }
  assert.equal(hits(apiToken, `https://HOOKS.slack.com/WORKFLOWS/${slack}`), [slack])
  const discord = run(68, 3).replace(/[k-m]/g, '_')
  for (const url of [`https://Discord.com/api/webhooks/1234567890123456789/${discord}`, `https://DISCORDAPP.COM/API/WEBHOOKS/1/${discord}`, `https://discord.com./api/webhooks/1/${discord}`]) {
    assert.equal(hits(apiToken, url), [discord], url)
  }
  const sig = 'd3Kx9%2BpQ7rT%2F2vWb8nM4zL1cY6hJ0sA%3D'
  assert.equal(hits(apiToken, `https://a.blob.core.windows.net/c/b?sv=2022-11-02&SIG=${sig}`), [sig])
  const bot = SAMPLES['telegram bot']!
  assert.equal(hits(apiToken, `https://API.TELEGRAM.ORG/BOT${bot}/getMe`), [bot])
  // A secret part in another case is another string: not this token.
  assert.equal(hits(apiToken, `https://hooks.slack.com/services/${slack.toLowerCase()}`), [])
})

// Each reaches the same webhook (curl folds dot segments; :443 is https's port; v10 is Discord's documented path).
test('webhook URLs with a port, extra slashes or dot segments, and Discord\'s versioned API path are masked', () => {
  const slack = `T0${run(8).toUpperCase()}/B0${run(9, 2).toUpperCase()}/${run(24, 4)}`
  for (const url of [`https://hooks.slack.com:443/services/${slack}`, `https://hooks.slack.com.:443/services/${slack}`, `https://hooks.slack.com//services/${slack}`, `https://hooks.slack.com/./services/${slack}`, `https://hooks.slack.com/services/./${slack}`]) {
    assert.equal(hits(apiToken, url), [slack], url)
  }
  const discord = run(68, 3).replace(/[k-m]/g, '_')
  for (const url of [`https://discord.com:443/api/webhooks/1234567890123456789/${discord}`, `https://discord.com/api/v10/webhooks/1/${discord}`, `https://DISCORD.COM/API/V9/WEBHOOKS/1/${discord}`, `https://discord.com/api//webhooks/1/${discord}`]) {
    assert.equal(hits(apiToken, url), [discord], url)
  }
})

test('ignores near misses: words, identifiers, UUIDs, hashes, base64 blobs and truncated tokens', () => {
  const sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
  const blob = Buffer.from('x'.repeat(30) + ' some bytes of a file ' + 'y'.repeat(30)).toString('base64')
  for (const text of [
    'the ghp_ prefix marks a GitHub token; sk_live_ marks Stripe; AIza marks Google',
    'ghp_' + run(35), // one short
    'xghp_' + run(36), // inside a word
    'github_pat_short',
    'glpat-short',
    'xoxb-your-bot-token-here', // the docs' placeholder has no digits
    'sk_live_short',
    'task-proj-' + run(48), // sk- inside a word
    'sk-learn-compatible-estimators-and-pipelines', // a slug, not a key
    'sk-' + 'abcdefghijklmnopqrstuvwxyzabcdefgh', // letters only
    'AIza' + run(34), // 38 characters
    'AIza' + run(36), // 40 characters
    'SG.short.parts',
    'npm_' + run(35),
    'npm_install_dependencies_for_the_workspace_package',
    'hf_model_name_for_the_tokenizer',
    'shpat_' + HEX(31),
    'dop_v1_' + HEX(63),
    'SK' + HEX(31),
    'SKU' + HEX(32),
    'ASK' + HEX(32),
    '12345678:' + 'abcdefghijklmnopqrstuvwxyzabcdefghi', // one case only
    '12345678901:' + 'AAH' + run(32), // id too long
    'order 550e8400-e29b-41d4-a716-446655440000',
    `sha256:${sha256}`,
    `{"digest":"${sha256}","data":"${blob}"}`,
    'https://hooks.slack.com/services/', // no path
    'https://example.com/page?design=x&sig=short',
    'https://example.com/page?signature=' + run(40), // not sig=
  ]) {
    assert.equal(hits(apiToken, text), [], text)
  }
})

test('a token right after an escape sequence that was not decoded (\\n, \\t, \\012, \\x0a, \\u000a) starts alone; one standing for a letter does not', () => {
  const token = SAMPLES['github classic']!
  const bot = SAMPLES['telegram bot']!
  for (const escape of ['\\n', '\\r\\n', '\\t', '\\b', '\\f', '\\v', '\\012', '\\000', '\\x0a', '\\u000a', '\\u0020']) {
    assert.equal(hits(apiToken, `{"log":"first line${escape}${token}${escape}last"}`), [token], escape)
    assert.equal(hits(apiToken, `first${escape}${bot}`), [bot], `telegram after ${escape}`)
  }
  for (const escape of ['\\x41', '\\u0041', '\\101', 'n']) assert.equal(hits(apiToken, `first${escape}${token}`), [], escape)
})

test('api_token is a known detector, part of all, and masks through maskDetected', () => {
  assert.ok((DETECTOR_NAMES as readonly string[]).includes('api_token'))
  const token = SAMPLES['github classic']!
  assert.equal(findSpans(`x ${token}`, DETECTOR_NAMES).map((s) => s.detector), ['api_token'])
  assert.is(maskDetected(`token for CI: ${token}`, DETECTOR_NAMES, {}, new Uint8Array(32)).value, 'token for CI: [token]')
})

test('linear time on adversarial text: long runs after every prefix, digits and colons, repeated prefixes', () => {
  for (const text of [
    'ghp_' + 'a'.repeat(500_000) + '-',
    'sk-' + 'a'.repeat(500_000) + '-',
    'sk-'.repeat(200_000) + 'T3BlbkFJ',
    'sk-a'.repeat(150_000),
    'AIza'.repeat(200_000),
    '1234567890:'.repeat(100_000),
    '1'.repeat(500_000) + ':' + 'A'.repeat(40),
    'hooks.slack.com/services/T'.repeat(30_000),
    'HOOKS.SLACK.COM./SERVICES/T'.repeat(30_000),
    'Discord.com/api/webhooks/1/'.repeat(20_000),
    'hooks.slack.com:443//./services/'.repeat(20_000),
    'discord.com/api/v1/'.repeat(30_000),
    '&sig='.repeat(150_000),
    'xoxb-1'.repeat(100_000),
  ]) {
    const { cpuMs } = cpuTimed(() => apiToken.find(text))
    assert.ok(cpuMs < 500, `${text.slice(0, 20)}…: ${cpuMs} ms`)
  }
})

test('ordinary text costs about what the other detectors cost: 1 MB of rows in short strings', () => {
  const cells = ['2026-01-01T00:00:00Z', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'task-list skip slack ghost_ 1234567: AIzb', '{"name":"Ada","id":12345}']
  const strings: string[] = []
  for (let i = 0, size = 0; size < 1_000_000; i++) {
    const s = `${cells[i % cells.length]} ${i}`
    strings.push(s)
    size += s.length
  }
  for (const s of strings) apiToken.find(s) // warm up: compile the regex and optimise the loop
  const { cpuMs } = cpuTimed(() => {
    for (const s of strings) apiToken.find(s)
  })
  assert.ok(cpuMs < 100, `${cpuMs} ms`)
})

test.run()
