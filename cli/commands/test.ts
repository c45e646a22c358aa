// warden test [PATHS…] [--format pretty|json|junit] [--run PATTERN]: `opa test` plus every fixture run
// against the compiled WASM bundle — exactly what the gateway runs.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { readBundle, prepareDecider } from '../../engine/decide/index.ts'
import { loadSqlParsers } from '../../engine/normalize/index.ts'
import type { Config } from '../../engine/config/types.ts'
import { parseFlags, withUsage } from '../args.ts'
import { loadConfig } from '../config-file.ts'
import { type ExitCode, type Io, UsageError } from '../io.ts'
import { jsonReporter } from '../output/json.ts'
import { junitReporter } from '../output/junit.ts'
import { prettyReporter } from '../output/pretty.ts'
import { type Reporter, summarize } from '../output/reporter.ts'
import { buildBundle, opaBinary, packageRoot, PolicyBuildError } from '../policy.ts'
import { fixtureTests, loadFixtureCases, regoTests, type TestResult } from '../policy-tests.ts'

const usage = `usage: warden test [PATHS…] [--format pretty|json|junit] [--run PATTERN] [--verbose] [--config FILE]

Runs the Rego unit tests of the policy source (opa test) and every fixture case in PATHS (files or
directories of YAML; default testdata/policies) against the compiled WASM bundle.
--run PATTERN keeps Rego tests and fixture notes matching the regular expression.
Ends with "N passed, N failed". Exit 0 when all pass, 1 on any failure, 2 on a usage or config error.
`

export function reporterFor(format: string, write: (text: string) => void, verbose: boolean): Reporter {
  if (format === 'pretty') return prettyReporter(write, verbose)
  if (format === 'json') return jsonReporter(write)
  if (format === 'junit') return junitReporter(write)
  throw new UsageError('usage.format', `unknown --format ${JSON.stringify(format)}; use pretty, json or junit`)
}

/** Rego tests plus fixtures; a bundle that does not compile is one failed result. */
export async function policyTestResults(config: Config, paths: string[], cwd: string, run?: string): Promise<TestResult[]> {
  const opa = opaBinary()
  const source = config.policy.source ?? join(packageRoot, 'policies')
  const results = await regoTests(opa, source, cwd, run)
  const cases = await loadFixtureCases(paths, cwd)
  const dir = await mkdtemp(join(tmpdir(), 'warden-test-'))
  try {
    const bundle = await readBundle(await readFile(await buildBundle(source, join(dir, 'bundle.tar.gz'), opa)))
    const decider = await prepareDecider(bundle, { maxMemoryPages: config.policy.memory_pages, data: { settings: config.policy.settings } })
    await loadSqlParsers()
    results.push(...fixtureTests(cases, config, decider, run))
  } catch (err) {
    if (!(err instanceof PolicyBuildError)) throw err
    results.push({ kind: 'fixture', name: 'compile bundle', location: source, outcome: 'fail', problems: [err.message], durationMs: 0 })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  return results
}

export async function runTest(args: string[], io: Io): Promise<ExitCode> {
  return withUsage(io, async () => {
    const { values, positionals } = parseFlags(args, {
      format: { type: 'string', default: 'pretty' },
      run: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      config: { type: 'string' },
    }, usage, true)
    if (values.help) { io.out(usage); return 0 }
    const reporter = reporterFor(values.format as string, io.out, Boolean(values.verbose))
    const { config } = await loadConfig(values.config as string | undefined, io.cwd, { env: io.env })
    const paths = positionals.length ? positionals.map((p) => resolve(io.cwd, p)) : [resolve(io.cwd, 'testdata/policies')]
    const results = await policyTestResults(config, paths, io.cwd, values.run as string | undefined)
    for (const r of results) reporter.result(r)
    const summary = summarize(results)
    reporter.end(summary)
    if (values.format !== 'pretty') io.err(`${summary.passed} passed, ${summary.failed} failed\n`)
    return summary.failed ? 1 : 0
  })
}
