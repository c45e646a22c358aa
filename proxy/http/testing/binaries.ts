// Absolute paths of the peer programs, found or built by scripts/ensure-peers.mjs (instant once built;
// `npm test` builds them before any test starts).
import { ensurePeers } from '../../../scripts/ensure-peers.mjs'

const found = new Map<string, string>()

export function peerBinaries(names: string[]): Record<string, string> {
  const missing = names.filter((n) => !found.has(n))
  if (missing.length) for (const [name, path] of Object.entries(ensurePeers(missing))) found.set(name, path)
  return Object.fromEntries(names.map((n) => [n, found.get(n)!]))
}
