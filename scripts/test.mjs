// `npm test`: sets up what the tests need (node modules, OPA, PostgreSQL and the HTTP gateway tests' real
// peers, which a first run builds in minutes into .tools), then runs the Rego unit tests (opa test), the
// TypeScript type check and every *.test.ts file (uvu, one process each), and ends with `N passed, N failed`.
// Usage: npm test [-- FILTER…]   (only test files whose path contains one of the filters)
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureAll } from './ensure.mjs'
import { ensurePeers } from './ensure-peers.mjs'
import { ensurePostgres } from './ensure-postgres.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const filters = process.argv.slice(2)
const jobs = Number(process.env.WARDEN_TEST_JOBS ?? 2)
const fileTimeoutMs = Number(process.env.WARDEN_TEST_TIMEOUT_MS ?? 10 * 60_000)

function findTests(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) findTests(path, out)
    else if (entry.name.endsWith('.test.ts')) out.push(path)
  }
  return out
}

function run(command, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    const timer = setTimeout(() => {
      output += `\n[timed out after ${fileTimeoutMs / 1000}s]\n`
      child.kill('SIGKILL')
    }, fileTimeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

function uvuCounts(output) {
  const total = /Total:\s+(\d+)/.exec(output)
  const passed = /Passed:\s+(\d+)/.exec(output)
  const skipped = /Skipped:\s+(\d+)/.exec(output)
  if (!total || !passed) return undefined
  return { total: +total[1], passed: +passed[1], skipped: skipped ? +skipped[1] : 0 }
}

const totals = { passed: 0, failed: 0, skipped: 0 }
const failures = []

function record(name, passed, failed, skipped, output) {
  totals.passed += passed
  totals.failed += failed
  totals.skipped += skipped
  const mark = failed ? 'FAIL' : 'ok  '
  process.stdout.write(`${mark} ${name} (${passed} passed${failed ? `, ${failed} failed` : ''}${skipped ? `, ${skipped} skipped` : ''})\n`)
  if (failed) failures.push({ name, output })
}

async function opaTests(opa) {
  const { code, output } = await run(opa, ['test', 'policies', '--format', 'json'])
  let results
  try {
    results = JSON.parse(output.slice(output.indexOf('[')))
  } catch {
    record('policies (opa test)', 0, 1, 0, output)
    return
  }
  const failed = results.filter((r) => r.fail || r.error)
  const skipped = results.filter((r) => r.skip).length
  const detail = failed.map((r) => `${r.package}.${r.name}: ${r.error ? JSON.stringify(r.error) : 'failed'}`).join('\n')
  record('policies (opa test)', results.length - failed.length - skipped, failed.length || (code && !results.length ? 1 : 0), skipped, detail || output)
}

async function typecheck() {
  const { code, output } = await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', '.'])
  record('typecheck (tsc --noEmit)', code === 0 ? 1 : 0, code === 0 ? 0 : 1, 0, output)
}

async function testFile(file, opa) {
  const name = relative(root, file)
  const { code, output } = await run(process.execPath, ['--import', 'tsx', file], { OPA: opa, WARDEN_TEST: '1' })
  const counts = uvuCounts(output)
  if (!counts) return record(name, 0, 1, 0, output || `exited ${code} without a uvu summary`)
  // uvu's Total counts the tests it ran: skipped ones are not in it.
  const failed = counts.total - counts.passed
  record(name, counts.passed, failed || (code ? 1 : 0), counts.skipped, output)
}

async function main() {
  let opa
  try {
    opa = ensureAll()
    ensurePostgres()
    const started = Date.now()
    ensurePeers()
    const took = (Date.now() - started) / 1000
    if (took >= 1) process.stderr.write(`warden: test peers ready in ${took.toFixed(0)}s\n`)
  } catch (err) {
    process.stdout.write(`setup failed: ${err.message}\n0 passed, 1 failed\n`)
    process.exit(1)
  }
  const files = findTests(root).filter((f) => !filters.length || filters.some((x) => f.includes(x))).sort()
  if (!filters.length) {
    await opaTests(opa)
    await typecheck()
  }
  const queue = [...files]
  await Promise.all(Array.from({ length: jobs }, async () => {
    for (let file = queue.shift(); file; file = queue.shift()) await testFile(file, opa)
  }))
  for (const { name, output } of failures) {
    process.stdout.write(`\n──── ${name} ────\n${output.trimEnd()}\n`)
  }
  process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}\n`)
  process.exit(totals.failed ? 1 : 0)
}

await main()
