// `npm start [-- --config FILE]`: makes the checkout runnable (node modules, OPA to compile policies), then
// runs `warden up` in a child process with the same stdio, forwarding SIGINT/SIGTERM and its exit status.
// Plain JavaScript so it runs before anything is installed.
import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureAll } from './ensure.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

let opa
try {
  opa = ensureAll()
} catch (err) {
  process.stderr.write(`warden: setup failed: ${err.message}\n`)
  process.exit(2)
}

// Resolved to a file URL after ensureAll() so a fresh install is found, and so `--import` works from any cwd.
const tsx = import.meta.resolve('tsx')
const child = spawn(process.execPath, ['--import', tsx, join(root, 'cli', 'main.ts'), 'up', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, OPA: opa },
})

// A terminal's Ctrl-C reaches both processes; `warden up` treats a repeated signal as the same shutdown.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
  })
}

child.on('error', (err) => {
  process.stderr.write(`warden: could not start the gateway: ${err.message}\n`)
  process.exit(2)
})

child.on('exit', (code, signal) => {
  process.exit(code ?? 128 + (signal ? constants.signals[signal] ?? 1 : 1))
})
