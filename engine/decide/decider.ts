// Compile once, decide many times: a Decider holds one instantiated policy and turns each input document
// into a validated decision. It never throws from decide(): any failure is a deny with its reason.
import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'
import { validator } from '../schema/validate.ts'
import type { Decision, InputDocument } from '../types.ts'
import type { PolicyBundle } from './bundle.ts'
import { type Clock, type HostBuiltin, hostBuiltins, sdkBuiltins, systemClock } from './builtins.ts'
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
  /**
   * Decides the input given as its JSON text (the bytes the policy reads). `repeatable`: the evaluation
   * succeeded and called no host builtin (time.now_ns), so the same text gives the same decision for as long
   * as `policy` (the loaded bundle and data) is the same object. What decision-cache.ts builds on.
   */
  decideJson?(json: string): DecidedJson
  /** The loaded bundle and data, as an identity: another object after every swap. */
  readonly policy?: object
  /** What the loaded policy was prepared from: a replica prepared from it (another thread) decides the same. */
  readonly recipe?: DeciderRecipe
}

export interface DeciderRecipe {
  bundle: PolicyBundle
  options: { maxMemoryPages: number; entrypoint?: string; data?: Record<string, unknown> }
}

export interface DecidedJson {
  decision: Decision
  repeatable: boolean
  policy: object
}

/** What prepareDecider returns: a Decider that also takes an input document already serialized. */
export interface PreparedDecider extends Decider {
  /**
   * decide() for an input document given as the JSON text of an object, handed to the policy as is: a caller
   * judging one document with several policies serializes it once (each decide() serializes it again).
   */
  decideJson(json: string): DecidedJson
}

interface Prepared {
  bundle: PolicyBundle
  module: WebAssembly.Module
  data: Record<string, unknown>
  instance: PolicyInstance
  revision: string
  /** Host builtin calls so far (every host builtin may answer differently each time: time.now_ns). */
  hostCalls: { count: number }
}

/** The host builtins, counting their calls. */
function countedBuiltins(clock: Clock, hostCalls: { count: number }): Record<string, HostBuiltin> {
  const out: Record<string, HostBuiltin> = {}
  for (const [name, fn] of Object.entries(hostBuiltins(clock))) {
    out[name] = (...args: unknown[]) => {
      hostCalls.count++
      return fn(...args)
    }
  }
  return out
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

/** UTF-8 bytes of a JSON text, as the SDK hands an object's JSON.stringify to the policy. */
function jsonBytes(json: string): ArrayBuffer {
  const bytes = new TextEncoder().encode(json)
  return bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer
}

export function policyErrorDecision(message: string): Decision {
  return { effect: 'deny', reasons: [{ rule: 'warden.policy_error', message: `policy error: ${message}` }], obligations: { mask: [] } }
}

async function prepare(bundle: PolicyBundle, options: DeciderOptions, entrypoint: string): Promise<Prepared> {
  const module = bundle.module ?? await compileModule(bundle.wasm)
  const data = { ...bundle.data, ...options.data }
  const hostCalls = { count: 0 }
  const builtins = countedBuiltins(options.clock ?? systemClock, hostCalls)
  const instance = instantiatePolicy(module, { maxMemoryPages: options.maxMemoryPages, builtins, data })
  const unsupported = instance.hostBuiltinsNeeded.filter((name) => !(name in builtins) && !sdkBuiltins.has(name))
  if (unsupported.length) {
    throw new DecideError('policy.builtin_unsupported', `policy needs builtins the gateway does not supply: ${unsupported.join(', ')}; use builtins OPA compiles to WASM natively, or time.now_ns`)
  }
  if (!(entrypoint in instance.entrypoints)) {
    throw new DecideError('policy.entrypoint_missing', `policy bundle has no entrypoint ${entrypoint} (has: ${Object.keys(instance.entrypoints).join(', ') || 'none'}); build it with \`opa build -t wasm -e ${entrypoint}\``)
  }
  const revision = typeof bundle.manifest.revision === 'string' && bundle.manifest.revision ? bundle.manifest.revision : bundleDigest(bundle.wasm, data)
  return { bundle, module, data, instance, revision, hostCalls }
}

export async function prepareDecider(bundle: PolicyBundle, options: DeciderOptions): Promise<PreparedDecider> {
  const entrypoint = options.entrypoint ?? decisionEntrypoint
  let current = await prepare(bundle, options, entrypoint)

  // A trap can leave the instance's heap in an unknown state: start the next evaluation on a fresh one.
  function replaceInstance(): void {
    const builtins = countedBuiltins(options.clock ?? systemClock, current.hostCalls)
    current = { ...current, instance: instantiatePolicy(current.module, { maxMemoryPages: options.maxMemoryPages, builtins, data: current.data }) }
  }

  /** `input` as a string is its JSON text, handed to the policy as is. */
  function evaluate(input: InputDocument | string): Decision {
    const resultSet = current.instance.evaluate(typeof input === 'string' ? jsonBytes(input) : input, entrypoint)
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

  /** Never throws: a failure is a policy_error deny, and `failed` says so. */
  function attempt(input: InputDocument | string): { decision: Decision; failed: boolean } {
    try {
      return { decision: evaluate(input), failed: false }
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err)
      if (err instanceof DecideError && err.code !== 'policy.result_invalid') {
        try {
          replaceInstance()
        } catch (reload) {
          return { decision: policyErrorDecision(`${reason}; reloading the policy also failed: ${reload instanceof Error ? reload.message : String(reload)}`), failed: true }
        }
      }
      return { decision: policyErrorDecision(reason), failed: true }
    }
  }

  return {
    decide: (input) => attempt(input).decision,
    decideJson(json) {
      const at = current
      const calls = at.hostCalls.count
      const { decision, failed } = attempt(json)
      // A failure (a memory trap, say) may not happen again: only a clean, host-free evaluation repeats.
      return { decision, repeatable: !failed && at.hostCalls.count === calls, policy: at.module }
    },
    async swap(bundle) {
      current = await prepare(bundle, options, entrypoint)
    },
    get revision() {
      return current.revision
    },
    get policy() {
      return current.module
    },
    get recipe() {
      return { bundle: current.bundle, options: { maxMemoryPages: options.maxMemoryPages, entrypoint, data: options.data } }
    },
  }
}
