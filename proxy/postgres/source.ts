// Who counts as one client for the bound on connections still starting up. An IPv6 host is handed a /64 (or
// more) and picks any address in it, so one address per source let one host take every slot; an IPv4 client on a
// dual-stack listener arrives as ::ffff:a.b.c.d, which is its IPv4 address, not a member of one shared /64.
import ipaddr from 'ipaddr.js'

/** The IPv4 address as is; an IPv6 address as its /64 (`2001:db8:0:1::/64`); anything unreadable as given. */
export function startingSource(address: string): string {
  if (!ipaddr.isValid(address)) return address
  const parsed = ipaddr.parse(address)
  if (parsed.kind() === 'ipv4') return parsed.toString()
  const v6 = parsed as ipaddr.IPv6
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString()
  return `${v6.parts.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`
}
