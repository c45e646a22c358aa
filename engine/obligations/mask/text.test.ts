import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MaskError } from '../errors.ts'
import { keyedHash } from './strategy.ts'
import { planMask } from './plan.ts'
import { MAX_MASKED_CHARS, maskText } from './text.ts'
import { maskDetected } from './text-spans.ts'
import { DETECTORS, type DetectorName } from './detectors/index.ts'
import type { ResultColumn } from './plan.ts'
import { cpuTimed } from '../../testing/cpu-time.ts'

const KEY = new Uint8Array(32).fill(1)
const plain = (column: string): ResultColumn => ({ name: column, lineage: 'plain', sources: [{ table: 'users', column }] })
const computed = (name: string): ResultColumn => ({ name, lineage: 'derived', sources: [] })

test('a whole-value column mask applies whatever the content', () => {
  const [col] = planMask([{ column: 'card', strategy: 'partial' }], [plain('card')]).columns
  assert.equal(maskText('4242424242424242', col!, KEY), { value: '************4242', masked: true })
  const [nulled] = planMask([{ column: 'card', strategy: 'null' }], [plain('card')]).columns
  assert.equal(maskText('anything', nulled!, KEY), { value: null, masked: true })
})

test('detectors replace only the spans they find', () => {
  const [col] = planMask([{ detector: 'all' }], [computed('notes')]).columns
  const text = 'mail jane@example.com, card 4242 4242 4242 4242, ssn 536-22-1234, key AKIAIOSFODNN7EXAMPLE'
  assert.equal(maskText(text, col!, KEY), { value: 'mail [email], card [card], ssn [ssn], key [aws_key]', masked: true })
  assert.equal(maskText('nothing to see', col!, KEY), { value: 'nothing to see', masked: false })
})

test('text with a NUL after each character (UTF-16 read as bytes) is read as its reader reads it, the NULs dropped', () => {
  const [col] = planMask([{ detector: 'all' }], [computed('notes')]).columns
  const wide = (s: string) => [...s].map((c) => `${c}\0`).join('')
  const text = `mail ${wide('jane@example.com')} and ${wide('password=hunter2')}\0\0 ok`
  const out = maskText(text, col!, KEY)
  assert.ok(out.masked)
  assert.not.ok(out.value!.replace(/\0/g, '').includes('jane@example.com'), out.value!)
  assert.not.ok(out.value!.replace(/\0/g, '').includes('hunter2'), out.value!)
  assert.ok(out.value!.startsWith('mail ') && out.value!.endsWith(' ok'), out.value!)
  assert.equal(maskText(wide('nothing to see'), col!, KEY), { value: wide('nothing to see'), masked: false })
})

test('partial and hash apply to the span; hash uses the canonical form', () => {
  const [col] = planMask([{ detector: 'payment_card', strategy: 'partial' }, { detector: 'email', strategy: 'hash' }], [computed('x')]).columns
  assert.equal(maskText('card 4242-4242-4242-4242 from Jane@Example.com', col!, KEY), {
    value: `card ***************4242 from ${keyedHash('jane@example.com', KEY)}`,
    masked: true,
  })
})

test('a null detector strategy nulls the whole value when it hits', () => {
  const [col] = planMask([{ detector: 'us_ssn', strategy: 'null' }], [computed('x')]).columns
  assert.equal(maskText('ssn 536-22-1234', col!, KEY), { value: null, masked: true })
  assert.equal(maskText('no ssn', col!, KEY), { value: 'no ssn', masked: false })
})

test('failures never return the original value: they throw mask.failed', () => {
  const [hashCol] = planMask([{ column: 'email', strategy: 'hash' }], [plain('email')]).columns
  assert.throws(() => maskText('jane@example.com', hashCol!, new Uint8Array(0)), (err: unknown) => err instanceof MaskError && err.code === 'mask.failed')
  const [col] = planMask([{ detector: 'email' }], [computed('x')]).columns
  assert.throws(() => maskText(42 as never, col!, KEY), (err: unknown) => err instanceof MaskError && /result column 0/.test(err.message))
})

test('a value longer than the limit is redacted whole without being scanned; null stays null', () => {
  const huge = 'write to ada@example.com '.repeat(Math.ceil(MAX_MASKED_CHARS / 25) + 1)
  const [detect] = planMask([{ detector: 'all' }], [computed('x')]).columns
  const { value: redacted, cpuMs } = cpuTimed(() => maskText(huge, detect!, KEY))
  assert.equal(redacted, { value: '[redacted]', masked: true })
  assert.ok(cpuMs < 50, `bounded work (${cpuMs} ms)`)
  const [part] = planMask([{ column: 'email', strategy: 'partial' }], [plain('email')]).columns
  assert.equal(maskText(huge, part!, KEY), { value: '[redacted]', masked: true })
  const [nulled] = planMask([{ column: 'email', strategy: 'null' }], [plain('email')]).columns
  assert.equal(maskText(huge, nulled!, KEY), { value: null, masked: true })
  assert.equal(maskText('a'.repeat(MAX_MASKED_CHARS), detect!, KEY), { value: 'a'.repeat(MAX_MASKED_CHARS), masked: false })
})

test('a base64 run in text whose decoded text holds what a detector finds is masked whole; other runs pass', async () => {
  const { maskDetected } = await import('./text-spans.ts')
  const secret = Buffer.from('#!/bin/bash\nexport DB_PASSWORD=hunter2\n').toString('base64')
  const harmless = Buffer.from('#!/bin/bash\necho starting the service\n').toString('base64')
  const xml = `<userData><value>${secret}</value></userData><other>${harmless}</other>`
  const out = maskDetected(xml, ['secret_assignment', 'email'], {}, new Uint8Array(32))
  assert.equal(out, { value: `<userData><value>[base64]</value></userData><other>${harmless}</other>`, masked: true })
  assert.equal(maskDetected(`x ${harmless} y`, ['secret_assignment'], {}, new Uint8Array(32)), { value: `x ${harmless} y`, masked: false })
})

test('a base64 run in the URL alphabet or without padding is read as base64 too', async () => {
  const { maskDetected } = await import('./text-spans.ts')
  const url = Buffer.from('{"password":"hunter2??>>~"}').toString('base64url')
  const bare = Buffer.from('export DB_PASSWORD=hunter22').toString('base64').replace(/=+$/, '')
  assert.ok(/[-_]/.test(url) && !bare.endsWith('='), `${url} ${bare}`)
  const out = maskDetected(`token ${url} and ${bare} end`, ['secret_assignment'], {}, KEY)
  assert.equal(out, { value: 'token [base64] and [base64] end', masked: true })
  assert.equal(maskDetected('a kube-system-controller-manager-7d9f8 pod', ['secret_assignment'], {}, KEY).masked, false)
})

test('a base64 run of some 10 MB is read, not a regexp stack overflow that withholds the text', async () => {
  const { maskDetected } = await import('./text-spans.ts')
  const run = 'a'.repeat(10_000_000)
  assert.equal(maskDetected(`x ${run} y`, ['email'], {}, KEY), { value: `x ${run} y`, masked: false })
})

test('a base64 run assigned in text (an .env line, a query string) is read too', async () => {
  const { maskDetected } = await import('./text-spans.ts')
  const secret = Buffer.from('export DB_PASSWORD=hunter2\n').toString('base64')
  const text = `CONFIG_B64=${secret}\nGET /x?data=${secret}&page=2`
  assert.equal(maskDetected(text, ['secret_assignment'], {}, KEY).value, 'CONFIG_B64=[base64]\nGET /x?data=[base64]&page=2')
})

test('a percent-encoded run whose decoded text holds what a detector finds is masked whole; other runs pass', async () => {
  const { maskDetected } = await import('./text-spans.ts')
  const detectors = ['email', 'url_credential'] as const
  const xml = '<Key>users/alice%40example.com/a.txt</Key><Key>dumps/postgres%3A//u%3Apw-7Hq2%40db.internal/o.sql</Key><Key>plain%20name.txt</Key>'
  assert.equal(maskDetected(xml, [...detectors], {}, KEY), { value: '<Key>[url-encoded]</Key><Key>[url-encoded]</Key><Key>plain%20name.txt</Key>', masked: true })
  const link = 'https://storage.googleapis.com/download/storage/v1/b/b/o/users%2Falice%40example.com?alt=media'
  assert.equal(maskDetected(`{"mediaLink":"${link}"}`, [...detectors], {}, KEY).value, '{"mediaLink":"[url-encoded]"}')
  assert.equal(maskDetected('100% sure, 50%off and %zz', [...detectors], {}, KEY), { value: '100% sure, 50%off and %zz', masked: false })
  assert.equal(maskDetected('bad %ff%fe bytes', [...detectors], {}, KEY), { value: 'bad %ff%fe bytes', masked: false })
})

test('many detected values beside many base64 runs mask in linear time, each run still read', () => {
  const all = Object.keys(DETECTORS) as DetectorName[]
  const hidden = Buffer.from('write to jane.doe@example.com').toString('base64')
  const text = Array.from({ length: 60000 }, (_, i) => `a${i}@ex.com QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB`).join(' ') + ` ${hidden}`
  const { value: out, cpuMs } = cpuTimed(() => maskDetected(text, all, {}, KEY))
  assert.ok(cpuMs < 2000, `${cpuMs} ms`)
  assert.not.ok(out.value!.includes(hidden), 'the base64 run holding an email is masked')
  assert.not.ok(out.value!.includes('a7@ex.com'))
})

test('text with invisible format characters inside a value (zero-width space, soft hyphen, bidi marks) is read without them', () => {
  const [col] = planMask([{ detector: 'all' }], [computed('notes')]).columns
  for (const text of ['mail jane\u200b@example.com today', 'mail j\u00ada\u00adne@example.com today', 'mail jane@exa\u2060mple.com today', 'mail \u200ejane@example.com\u200f today']) {
    const out = maskText(text, col!, KEY)
    assert.ok(out.masked, JSON.stringify(text))
    assert.not.ok(out.value!.replace(/[\u00ad\u200b-\u200f\u2060]/g, '').includes('jane@example.com'), out.value!)
    assert.ok(out.value!.startsWith('mail ') && out.value!.endsWith(' today'), out.value!)
  }
  const out = maskText('PASS\u200bWORD=hunter2', col!, KEY)
  assert.not.ok(out.value!.includes('hunter2'), out.value!)
})

// Assembled here so the source holds no literal token a secret scanner would flag.
const GITHUB = 'ghp' + '_' + 'Zq7vB2xK9mN4pL6tR8wY3cF5hJ1dG0sAeUiO'
const SLACK_PATH = 'T0ABCDEFGH/B0IJKLMNOPQ/' + 'Zq7vB2xK9mN4pL6tR8wY3cF5'

test('a token written with JSON escapes or XML/HTML references in text that is not parsed is read as its client reads it', () => {
  const tokens = ['api_token'] as DetectorName[]
  const cases = [
    `sent {"auth":"\\u0067hp${GITHUB.slice(3)}"} ok`,
    `sent {"auth":"${[...GITHUB].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"} ok`,
    `hook=https:\\/\\/hooks.slack.com\\/services\\/${SLACK_PATH.replaceAll('/', '\\/')} ok`,
    `msg="{\\"key\\":\\"\\\\u0067hp${GITHUB.slice(3)}\\"}" ok`,
    `<td>&#x67;hp${GITHUB.slice(3)}</td> ok`,
    `<a href="https:&#x2F;&#x2F;hooks.slack.com&#x2F;services&#x2F;${SLACK_PATH.replaceAll('/', '&#x2F;')}"> ok`,
    `<td>&#X67;hp${GITHUB.slice(3)}</td> ok`,
    `<td>&#0000000103;hp${GITHUB.slice(3)}</td> ok`,
    `<td>&#x0000067;hp${GITHUB.slice(3)}</td> ok`,
    `sent "ghp_${GITHUB.slice(4, 10)}\\u200b${GITHUB.slice(10)}" ok`,
  ]
  for (const text of cases) {
    const out = maskDetected(text, tokens, {}, KEY)
    assert.ok(out.masked, text)
    assert.ok(out.value!.includes('[token]') && out.value!.endsWith(' ok'), out.value!)
    assert.not.ok(/[A-Za-z0-9]{20}/.test(out.value!.replace(/https?:|hooks\.slack\.com/g, '')), out.value!)
  }
  const harmless = `sent {"path":"https:\\/\\/example.com\\/api","name":"\\u0061lice"} &#x2F;ok`
  assert.equal(maskDetected(harmless, tokens, {}, KEY), { value: harmless, masked: false })
})

test('base64 wrapped over lines (base64, MIME, PEM) is read joined: a token across a line break is masked, the lines with it', () => {
  const tokens = ['api_token'] as DetectorName[]
  const env = `# deploy settings for the release pipeline\nGH=${GITHUB}\n`
  const wrap = (s: string, width: number, eol = '\n') => Buffer.from(s).toString('base64').match(new RegExp(`.{1,${width}}`, 'g'))!.join(eol)
  for (const [width, eol] of [[76, '\n'], [64, '\r\n'], [76, '\n  ']] as const) {
    const body = wrap(env, width, eol)
    const text = `-----BEGIN CONFIG-----${eol}${body}${eol}-----END CONFIG-----`
    const out = maskDetected(text, tokens, {}, KEY)
    assert.equal(out.value, `-----BEGIN CONFIG-----${eol}[base64]${eol}-----END CONFIG-----`, `${width}: ${out.value}`)
  }
  const harmless = wrap('release notes: the pipeline now builds twice as fast, and the cache is kept a week.\n', 76)
  assert.equal(maskDetected(harmless, tokens, {}, KEY), { value: harmless, masked: false })
  // One long line is not a block: read as one run, as before.
  const line = Buffer.from(`x ${GITHUB} y`).toString('base64')
  assert.equal(maskDetected(`${line}\nok`, tokens, {}, KEY).value, '[base64]\nok')
})

test('wrapped base64 whose first line follows other text and whose last is followed by some is read joined, escaped too', () => {
  const tokens = ['api_token'] as DetectorName[]
  // The token straddles the first line break and the last one.
  const env = `# deploy settings for the release pipeline\nGH=${GITHUB}\nSTRIPE=sk_${'live'}_${GITHUB.slice(4, 40)}\n`
  const lines = Buffer.from(env).toString('base64').match(/.{1,76}/g)!
  assert.ok(lines.length >= 3, String(lines.length))
  const body = `${lines.join('\n')} -- end`
  for (const [text, masked] of [
    [`config: ${body}`, 'config: [base64] -- end'],
    [`key: ${lines.slice(0, 2).join('\n')}`, 'key: [base64]'],
    [`{"log":"key: ${lines.join('\\n')} -- end"}`, undefined],
    [`key: ${lines.join('\r\n')}\r\n`, 'key: [base64]\r\n'],
  ] as const) {
    const out = maskDetected(text, tokens, {}, KEY)
    assert.ok(out.masked, text)
    if (masked !== undefined) assert.is(out.value, masked)
    assert.not.ok(out.value!.includes(lines[1]!) || out.value!.includes(lines[0]!.slice(-20)), out.value!)
  }
  // Text before the block whose last word reads as base64 that is no text (\`data\`), a word after it: the lines alone.
  assert.is(maskDetected(`payload data\n${lines.join('\n')}\nDone`, tokens, {}, KEY).value, 'payload data\n[base64]\nDone')
  const harmless = Buffer.from('release notes: the pipeline now builds twice as fast, and the cache is kept a week.\n').toString('base64').match(/.{1,76}/g)!.join('\n')
  assert.equal(maskDetected(`notes: ${harmless} -- end`, tokens, {}, KEY), { value: `notes: ${harmless} -- end`, masked: false })
})

test('PostgreSQL bytea as hex text (\\x…) whose bytes are text is read as that text: a token in it is masked whole', () => {
  const tokens = ['api_token'] as DetectorName[]
  const hex = Buffer.from(`GITHUB_TOKEN=${GITHUB}\n`).toString('hex')
  assert.equal(maskDetected(`\\x${hex}`, tokens, {}, KEY).value, '[hex]')
  assert.equal(maskDetected(`{"\\\\x${hex}","\\\\x00"}`, tokens, {}, KEY).value, '{"\\[hex]","\\\\x00"}')
  assert.equal(maskDetected(`{"b":"\\\\x${hex}"}`, tokens, {}, KEY).value, '{"b":"\\[hex]"}')
  for (const text of [`\\x00ff${hex}`, `\\x${Buffer.from('nothing to see here').toString('hex')}`, '\\x']) {
    assert.equal(maskDetected(text, tokens, {}, KEY), { value: text, masked: false }, text)
  }
})

test('a raw e-mail\'s quoted-printable text is read with its soft breaks undone: a token across one is masked', () => {
  const tokens = ['api_token'] as DetectorName[]
  const body = (line: string) => `Content-Transfer-Encoding: quoted-printable\r\n\r\nthe deploy token is ${line} =E2=80=94 rotate it.\r\n`
  const out = maskDetected(body(`${GITHUB.slice(0, 12)}=\r\n${GITHUB.slice(12)}`), tokens, {}, KEY)
  assert.is(out.value, body('[token]'))
  assert.is(maskDetected(`x=3D${GITHUB.slice(0, 20)}=\n${GITHUB.slice(20)}`, tokens, {}, KEY).value, 'x=3D[token]')
  const plain = 'a=\nb =3D c, nothing to see'
  assert.equal(maskDetected(plain, tokens, {}, KEY), { value: plain, masked: false })
})

test('a value right after a JSON control escape (\\n, \\t) in text that is not parsed is found by every detector', () => {
  const all = Object.keys(DETECTORS) as DetectorName[]
  for (const value of ['AKIAIOSFODNN7EXAMPLQ', '4242424242424242', 'DE89370400440532013000', 'Bearer abcdefghijklmnopqrstuvwxyz012345', '+1 415 555 0132', GITHUB]) {
    for (const escape of ['\\n', '\\t', '\\r\\n']) {
      const out = maskDetected(`{"log":"first${escape}${value}${escape}last"}`, all, {}, KEY)
      assert.ok(out.masked, `${escape} ${value}`)
      assert.not.ok(out.value!.includes(value.slice(-8)), out.value!)
      assert.ok(out.value!.startsWith(`{"log":"first${escape}`), out.value!)
    }
  }
})

test('the escaped forms are read for encodings too: base64 whose slashes PHP escaped, an escaped zero-width space', () => {
  const tokens = ['api_token'] as DetectorName[]
  const b64 = Buffer.from(`config: token=${GITHUB} ok???`).toString('base64')
  assert.ok(b64.includes('/'), b64)
  const out = maskDetected(`[php] {"data":"${b64.replaceAll('/', '\\/')}"} end`, tokens, {}, KEY)
  assert.is(out.value, '[php] {"data":"[base64]"} end')
  assert.is(maskDetected(`x \\u200b${GITHUB.slice(0, 9)}\\u200b${GITHUB.slice(9)} y`, tokens, {}, KEY).value, 'x \\u200b[token] y')
})

// Lines quoted in a reply, listed in YAML, commented out, or the items of a JSON array written one to a line: each
// read the same bytes once the marks are cut off, and passed with the token across their breaks.
test('wrapped base64 whose lines carry quote, list or comment marks, or are a JSON array\'s items, is read joined', () => {
  const tokens = ['api_token'] as DetectorName[]
  const env = `# deploy settings for the release pipeline\nGH=${GITHUB}\n`
  const lines = Buffer.from(env).toString('base64').match(/.{1,76}/g)!
  for (const text of [
    lines.map((l) => `> ${l}`).join('\n'),
    `keys:\n${lines.map((l) => `  - ${l}`).join('\n')}`,
    lines.map((l) => `# ${l}`).join('\n'),
    JSON.stringify({ lines }, null, 2),
  ]) {
    const out = maskDetected(text, tokens, {}, KEY)
    assert.ok(out.masked, text)
    for (const line of lines) assert.not.ok(out.value!.includes(line), out.value!)
  }
})

test('text with many escapes or many base64 lines masks in linear time', () => {
  const all = Object.keys(DETECTORS) as DetectorName[]
  const escaped = Array.from({ length: 1500 }, (_, i) => `t=${i} msg="{\\"p\\":\\"\\/a\\/${i}\\",\\"q\\":\\"a&amp;b\\"}"`).join('\n')
  const lines = Buffer.alloc(48000, 'nothing to see here. ').toString('base64').match(/.{1,76}/g)!.join('\n')
  const stack = Array.from({ length: 700 }, (_, i) => `ERROR Traceback:\n  File "app.py", line ${i}\n    raise ValueError(x)`).join('\n')
  const qp = Array.from({ length: 900 }, (_, i) => `line ${i} of a long mail body, wrapped soft =3D here=`).join('\r\n')
  // Every line opening and closing with base64 beside other text: each may end a block and open the next.
  const edges = Array.from({ length: 4000 }, (_, i) => `QUJD${i} k: ${'QUJD'.repeat(19)}`).join('\n')
  const prose = Array.from({ length: 6000 }, (_, i) => `this line ${i} ends in a word test`).join('\n')
  const marks = Array.from({ length: 4000 }, () => `${'> - # * '.repeat(20)}"QUJD`).join('\n')
  for (const text of [escaped, lines, qp, stack, edges, prose, marks]) {
    const { cpuMs } = cpuTimed(() => maskDetected(text, all, {}, KEY))
    assert.ok(cpuMs < 500, `${cpuMs} ms`)
  }
})

test.run()
