// Finds the OPA CLI: $OPA, then `opa` on PATH, then .tools/bin/opa; otherwise builds the version pinned
// in scripts/opa/go.mod from OPA's Go module into .tools/bin (git-ignored, so later runs are instant).
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const wrapper = join(root, 'scripts', 'opa')
const cached = join(root, '.tools', 'bin', 'opa')

export function pinnedOpaVersion() {
  const mod = readFileSync(join(wrapper, 'go.mod'), 'utf8')
  const match = /github\.com\/open-policy-agent\/opa (v[\d.]+)/.exec(mod)
  if (!match) throw new Error('scripts/opa/go.mod does not pin github.com/open-policy-agent/opa')
  return match[1]
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name)
    if (dir && existsSync(candidate)) return candidate
  }
  return undefined
}

function versionOf(bin) {
  try {
    const out = execFileSync(bin, ['version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    return /Version:\s*(\S+)/.exec(out)?.[1]
  } catch {
    return undefined
  }
}

export function ensureOpa() {
  if (process.env.OPA) {
    if (!versionOf(process.env.OPA)) throw new Error(`OPA=${process.env.OPA} does not run \`opa version\`; point OPA at a working opa binary or unset it`)
    return process.env.OPA
  }
  const fromPath = onPath('opa')
  if (fromPath && versionOf(fromPath)) return fromPath
  const want = pinnedOpaVersion()
  if (existsSync(cached) && `v${versionOf(cached)}` === want) return cached
  const go = process.env.GO ?? onPath('go')
  if (!go) {
    throw new Error(`no opa binary found and no Go toolchain to build one. Install Go >= 1.24 (https://go.dev/dl) so Warden can build OPA ${want} into .tools/bin, or set OPA=/path/to/opa`)
  }
  process.stderr.write(`warden: building OPA ${want} from its Go module into .tools/bin (first run only, a few minutes)…\n`)
  execFileSync(go, ['build', '-trimpath', '-ldflags=-s -w', '-o', cached, '.'], {
    cwd: wrapper,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
  })
  if (!versionOf(cached)) throw new Error(`built ${cached} but it does not run; see the go build output above`)
  return cached
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    process.stdout.write(`${ensureOpa()}\n`)
  } catch (err) {
    process.stderr.write(`warden: ${err.message}\n`)
    process.exit(2)
  }
}
