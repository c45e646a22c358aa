// warden check: what CI runs on a policy change — opa fmt clean, opa check --strict, build, tests
// (Rego + fixtures on WASM) and the coverage threshold — with one readable summary.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseFlags, withUsage } from '../args.ts'
import { loadConfig } from '../config-file.ts'
import type { ExitCode, Io } from '../io.ts'
import { prettyReporter } from '../output/pretty.ts'
import { summarize, summaryLine } from '../output/reporter.ts'
import { buildBundle, opaBinary, packageRoot, PolicyBuildError, runOpa } from '../policy.ts'
import { policyTestResults } from './test.ts'

const usage = `usage: warden check [FIXTURE PATHS…] [--coverage PERCENT] [--config FILE]

Runs, in order: \`opa fmt --list\` (must list nothing), \`opa check --strict\`, the WASM build, the
Rego unit tests and fixtures (as \`warden test\`), and \`opa test --coverage\` against the threshold
(default 90). Prints one summary; exit 1 when any step fails, 2 on a usage or config error.
`

interface Step {
  name: string
  ok: boolean
  detail: string
}

export async function runCheck(args: string[], io: Io): Promise<ExitCode> {
  return withUsage(io, async () => {
    const { values, positionals } = parseFlags(args, { coverage: { type: 'string', default: '90' }, config: { type: 'string' } }, usage, true)
    if (values.help) { io.out(usage); return 0 }
    const threshold = Number(values.coverage)
    if (!Number.isFinite(threshold) || threshold < 0 || threshold > 100) {
      io.err(`--coverage must be a percentage between 0 and 100, got ${JSON.stringify(values.coverage)}\n`)
      return 2
    }
    const { config } = await loadConfig(values.config as string | undefined, io.cwd, { env: io.env })
    const opa = opaBinary()
    const source = config.policy.source ?? join(packageRoot, 'policies')
    const steps: Step[] = []

    const fmt = await runOpa(opa, ['fmt', '--list', source], io.cwd)
    const unformatted = fmt.stdout.trim()
    steps.push({ name: 'opa fmt', ok: fmt.code === 0 && !unformatted, detail: unformatted ? `not formatted (run \`opa fmt -w ${source}\`):\n${unformatted}` : fmt.stderr.trim() })

    const strict = await runOpa(opa, ['check', '--strict', source], io.cwd)
    steps.push({ name: 'opa check --strict', ok: strict.code === 0, detail: (strict.stderr || strict.stdout).trim() })

    const dir = await mkdtemp(join(tmpdir(), 'warden-check-'))
    try {
      await buildBundle(source, join(dir, 'bundle.tar.gz'), opa)
      steps.push({ name: 'build (wasm)', ok: true, detail: '' })
    } catch (err) {
      if (!(err instanceof PolicyBuildError)) throw err
      steps.push({ name: 'build (wasm)', ok: false, detail: err.message })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }

    const paths = positionals.length ? positionals.map((p) => resolve(io.cwd, p)) : [resolve(io.cwd, 'testdata/policies')]
    const results = await policyTestResults(config, paths, io.cwd)
    const failures: string[] = []
    const reporter = prettyReporter((text) => failures.push(text))
    for (const r of results) reporter.result(r)
    const summary = summarize(results)
    steps.push({ name: 'tests (rego + fixtures on wasm)', ok: summary.failed === 0, detail: `${failures.join('')}${summaryLine(summary)}` })

    const cover = await runOpa(opa, ['test', source, '--coverage', '--format', 'json'], io.cwd)
    let percent = NaN
    try {
      percent = (JSON.parse(cover.stdout) as { coverage?: number }).coverage ?? NaN
    } catch {
      // reported below as unreadable coverage
    }
    steps.push({
      name: `coverage ≥ ${threshold}%`,
      ok: percent >= threshold,
      detail: Number.isNaN(percent) ? `could not read coverage: ${(cover.stderr || cover.stdout).slice(0, 500)}` : `${percent.toFixed(1)}%`,
    })

    for (const step of steps) {
      io.out(`${step.ok ? '✓' : '✗'} ${step.name}${step.ok && step.detail && !step.detail.includes('\n') ? ` (${step.detail})` : ''}\n`)
      if (!step.ok && step.detail) io.out(`${step.detail.replace(/^/gm, '    ')}\n`)
    }
    const failed = steps.filter((s) => !s.ok)
    io.out(failed.length ? `check failed: ${failed.map((s) => s.name).join(', ')}\n` : 'check passed\n')
    return failed.length ? 1 : 0
  })
}
