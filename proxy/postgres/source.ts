// Who counts as one client for the bound on connections still starting up. An IPv6 host is handed a /64 (or
// more) and picks any address in it, so one address per source let one host take every slot; an IPv4 client on a
// dual-stack listener arrives as ::ffff:a.b.c.d, which is its IPv4 address, not a member of one shared /64.
import { isIPv6 } from 'node:net'

/** The IPv4 address as is; an IPv6 address as its /64 (`2001:db8:0:1::/64`). */
export function startingSource(address: string): string {
  const plain = address.replace(/%.*$/, '')
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(plain)
  if (mapped) return mapped[1]!
  if (!isIPv6(plain)) return plain
  const [head, tail] = plain.split('::') as [string, string | undefined]
  const groups = (part: string | undefined) => (part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : [])
  const h = groups(head)
  const t = groups(tail)
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t]
  return `${all.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`
}
