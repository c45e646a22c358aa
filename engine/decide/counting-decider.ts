// Test support: a decider that counts the evaluations it runs (a cache hit runs none), otherwise the same.
import type { Decider } from './decider.ts'

export function countingDecider(decider: Decider): { counted: Decider; seen: { evaluations: number } } {
  const seen = { evaluations: 0 }
  const counted: Decider = {
    decide: (input) => (seen.evaluations++, decider.decide(input)),
    decideJson: decider.decideJson && ((json) => (seen.evaluations++, decider.decideJson!(json))),
    swap: (bundle) => decider.swap(bundle),
    get revision() { return decider.revision },
    get policy() { return decider.policy },
    get recipe() { return decider.recipe },
  }
  return { counted, seen }
}
