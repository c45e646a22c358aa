import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { memoryIo } from '../io.ts'
import { runTest } from './test.ts'

const dir = await mkdtemp(join(tmpdir(), 'warden-cli-test-'))

const good = `cases:
  - note: agent deletes every row of users in production, denied
    identity: { sub: cursor, groups: [agents] }
    target: prod-db
    sql: "DELETE FROM users"
    want: { effect: deny }
`

test('a passing fixture file exits 0 and ends with the summary line', async () => {
  await writeFile(join(dir, 'good.yaml'), good)
  const io = memoryIo({}, dir)
  const code = await runTest(['good.yaml', '--run', 'deletes every row'], io)
  assert.is(code, 0, io.stdout + io.stderr)
  assert.match(io.stdout, /\d+ passed, 0 failed/)
})

test('breaking one fixture makes warden test exit 1 with a readable diff', async () => {
  await writeFile(join(dir, 'broken.yaml'), good.replace('effect: deny', 'effect: allow'))
  const io = memoryIo({}, dir)
  const code = await runTest(['broken.yaml', '--run', 'deletes every row'], io)
  assert.is(code, 1)
  assert.match(io.stdout, /FAIL broken\.yaml#1 agent deletes every row of users in production, denied/)
  assert.match(io.stdout, /effect: want allow, got deny/)
  assert.match(io.stdout, /expected: \{"effect":"allow"\}/)
  assert.match(io.stdout, /actual:\n\s+effect deny\n\s+warden\.rules\.\S+: /)
  assert.match(io.stdout, /\d+ passed, 1 failed/)
})

test('json and junit formats carry the same results', async () => {
  const json = memoryIo({}, dir)
  assert.is(await runTest(['broken.yaml', '--run', 'deletes every row', '--format', 'json'], json), 1)
  const parsed = JSON.parse(json.stdout) as { summary: { failed: number }; results: { kind: string; outcome: string }[] }
  assert.is(parsed.summary.failed, 1)
  assert.ok(parsed.results.some((r) => r.kind === 'fixture' && r.outcome === 'fail'))
  const junit = memoryIo({}, dir)
  assert.is(await runTest(['broken.yaml', '--run', 'deletes every row', '--format', 'junit'], junit), 1)
  assert.match(junit.stdout, /<testsuite name="warden.fixture" tests="1" failures="1"/)
})

test('an invalid fixture file is a usage error naming the field', async () => {
  await writeFile(join(dir, 'bad.yaml'), 'cases:\n  - note: no want\n    sql: "SELECT 1"\n    identity: { sub: x }\n    target: prod-db\n')
  const io = memoryIo({}, dir)
  assert.is(await runTest(['bad.yaml'], io), 2)
  assert.match(io.stderr, /bad\.yaml: cases\[0\]/)
  assert.match(io.stderr, /want/)
})

test('unknown format and unknown flags exit 2', async () => {
  assert.is(await runTest(['--format', 'xml', 'good.yaml'], memoryIo({}, dir)), 2)
  assert.is(await runTest(['--nope'], memoryIo({}, dir)), 2)
})

test.after(async () => {
  await rm(dir, { recursive: true, force: true })
})

test.run()
