// Which hosts never leave the machine: the line between what may go in clear (or trust the development issuer)
// and what may not.
import { BlockList, isIP } from 'node:net'

const loopback = new BlockList()
loopback.addSubnet('127.0.0.0', 8, 'ipv4')
loopback.addAddress('::1', 'ipv6')

/**
 * True only for addresses that cannot be reached from another machine: 127.0.0.0/8, ::1 (IPv4-mapped forms
 * included) and `localhost`. Any other name counts as reachable: what it resolves to can change.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1')
  if (h.toLowerCase() === 'localhost') return true
  const family = isIP(h)
  return family !== 0 && loopback.check(h, family === 4 ? 'ipv4' : 'ipv6')
}
