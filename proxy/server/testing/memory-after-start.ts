// Test fixture (memory-trim.test.ts): loads the SQL parser and the policy as a gateway starts, then prints the
// process's RSS before and after a memory trim, as JSON. Run in a process of its own: RSS is per process.
// Usage: node --import tsx memory-after-start.ts STATE_DIR (OPA in the environment)
import { join } from 'node:path'
import { defaultConfig } from '../../../engine/config/defaults.ts'
import { loadSqlParsers, normalize } from '../../../engine/normalize/index.ts'
import { startMemoryTrim } from '../memory-trim.ts'
import { loadPolicy } from '../policy.ts'

const mb = () => Math.round(process.memoryUsage.rss() / 1048576)
const config = defaultConfig()
config.state_dir = process.argv[2]!
const packageRoot = join(import.meta.dirname, '..', '..', '..')
config.policy.source = join(packageRoot, 'policies')
const trimmer = startMemoryTrim({ intervalMs: 60_000 })
await loadSqlParsers()
normalize({ kind: 'sql', text: 'SELECT 1' }, { name: 't', kind: 'postgres', environment: 'production', labels: {} })
await loadPolicy(config, { opa: process.env.OPA, packageRoot })
await new Promise((resolve) => setTimeout(resolve, 2000))
const before = mb()
const trimmed = await trimmer.trim()
process.stdout.write(`${JSON.stringify({ trimmed, before, after: mb() })}\n`)
trimmer.stop()
