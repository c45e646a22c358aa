// warden up [--config FILE] [--state-dir DIR]: run the gateway until SIGINT or SIGTERM, then close everything and exit 0.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type DestinationStream, pino } from 'pino'
import { ConfigError } from '../../engine/config/errors.ts'
import { opaBinary } from '../policy.ts'
import { startGateway } from '../../proxy/server.ts'
import { parseFlags, withUsage } from '../args.ts'
import { CONFIG_FLAGS, CONFIG_USAGE, loadCommandConfig } from '../command-config.ts'
import type { ExitCode, Io } from '../io.ts'

const usage = `usage: warden up [--config FILE] [--state-dir DIR]

Runs the gateway: the PostgreSQL listener, the admin API, and embedded demo databases for targets with
embedded: true. Without --config it uses the embedded defaults (dev issuer, shipped policies, a demo
database). Stops on Ctrl-C (SIGINT) or SIGTERM, and the demo database with it.

${CONFIG_USAGE}

Environment: WARDEN_LOG_LEVEL (default info); upstream passwords through each target's password_env;
WARDEN_DEMO_BACKEND (auto, postgres or pglite: what serves embedded targets; auto runs a private PostgreSQL
cluster in <state_dir>/demo-pg when server binaries are installed, else PGlite); PG_BIN (the directory of
initdb, pg_ctl and postgres, when not under /usr/lib/postgresql/*/bin or on PATH).
`

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const SIGNALS = ['SIGINT', 'SIGTERM'] as const

export async function runUp(args: string[], io: Io): Promise<ExitCode> {
  return withUsage(io, async () => {
    const { values } = parseFlags(args, CONFIG_FLAGS, usage)
    if (values.help) { io.out(usage); return 0 }
    let loaded
    try {
      loaded = await loadCommandConfig(values, io)
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      io.err(`${err.message}\n`)
      return 2
    }
    const { config, source } = loaded
    const destination: DestinationStream = { write: (line: string) => io.err(line) }
    const log = pino({ level: io.env.WARDEN_LOG_LEVEL ?? 'info', base: { service: 'warden' } }, destination)
    log.info({ config: source }, 'starting warden gateway')

    // Signals are watched from the start, so a Ctrl-C during a slow start (policy compile, demo database)
    // still shuts down cleanly once the start finishes.
    let stopRequested: (signal: string) => void = () => undefined
    const stopped = new Promise<string>((resolve) => { stopRequested = resolve })
    let signalled = false
    const onSignal = (signal: string) => {
      // A terminal's Ctrl-C reaches both `npm start` and this process, which then forwards it: one shutdown.
      if (signalled) return void log.info({ signal }, 'already shutting down')
      signalled = true
      stopRequested(signal)
    }
    for (const s of SIGNALS) process.on(s, onSignal)
    try {
      let gateway
      try {
        const opa = config.policy.bundle ? undefined : opaBinary(io.env)
        gateway = await startGateway(config, { log, packageRoot, opa, env: io.env, configArg: values.config as string | undefined, stateDirArg: values['state-dir'] as string | undefined, stateDirFrom: loaded.stateDirFrom })
      } catch (err) {
        const code = (err as { code?: unknown }).code
        log.error({ err, code }, 'warden gateway failed to start')
        io.err(`warden up: could not start the gateway: ${(err as Error).message}\n`)
        return typeof code === 'string' && code.startsWith('config.') ? 2 : 1
      }
      // Audit lines own stdout when audit.destination is stdout; the summary then goes to stderr.
      ;(config.audit.destination === 'stdout' ? io.err : io.out)(gateway.summary)
      const signal = await stopped
      log.info({ signal }, 'shutting down')
      await gateway.close()
      return 0
    } finally {
      for (const s of SIGNALS) process.off(s, onSignal)
    }
  })
}
