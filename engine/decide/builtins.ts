// Builtins the host supplies to compiled policies. The opa-wasm SDK implements a few in JavaScript
// (sprintf, json.is_valid, regex.split, yaml.*); everything else a policy needs must be native to OPA's
// WASM target or listed here, or the bundle is refused at load time.

export type HostBuiltin = (...args: unknown[]) => unknown

/** Builtins the opa-wasm SDK itself implements in JavaScript (its src/builtins). */
export const sdkBuiltins: ReadonlySet<string> = new Set([
  'json.is_valid',
  'sprintf',
  'regex.split',
  'yaml.is_valid',
  'yaml.marshal',
  'yaml.unmarshal',
])

export interface Clock {
  /** Current time as Unix nanoseconds. */
  nowNs(): number
}

export const systemClock: Clock = {
  // Date.now() has millisecond precision, plenty for grant expiry; a float keeps the value a JSON number.
  nowNs: () => Date.now() * 1_000_000,
}

export function hostBuiltins(clock: Clock): Record<string, HostBuiltin> {
  return {
    'time.now_ns': () => clock.nowNs(),
  }
}
