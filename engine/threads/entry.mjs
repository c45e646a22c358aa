// The first module of every Warden worker thread: sources are TypeScript run through tsx, and a worker does
// not inherit a loader registered in code (bin/warden.js), so it registers tsx before importing its module.
import { workerData } from 'node:worker_threads'
import { register } from 'tsx/esm/api'

register()
await import(workerData.module)
