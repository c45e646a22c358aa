// Compile once, decide many times: a Decider holds one instantiated policy and turns each input document
// into a validated decision. It never throws from decide(): any failure is a deny with its reason.
import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'
import { validator } from '../schema/validate.ts'
import type { Decision, InputDocument } from '../types.ts'
import type { PolicyBundle } from './bundle.ts'
import { type Clock, hostBuiltins, sdkBuiltins, systemClock } from './builtins.ts'
import { DecideError } from './errors.ts'
import { compileModule, instantiatePolicy, type PolicyInstance } from './wasm.ts'

export const decisionEntrypoint = 'warden/decision'

export interface DeciderOptions {
  /** Upper bound on the policy's linear memory, in 64 KiB pages. */
  maxMemoryPages: number
  entrypoint?: string
  clock?: Clock
  /** Merged over the bundle's data.json (e.g. `{ settings }` from the config). */
  data?: Record<string, unknown>
}

export interface Decider {
  decide(input: InputDocument): Decision
  /** Prepares a new bundle off the hot path, then swaps it in; evaluations keep running meanwhile. */
  swap(bundle: PolicyBundle): Promise<void>
  readonly revision: string
}

/** What prepareDecider returns: a Decider that also takes an input document already serialized. */
export interface PreparedDecider extends Decider {
  /**
   * decide() for an input document given as UTF-8 JSON of an object, handed to the policy as is: a caller
   * judging one document with several policies serializes it once (each decide() serializes it again).
   */
  decideJson(json: Uint8Array): Decision
}

interface Prepared {
  module: WebAssembly.Module
  data: Record<string, unknown>
  instance: PolicyInstance
  revision: string
}

const decisionSchema = validator<Decision>('decision')

/**
 * What names a bundle built without a manifest revision (`opa build` sets none unless asked): a digest of the
 * compiled policy and the data it runs with (the bundle's data.json plus settings), so two gateways, or two
 * records, agree on the revision exactly when they decide alike.
 */
export function bundleDigest(wasm: Uint8Array, data: Record<string, unknown>): string {
  return `sha256:${createHash('sha256').update(wasm).update(canonicalize(data) ?? '').digest('hex').slice(0, 32)}`
}

export function policyErrorDecision(message: string): Decision {
  return { effect: 'deny', reasons: [{ rule: 'warden.policy_error', message: `policy error: ${message}` }], obligations: { mask: [] } }
}

async function prepare(bundle: PolicyBundle, options: DeciderOptions, entrypoint: string): Promise<Prepared> {
  const module = bundle.module ?? await compileModule(bundle.wasm)
  const data = { ...bundle.data, ...options.data }
  const builtins = hostBuiltins(options.clock ?? systemClock)
  const instance = instantiatePolicy(module, { maxMemoryPages: options.maxMemoryPages, builtins, data })
  const unsupported = instance.hostBuiltinsNeeded.filter((name) => !(name in builtins) && !sdkBuiltins.has(name))
  if (unsupported.length) {
    throw new DecideError('policy.builtin_unsupported', `policy needs builtins the gateway does not supply: ${unsupported.join(', ')}; use builtins OPA compiles to WASM natively, or time.now_ns`)
  }
  if (!(entrypoint in instance.entrypoints)) {
    throw new DecideError('policy.entrypoint_missing', `policy bundle has no entrypoint ${entrypoint} (has: ${Object.keys(instance.entrypoints).join(', ') || 'none'}); build it with \`opa build -t wasm -e ${entrypoint}\``)
  }
  const revision = typeof bundle.manifest.revision === 'string' && bundle.manifest.revision ? bundle.manifest.revision : bundleDigest(bundle.wasm, data)
  return { module, data, instance, revision }
}

export async function prepareDecider(bundle: PolicyBundle, options: DeciderOptions): Promise<PreparedDecider> {
  const entrypoint = options.entrypoint ?? decisionEntrypoint
  let current = await prepare(bundle, options, entrypoint)

  // A trap can leave the instance's heap in an unknown state: start the next evaluation on a fresh one.
  function replaceInstance(): void {
    const builtins = hostBuiltins(options.clock ?? systemClock)
    current = { ...current, instance: instantiatePolicy(current.module, { maxMemoryPages: options.maxMemoryPages, builtins, data: current.data }) }
  }

  function evaluate(input: InputDocument | ArrayBuffer): Decision {
    const resultSet = current.instance.evaluate(input, entrypoint)
    const value = Array.isArray(resultSet) ? (resultSet[0] as { result?: unknown } | undefined)?.result : undefined
    if (value === undefined) {
      throw new DecideError('policy.result_invalid', `${entrypoint} is undefined for this input; the combining library must always produce a decision`)
    }
    const issues = decisionSchema.issues(value)
    if (issues.length) {
      throw new DecideError('policy.result_invalid', `${entrypoint} returned a value outside the decision schema: ${issues.map((i) => `${i.path || '(root)'} ${i.message}`).join('; ')}`)
    }
    return value as Decision
  }

  function decide(input: InputDocument | ArrayBuffer): Decision {
    try {
      return evaluate(input)
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err)
      if (err instanceof DecideError && err.code !== 'policy.result_invalid') {
        try {
          replaceInstance()
        } catch (reload) {
          return policyErrorDecision(`${reason}; reloading the policy also failed: ${reload instanceof Error ? reload.message : String(reload)}`)
        }
      }
      return policyErrorDecision(reason)
    }
  }

  return {
    decide,
    decideJson(json) {
      // The SDK takes an ArrayBuffer as serialized JSON (anything else it stringifies); a view becomes its own copy.
      const exact = json.byteOffset === 0 && json.byteLength === json.buffer.byteLength ? json.buffer : json.slice().buffer
      return decide(exact as ArrayBuffer)
    },
    async swap(bundle) {
      current = await prepare(bundle, options, entrypoint)
    },
    get revision() {
      return current.revision
    },
  }
}
