// Unix-domain upstreams, spelled as libpq spells them: a host that starts with "/" is the directory holding
// the server's socket, and the port picks the file in it (<dir>/.s.PGSQL.<port>). The embedded demo databases
// are reached this way, so they need no TCP listener at all.
// @see https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNECT-HOST

/** The socket file of a Unix-domain upstream, or undefined for a TCP host. */
export function unixSocketPath(target: { host: string; port: number }): string | undefined {
  if (!target.host.startsWith('/')) return undefined
  return `${target.host.replace(/\/+$/, '')}/.s.PGSQL.${target.port}`
}
