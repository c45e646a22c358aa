// warden build [--out DIR] [--config FILE]: compile the policies into a WASM bundle.
import { join, resolve } from 'node:path'
import { parseFlags, withUsage } from '../args.ts'
import { loadConfig } from '../config-file.ts'
import type { ExitCode, Io } from '../io.ts'
import { buildBundle, packageRoot, PolicyBuildError } from '../policy.ts'

const usage = `usage: warden build [--out DIR] [--config FILE]

Compiles the Rego sources named by the config (policy.source; default: policies/) with
\`opa build -t wasm -e warden/decision\` into DIR/bundle.tar.gz (default DIR: build/).
Exit 0 when it compiles, 1 on a compile error (shown as file:line), 2 on a usage or config error.
`

export async function runBuild(args: string[], io: Io): Promise<ExitCode> {
  return withUsage(io, async () => {
    const { values } = parseFlags(args, { out: { type: 'string' }, config: { type: 'string' } }, usage)
    if (values.help) { io.out(usage); return 0 }
    const { config } = await loadConfig(values.config as string | undefined, io.cwd, { env: io.env })
    const source = config.policy.source ?? join(packageRoot, 'policies')
    const out = join(resolve(io.cwd, (values.out as string | undefined) ?? 'build'), 'bundle.tar.gz')
    try {
      await buildBundle(source, out)
    } catch (err) {
      if (err instanceof PolicyBuildError) {
        io.err(`${err.message}\n`)
        return 1
      }
      throw err
    }
    io.out(`built ${out}\n`)
    return 0
  })
}
