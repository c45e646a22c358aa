// Test support: compiles Rego text with the real OPA CLI into a bundle, as `warden build` does.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildBundle } from '../../cli/policy.ts'
import { type PolicyBundle, readBundle } from './bundle.ts'

export async function compileRego(files: Record<string, string>): Promise<PolicyBundle> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-rego-'))
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text)
    const out = await buildBundle(dir, join(dir, 'out', 'bundle.tar.gz'))
    return await readBundle(await readFile(out))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
