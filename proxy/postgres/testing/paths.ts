// Where tests find the checkout and the OPA CLI. `npm test` sets OPA (scripts/test.mjs finds or builds it);
// a test file run on its own falls back to the pinned build in .tools/bin.
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

export function testOpa(): string {
  if (process.env.OPA) return process.env.OPA
  const pinned = join(packageRoot, '.tools', 'bin', 'opa')
  if (existsSync(pinned)) return pinned
  throw new Error('no OPA binary for tests: run the tests with `npm test` (it builds OPA), or set OPA')
}
