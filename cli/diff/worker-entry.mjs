// Entry of a `warden diff` worker thread: the sources are TypeScript, so register tsx here (a worker does not
// inherit the loader bin/warden.js registered), then run the worker.
import { register } from 'tsx/esm/api'

register()
await import('./worker.ts')
