// Finds or builds the real peers the gateway tests run against, and returns their absolute paths.
// Go peers are built from the wrapper modules under scripts/peers/ into .tools/bin (git-ignored); a stamp
// in .tools/peers keyed by the module's files rebuilds them when a pin changes. moto_server and aws come
// from PyPI into .tools/venv when missing; kubectl and gcloud must already be installed.
// Usage: node scripts/ensure-peers.mjs [NAME…]   (prints NAME=PATH lines)
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { withLock } from './peers/lock.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const binDir = join(root, '.tools', 'bin')
const stampDir = join(root, '.tools', 'peers')
const venv = join(root, '.tools', 'venv')

/** The k8s.io/kubernetes version kube/go.mod pins, stamped into the binaries (else they say v0.0.0). */
function kubeLdflags() {
  const mod = readFileSync(join(root, 'scripts', 'peers', 'kube', 'go.mod'), 'utf8')
  const match = /^\s*(?:require\s+)?k8s\.io\/kubernetes (v(\d+)\.(\d+)\.\d+)\s*$/m.exec(mod)
  if (!match) throw new Error('scripts/peers/kube/go.mod does not require k8s.io/kubernetes vX.Y.Z')
  const [, version, major, minor] = match
  return [
    `-X k8s.io/component-base/version.gitVersion=${version}`,
    `-X k8s.io/component-base/version.gitMajor=${major}`,
    `-X k8s.io/component-base/version.gitMinor=${minor}`,
    '-X k8s.io/component-base/version.gitTreeState=clean',
  ].join(' ')
}

/** Go wrapper modules under scripts/peers: the binaries each builds (name: package) and extra -ldflags. */
const goModules = {
  kube: { bins: { 'kube-apiserver': './kube-apiserver', 'kube-controller-manager': './kube-controller-manager' }, ldflags: kubeLdflags() },
  etcd: { bins: { etcd: '.' }, ldflags: '' },
  'fake-gcs-server': { bins: { 'fake-gcs-server': 'github.com/fsouza/fake-gcs-server' }, ldflags: '' },
  // Standard library only: the gateway's differential test reads what net/http parsed (scripts/http-diff).
  'http-echo': { bins: { 'http-echo': '.' }, ldflags: '' },
}
const goPeers = Object.fromEntries(Object.entries(goModules).flatMap(([module, m]) => Object.keys(m.bins).map((name) => [name, module])))

/** Python peers: the PyPI requirement that brings the command (pinned to versions these tests passed with). */
const pyPeers = { moto_server: 'moto[server]==5.2.5', aws: 'awscli==1.46.3' }

/** Tools that must be installed already, with how to get them. */
const systemTools = {
  kubectl: 'install kubectl >= 1.32 (here it comes with the Google Cloud CLI, google-cloud-sdk/bin) and put it on PATH',
  gcloud: 'install the Google Cloud CLI and put its bin folder (with gcloud) on PATH',
}

export const allPeers = [...Object.keys(goPeers), ...Object.keys(pyPeers), ...Object.keys(systemTools)]

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name)
    if (dir && existsSync(candidate) && statSync(candidate).isFile()) return candidate
  }
  return undefined
}

function say(line) {
  process.stderr.write(`warden: ${line}\n`)
}

/** Hash of what decides a module's binaries: its go.mod, go.sum and *.go files, and the build flags. */
function moduleKey(module) {
  const dir = join(root, 'scripts', 'peers', module)
  const hash = createHash('sha256').update(JSON.stringify(goModules[module]))
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else if (/^go\.(mod|sum)$|\.go$/.test(name)) hash.update(`${p.slice(dir.length)}\0`).update(readFileSync(p))
    }
  }
  walk(dir)
  return hash.digest('hex')
}

function stampFile(name) {
  return join(stampDir, `${name}.stamp`)
}

function isBuilt(name, key) {
  return existsSync(join(binDir, name)) && existsSync(stampFile(name)) && readFileSync(stampFile(name), 'utf8').trim() === key
}

function findGo() {
  const go = process.env.GO ?? onPath('go')
  if (!go) {
    throw new Error('no Go toolchain to build the test peers (kube-apiserver, etcd, fake-gcs-server). Install Go >= 1.26 (https://go.dev/dl) and put `go` on PATH, or set GO=/path/to/go')
  }
  return go
}

/** Builds some binaries of one wrapper module into .tools/bin, each swapped in whole (others may be running it). */
function buildModule(module, names) {
  const goBin = findGo()
  const out = join(root, '.tools', `build-${module}-${process.pid}`)
  rmSync(out, { recursive: true, force: true })
  mkdirSync(out, { recursive: true })
  const { bins, ldflags } = goModules[module]
  const started = Date.now()
  say(`building ${names.join(', ')} from scripts/peers/${module} into .tools/bin (first run only; kube takes several minutes)…`)
  // Niced and -p=2: the machine is shared. -mod=readonly: modules come from go.sum, never rewritten here.
  const go = ['build', '-trimpath', `-ldflags=-s -w ${ldflags}`.trim(), '-o', `${out}/`, ...names.map((n) => bins[n])]
  const [cmd, args] = onPath('nice') ? ['nice', ['-n', '19', goBin, ...go]] : [goBin, go]
  try {
    execFileSync(cmd, args, {
      cwd: join(root, 'scripts', 'peers', module),
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=readonly -p=2`.trim() },
    })
    for (const name of names) renameSync(join(out, name), join(binDir, name))
  } catch (err) {
    throw new Error(`building ${names.join(', ')} in scripts/peers/${module} failed (${err.message.split('\n')[0]}); see the go build output above. Go must be >= 1.26 and the Go module proxy reachable`)
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
  say(`built ${names.join(', ')} in ${Math.round((Date.now() - started) / 1000)}s`)
}

function ensureGoPeers(names) {
  const paths = {}
  for (const module of new Set(names.map((n) => goPeers[n]))) {
    const wanted = names.filter((n) => goPeers[n] === module)
    const key = moduleKey(module)
    const missing = () => wanted.filter((n) => !isBuilt(n, key))
    if (missing().length) {
      mkdirSync(binDir, { recursive: true })
      mkdirSync(stampDir, { recursive: true })
      // Another checkout sharing .tools may be building this module: wait for it, then look again.
      withLock(join(stampDir, `${module}.lock`), () => {
        const todo = missing()
        if (!todo.length) return
        buildModule(module, todo)
        for (const n of todo) writeFileSync(stampFile(n), `${key}\n`)
      })
    }
    for (const name of wanted) paths[name] = join(binDir, name)
  }
  return paths
}

function ensurePyPeers(names) {
  const local = (name) => join(venv, 'bin', name)
  const find = (name) => onPath(name) ?? (existsSync(local(name)) ? local(name) : undefined)
  const missing = names.filter((n) => !find(n))
  if (missing.length) {
    const python = onPath('python3')
    if (!python) throw new Error(`${missing.join(', ')} not installed and no python3 to install them with; install Python 3 with venv (Debian: apt-get install -y python3-venv) or put ${missing.join(', ')} on PATH`)
    if (!existsSync(local('pip'))) {
      say('creating .tools/venv for the Python test peers…')
      execFileSync(python, ['-m', 'venv', venv], { stdio: ['ignore', 'inherit', 'inherit'] })
    }
    // One pip run, so their shared dependencies (botocore) are resolved together.
    const requirements = missing.map((n) => pyPeers[n])
    say(`installing ${requirements.join(' ')} from PyPI into .tools/venv…`)
    execFileSync(local('pip'), ['install', '--quiet', '--disable-pip-version-check', ...requirements], { stdio: ['ignore', 'inherit', 'inherit'] })
    for (const n of missing) if (!existsSync(local(n))) throw new Error(`pip installed ${pyPeers[n]} into .tools/venv but it has no bin/${n}; delete .tools/venv and retry`)
  }
  return Object.fromEntries(names.map((n) => [n, find(n)]))
}

function ensureSystemTools(names) {
  const paths = {}
  for (const name of names) {
    const found = onPath(name)
    if (!found) throw new Error(`${name} is not on PATH; ${systemTools[name]}`)
    paths[name] = found
  }
  return paths
}

/** Returns { name: absolute path } for each peer named, building or installing what is missing. */
export function ensurePeers(names = allPeers) {
  const unknown = names.filter((n) => !allPeers.includes(n))
  if (unknown.length) throw new Error(`unknown test peer ${unknown.join(', ')}; known: ${allPeers.join(', ')}`)
  return {
    ...ensureGoPeers(names.filter((n) => n in goPeers)),
    ...ensurePyPeers(names.filter((n) => n in pyPeers)),
    ...ensureSystemTools(names.filter((n) => n in systemTools)),
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const paths = ensurePeers(process.argv.length > 2 ? process.argv.slice(2) : allPeers)
    for (const [name, path] of Object.entries(paths)) process.stdout.write(`${name}=${path}\n`)
  } catch (err) {
    process.stderr.write(`warden: ${err.message}\n`)
    process.exit(2)
  }
}
