// Summarizes a V8 CPU profile (bench:http --profile DIR writes one per measured cell): self time by module and
// by function, in per cent of the samples the process was not idle. Counted in samples, not in time deltas: on
// a machine shared with other work a descheduled thread's next sample carries the wait, which the deltas would
// charge to whatever function it was in.
// Usage: node --import tsx scripts/bench/profile-summary.ts FILE.cpuprofile [--top 40]
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }
interface Profile { nodes: ProfileNode[]; samples: number[] }

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '40' } } })
const top = Number(values.top)
const root = new URL('../../', import.meta.url).href

/** A module's name: the project file, the package (node_modules), node's own module, or (native). */
function moduleOf(url: string): string {
  if (!url) return '(native)'
  if (url.includes('/node_modules/')) {
    const parts = url.slice(url.lastIndexOf('/node_modules/') + 14).split('/')
    return `npm:${parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`
  }
  return url.startsWith(root) ? url.slice(root.length) : url
}

function table(title: string, counts: Map<string, number>, busy: number): string {
  const rows = [...counts].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, n]) => `${((100 * n) / busy).toFixed(1).padStart(6)}%  ${k}`)
  return `${title}\n${rows.join('\n')}`
}

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
  const byFunction = new Map<string, number>()
  const byModule = new Map<string, number>()
  let busy = 0
  for (const id of profile.samples) {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame
    if (functionName === '(idle)') continue
    busy++
    const module = moduleOf(url)
    const fn = `${functionName || '(anonymous)'} ${module}${url ? `:${lineNumber + 1}` : ''}`
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + 1)
    byModule.set(module, (byModule.get(module) ?? 0) + 1)
  }
  process.stdout.write(`${file}: ${busy} busy samples of ${profile.samples.length}\n${table('self time by module', byModule, busy)}\n${table('self time by function', byFunction, busy)}\n`)
}
