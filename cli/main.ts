// `warden <command>`: dispatches to one function per command; the only place that calls process.exit.
import { pathToFileURL } from 'node:url'
import { type ExitCode, type Io, processIo } from './io.ts'

type Command = (args: string[], io: Io) => Promise<ExitCode>

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  up: { summary: 'run the gateway', load: async () => (await import('./commands/up.ts')).runUp },
  build: { summary: 'compile the policies into a WASM bundle', load: async () => (await import('./commands/build.ts')).runBuild },
  test: { summary: 'run Rego unit tests and policy fixtures against the compiled bundle', load: async () => (await import('./commands/test.ts')).runTest },
  check: { summary: 'what CI runs on a policy change: fmt, check --strict, build, tests, coverage', load: async () => (await import('./commands/check.ts')).runCheck },
  eval: { summary: 'decide one request and print the decision', load: async () => (await import('./commands/eval.ts')).runEval },
  diff: { summary: 'replay recorded inputs through a base and the working-tree policy; fail on unacknowledged relaxations', load: async () => (await import('./commands/diff.ts')).runDiffCommand },
  token: { summary: 'print a development token signed by the local dev issuer', load: async () => (await import('./commands/token.ts')).runToken },
  ca: { summary: 'print the HTTPS proxy CA certificate path and the client settings that trust it', load: async () => (await import('./commands/ca.ts')).runCa },
  audit: { summary: 'verify the audit trail, list and replay sessions, export decisions', load: async () => (await import('./commands/audit.ts')).runAudit },
  approvals: { summary: 'list, show, approve or deny held requests on a running gateway', load: async () => (await import('./commands/approvals.ts')).runApprovals },
  grants: { summary: 'list or revoke the grants approvals created, on a running gateway', load: async () => (await import('./commands/grants.ts')).runGrants },
}

export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length))
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  return `usage: warden <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun \`warden <command> --help\` for a command's options.\n`
}

export async function main(argv: string[], io: Io): Promise<ExitCode> {
  const [name, ...args] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage())
    return name ? 0 : 2
  }
  const command = commands[name]
  if (!command) {
    io.err(`warden: unknown command ${JSON.stringify(name)}\n\n${usage()}`)
    return 2
  }
  try {
    return await (await command.load())(args, io)
  } catch (err) {
    io.err(`warden ${name}: ${err instanceof Error ? err.message : String(err)}\n`)
    return 2
  }
}

/** Runs the command line of this process and exits with its code. */
export async function run(): Promise<never> {
  process.exit(await main(process.argv.slice(2), processIo()))
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run()
