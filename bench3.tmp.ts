import { readFileSync } from 'node:fs'
import { defaultConfig } from './engine/config/defaults.ts'
import { loadPolicy } from './proxy/server/policy.ts'
import { packageRoot, testOpa } from './proxy/postgres/testing/paths.ts'
const config = defaultConfig()
config.policy.source = process.argv[2]!
config.state_dir = '/tmp/b3state-' + process.pid
const { decider } = await loadPolicy(config, { opa: testOpa(), packageRoot })
const input = JSON.parse(readFileSync('/tmp/pgbench-input.json', 'utf8'))
let d
for (let i = 0; i < 500; i++) d = decider.decide(input)
const N = 5000, t0 = process.hrtime.bigint()
for (let i = 0; i < N; i++) decider.decide(input)
console.log(process.argv[2], (Number(process.hrtime.bigint() - t0) / N / 1000).toFixed(1), 'µs', JSON.stringify(d).length)
