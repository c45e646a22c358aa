// The tests `warden test` and `warden check` run: OPA's Rego unit tests and the fixture cases against the
// compiled WASM bundle, as result records a reporter can stream.
import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import type { Config } from '../engine/config/types.ts'
import type { Decider } from '../engine/decide/index.ts'
import { parseFixtures } from '../engine/fixtures/load.ts'
import { runFixture } from '../engine/fixtures/run.ts'
import type { FixtureCase } from '../engine/fixtures/types.ts'
import type { Decision } from '../engine/types.ts'
import { runOpa } from './policy.ts'

export interface TestResult {
  kind: 'rego' | 'fixture'
  name: string
  /** file:line for Rego tests, file#case for fixtures. */
  location: string
  outcome: 'pass' | 'fail' | 'skip'
  problems: string[]
  expected?: FixtureCase['want']
  actual?: Decision
  durationMs: number
}

interface OpaTestRecord {
  location?: { file: string; row: number }
  package: string
  name: string
  fail?: boolean
  error?: { message?: string } | unknown
  skip?: boolean
  duration?: number
  output?: string
}

export async function regoTests(opa: string, source: string, cwd: string, run?: string): Promise<TestResult[]> {
  const args = ['test', source, '--format', 'json', ...(run ? ['--run', run] : [])]
  const result = await runOpa(opa, args, cwd)
  const start = result.stdout.indexOf('[')
  if (start < 0) {
    if (/no test cases found/i.test(result.stdout + result.stderr)) return []
    return [{ kind: 'rego', name: 'opa test', location: source, outcome: 'fail', problems: [(result.stderr || result.stdout).trim()], durationMs: 0 }]
  }
  const records = JSON.parse(result.stdout.slice(start)) as OpaTestRecord[]
  return records.map((r) => {
    const problems = r.error ? [`error: ${JSON.stringify((r.error as { message?: string }).message ?? r.error)}`] : r.fail ? ['test failed' + (r.output ? `: ${r.output.trim()}` : '')] : []
    return {
      kind: 'rego',
      name: `${r.package}.${r.name}`.replace(/^data\./, ''),
      location: r.location ? `${relative(cwd, r.location.file) || r.location.file}:${r.location.row}` : r.package,
      outcome: r.skip ? 'skip' : problems.length ? 'fail' : 'pass',
      problems,
      durationMs: (r.duration ?? 0) / 1e6,
    }
  })
}

async function fixtureFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined)
  if (!info) throw Object.assign(new Error(`fixture path ${path} does not exist`), { code: 'usage.fixture_path' })
  if (info.isFile()) return [path]
  const files: string[] = []
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const full = join(path, entry.name)
    if (entry.isDirectory()) files.push(...await fixtureFiles(full))
    else if (/\.ya?ml$/.test(entry.name)) files.push(full)
  }
  return files.sort()
}

export async function loadFixtureCases(paths: string[], cwd: string): Promise<FixtureCase[]> {
  const cases: FixtureCase[] = []
  for (const path of paths) {
    for (const file of await fixtureFiles(path)) {
      cases.push(...parseFixtures(await readFile(file, 'utf8'), relative(cwd, file) || file))
    }
  }
  return cases
}

export function fixtureTests(cases: FixtureCase[], config: Config, decider: Decider, run?: string): TestResult[] {
  const pattern = run ? new RegExp(run) : undefined
  return cases.map((fixture) => {
    const location = `${fixture.file}#${fixture.index}`
    if (pattern && !pattern.test(fixture.note)) {
      return { kind: 'fixture', name: fixture.note, location, outcome: 'skip', problems: [], durationMs: 0 }
    }
    const started = performance.now()
    const result = runFixture(fixture, config, decider)
    return {
      kind: 'fixture',
      name: fixture.note,
      location,
      outcome: result.problems.length ? 'fail' : 'pass',
      problems: result.problems,
      expected: fixture.want,
      actual: result.decision,
      durationMs: performance.now() - started,
    }
  })
}
