// Reads an OPA bundle (bundle.tar.gz from `opa build -t wasm`) into the parts the decider needs.
import { gunzipSync } from 'node:zlib'
import { extract } from 'tar-stream'
import { DecideError } from './errors.ts'

export interface PolicyBundle {
  wasm: Uint8Array
  data: Record<string, unknown>
  manifest: Record<string, unknown>
  /** `wasm` already compiled: deciders prepared from it (in any worker thread) share the code V8 generates. */
  module?: WebAssembly.Module
}

const maxBundleBytes = 64 * 1024 * 1024

async function untar(tar: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>()
  const reader = extract()
  const done = new Promise<void>((resolve, reject) => {
    reader.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: unknown) => void chunks.push(chunk as Buffer))
      stream.on('end', () => {
        if (header.type === 'file') files.set(header.name.replace(/^\.?\//, ''), Buffer.concat(chunks))
        next()
      })
      stream.on('error', reject)
    })
    reader.on('finish', resolve)
    reader.on('error', reject)
  })
  reader.end(tar)
  await done
  return files
}

function parseJson(bytes: Buffer | undefined, name: string): Record<string, unknown> {
  if (!bytes || bytes.length === 0) return {}
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'))
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
  } catch (err) {
    throw new DecideError('policy.bundle_invalid', `bundle file ${name} is not valid JSON`, { cause: err })
  }
  throw new DecideError('policy.bundle_invalid', `bundle file ${name} must hold a JSON object`)
}

export async function readBundle(tarGz: Uint8Array): Promise<PolicyBundle> {
  let files: Map<string, Buffer>
  try {
    files = await untar(gunzipSync(tarGz, { maxOutputLength: maxBundleBytes }))
  } catch (err) {
    throw new DecideError('policy.bundle_invalid', 'policy bundle is not a gzipped tar archive; rebuild it with `warden build`', { cause: err })
  }
  const wasm = files.get('policy.wasm')
  if (!wasm) {
    throw new DecideError('policy.bundle_invalid', 'policy bundle has no policy.wasm; it must be built with `opa build -t wasm` (use `warden build`)')
  }
  return { wasm, data: parseJson(files.get('data.json'), 'data.json'), manifest: parseJson(files.get('.manifest'), '.manifest') }
}
