// Freezes an object graph, so a value shared by several callers (a cached judgement) cannot be changed by one
// of them: in these strict-mode modules a write to it throws instead of leaking into the next judgement.
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value
  Object.freeze(value)
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  return value
}
