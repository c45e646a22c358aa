#!/usr/bin/env node
// The `warden` command. Sources are TypeScript run through tsx; no build step.
import { register } from 'tsx/esm/api'

register()
const { run } = await import('../cli/main.ts')
await run()
