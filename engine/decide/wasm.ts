// The one seam around @open-policy-agent/opa-wasm. The SDK throws strings and plain objects and grows
// memory without bound unless told; here every failure becomes a DecideError and memory has a ceiling.
import { createRequire } from 'node:module'
import type * as OpaWasm from '@open-policy-agent/opa-wasm'
import type { HostBuiltin } from './builtins.ts'
import { DecideError } from './errors.ts'

const pageBytes = 64 * 1024

// The SDK's ESM entry exports only loadPolicy; its CommonJS entry also has loadPolicySync.
const opa = createRequire(import.meta.url)('@open-policy-agent/opa-wasm') as typeof OpaWasm

export interface PolicyInstance {
  readonly entrypoints: Readonly<Record<string, number>>
  /** Builtins the module calls out to the host for (not natively compiled to WASM). */
  readonly hostBuiltinsNeeded: string[]
  evaluate(input: unknown, entrypoint: string): unknown
}

interface LoadedPolicy {
  entrypoints: Record<string, number>
  mem: WebAssembly.Memory
  wasmInstance: WebAssembly.Instance
  evaluate(input: unknown, entrypoint: string | number): unknown
  setData(data: unknown): void
}

function message(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message
  if (typeof thrown === 'string') return thrown
  if (thrown && typeof thrown === 'object' && 'message' in thrown) return String((thrown as { message: unknown }).message)
  return String(thrown)
}

function isMemoryFailure(thrown: unknown): boolean {
  return thrown instanceof RangeError || /out of memory|opa_malloc|memory access out of bounds|Maximum call stack/i.test(message(thrown))
}

function readCString(memory: WebAssembly.Memory, addr: number): string {
  const bytes = new Uint8Array(memory.buffer)
  let end = addr
  while (end < bytes.length && bytes[end] !== 0) end++
  return new TextDecoder().decode(bytes.subarray(addr, end))
}

/** Names of builtins the compiled module dispatches to the host (the module's `builtins` export). */
function builtinsNeeded(policy: LoadedPolicy): string[] {
  const exports = policy.wasmInstance.exports as Record<string, (...args: number[]) => number>
  const addr = exports.builtins!()
  const json = readCString(policy.mem, exports.opa_json_dump!(addr))
  return Object.keys(JSON.parse(json) as Record<string, number>)
}

export function instantiatePolicy(
  module: WebAssembly.Module,
  options: { maxMemoryPages: number; builtins: Record<string, HostBuiltin>; data: unknown },
): PolicyInstance {
  let policy: LoadedPolicy
  try {
    // Synchronous instantiation: Node allows it for any module size, and it lets a failed instance be
    // replaced inside decide() without yielding to other requests.
    policy = opa.loadPolicySync(module, { initial: Math.min(5, options.maxMemoryPages), maximum: options.maxMemoryPages }, options.builtins) as unknown as LoadedPolicy
    policy.setData(options.data)
  } catch (thrown) {
    const code = isMemoryFailure(thrown) ? 'policy.memory_exhausted' : 'policy.load_failed'
    throw new DecideError(code, `load policy: ${message(thrown)}`, { cause: thrown })
  }
  return {
    entrypoints: policy.entrypoints,
    hostBuiltinsNeeded: builtinsNeeded(policy),
    evaluate(input, entrypoint) {
      try {
        return policy.evaluate(input, entrypoint)
      } catch (thrown) {
        if (isMemoryFailure(thrown)) {
          throw new DecideError('policy.memory_exhausted', `policy exceeded its memory bound of ${(options.maxMemoryPages * pageBytes) / 1048576} MiB: ${message(thrown)}`, { cause: thrown })
        }
        throw new DecideError('policy.eval_failed', `evaluate policy: ${message(thrown)}`, { cause: thrown })
      }
    },
  }
}

export function compileModule(wasm: Uint8Array): Promise<WebAssembly.Module> {
  return WebAssembly.compile(wasm as Uint8Array<ArrayBuffer>).catch((thrown: unknown) => {
    throw new DecideError('policy.load_failed', `compile policy.wasm: ${message(thrown)}`, { cause: thrown })
  })
}
